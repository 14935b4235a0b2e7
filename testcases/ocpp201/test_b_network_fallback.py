"""Block B, Provisioning: B10 migrations that fail or bring a new CSMS root (B_47, B_49, B_50).

The CSMS serves a second endpoint on the same server (path prefix + "-2"), "the URL not in use now" of Part 6; it
can refuse either endpoint and present a server certificate of a second CSMS root.
"""

from __future__ import annotations

import asyncio
import time

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.server import CsmsServer
from harness.ocpp.v201.network import migrate, plan_migration, require_server
from harness.ocpp.v201.root_replacement import (
    additional_root_check_on,
    new_root_installed,
    old_root,
    refusal_and_back_off_s,
    require_csms_roots,
    tls_server,
)
from harness.ocpp.v201.states import CaseContext, boot_completes
from harness.ocpp.v201.steps import configure
from harness.verdict import Nonconformity

BLOCK = "B Provisioning"
SECURE = "security_profile:2,3"
RETRY_WAIT_MINIMUM_S = 1  # <Configured RetryBackOffWaitMinimum>: short, yet long enough to measure
WAIT_SLACK_S = 0.3  # the harness sees a refusal a little after the station was refused
POLL_S = 0.02


async def _refused_again(ctx: CaseContext, server: CsmsServer, endpoint: str, before: int, step: str) -> float:
    """Wait until `endpoint` refused one more connection attempt; returns when (monotonic)."""
    deadline = time.monotonic() + ctx.timing.boot_timeout_s
    while server.refusals.get(endpoint, 0) <= before:
        if time.monotonic() > deadline:
            raise Nonconformity(f"{step}: no connection attempt to {endpoint} within {ctx.timing.boot_timeout_s:g} s")
        await asyncio.sleep(POLL_S)
    return time.monotonic()


@ocpp201_case(
    "TC_B_49_CS", "Fallback after NetworkProfileConnectionAttempts, then the reconnect back-off - same CSMS root",
    BLOCK, ["B10"], ["B10.FR.07"], needs=[],
)  # fmt: skip
async def test_TC_B_49_CS(ctx: CaseContext) -> None:
    """Both endpoints refuse once: the new one (steps 7-8), then the previous one the station fell back to
    (steps 9-10). The station must then wait RetryBackOffWaitMinimum and try again (step 11), which succeeds."""
    server = require_server(ctx)
    await configure(ctx.csms, [
        ("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "1"),
        ("OCPPCommCtrlr", "RetryBackOffRepeatTimes", "0"),
        ("OCPPCommCtrlr", "RetryBackOffRandomRange", "0"),
        ("OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(RETRY_WAIT_MINIMUM_S)),
    ])  # fmt: skip
    plan = await plan_migration(ctx)
    new_before = server.refusals.get(plan.new_endpoint, 0)
    old_before = server.refusals.get(plan.old_endpoint, 0)
    server.refused_endpoints |= {plan.new_endpoint, plan.old_endpoint}
    try:
        await migrate(ctx, plan)
        await _refused_again(ctx, server, plan.new_endpoint, new_before, "step 7")
        refused_at = await _refused_again(ctx, server, plan.old_endpoint, old_before, "step 9")
        server.refused_endpoints.discard(plan.old_endpoint)
        boot = await boot_completes(ctx, timeout=ctx.timing.boot_timeout_s + RETRY_WAIT_MINIMUM_S)
    finally:
        server.refused_endpoints -= {plan.new_endpoint, plan.old_endpoint}
    require_equal(server.last_endpoint, plan.old_endpoint, "step 12: CSMS endpoint the station reconnected to")
    waited = boot.mono - refused_at
    ctx.csms.evidence.measurement("wait after the last refused attempt", {"seconds": round(waited, 2)})
    require(
        waited >= RETRY_WAIT_MINIMUM_S - WAIT_SLACK_S,
        f"step 11: the station tried again {waited:.2f} s after the refusal, before RetryBackOffWaitMinimum "
        f"({RETRY_WAIT_MINIMUM_S} s)",
    )


@ocpp201_case(
    "TC_B_50_CS", "Migrate to a new CSMS whose certificate a new CSMS root signs", BLOCK, ["B10", "M05"],
    ["M05.FR.13"], needs=["certificate_management", SECURE],
)  # fmt: skip
async def test_TC_B_50_CS(ctx: CaseContext) -> None:
    """A second CSMS root is installed first; after the reset the CSMS presents a certificate of that root only,
    and the station must accept it on the endpoint of its new profile (step 7)."""
    server = tls_server(ctx)
    root = await new_root_installed(ctx, signed_by_old=False)
    plan = await plan_migration(ctx)
    await migrate(ctx, plan)
    await server.serve_tls("valid", issuer=root.authority)  # the new CSMS: a certificate of root 2
    await boot_completes(ctx)
    require_equal(server.last_endpoint, plan.new_endpoint, "step 7: CSMS endpoint the station connected to")


@ocpp201_case(
    "TC_B_47_CS", "Fallback to the previous network profile and the old CSMS root - new CSMS root, new CSMS",
    BLOCK, ["B09", "B10", "M05"], ["B10.FR.07", "M05.FR.15", "M05.FR.16"],
    needs=["certificate_management", SECURE],
)  # fmt: skip
async def test_TC_B_47_CS(ctx: CaseContext) -> None:
    """With AdditionalRootCertificateCheck the new root (signed by the old) replaces the old one, which the station
    keeps as its fallback. The CSMS keeps presenting a certificate of the old root: the new profile fails with the
    new root (step 8), the station goes back to the previous profile with the old root (step 9), and the old root is
    still installed afterwards (step 12)."""
    server = tls_server(ctx)
    await additional_root_check_on(ctx)
    await configure(ctx.csms, [("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", "1")])
    await new_root_installed(ctx, signed_by_old=True)
    plan = await plan_migration(ctx)
    limit = await refusal_and_back_off_s(ctx)  # a refused attempt and its back-off come first
    hellos_before = server.handshakes.count("valid")
    await migrate(ctx, plan)
    await boot_completes(ctx, timeout=limit)
    tried = server.handshakes.count("valid") - hellos_before
    require(tried >= 2, f"steps 7-9: {tried} TLS handshake(s) after the reset; a refused one must come first")
    require_equal(server.last_endpoint, plan.old_endpoint, "step 9: CSMS endpoint the station fell back to")
    await require_csms_roots(ctx, "step 12", listed=old_root(ctx))
