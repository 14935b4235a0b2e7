"""Block B, Provisioning: network connection profiles (B09 SetNetworkProfile, B10 migration and fallback).

The CSMS serves a second endpoint on the same server (its path prefix + "-2"): "the URL not in use now" of Part 6.
"""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201.network import connection_data, migrate, plan_migration, require_server
from harness.ocpp.v201.states import CaseContext, boot_completes
from harness.ocpp.v201.steps import configure

BLOCK = "B Provisioning"
NO_SUCH_SLOT = 999
FALLBACK_ATTEMPTS = 2


@ocpp201_case(
    "TC_B_43_CS", "SetNetworkProfile for a slot the station does not have is rejected", BLOCK, ["B09"],
    ["B09.FR.02"], needs=[],
)  # fmt: skip
async def test_TC_B_43_CS(ctx: CaseContext) -> None:
    data = connection_data(ctx, require_server(ctx).url, ctx.profile.ocpp.security_profile)
    answer = await ctx.csms.call("SetNetworkProfile", {"configurationSlot": NO_SUCH_SLOT, "connectionData": data})
    require_equal(
        answer.get("status"), "Rejected", f"SetNetworkProfileResponse status (configurationSlot {NO_SUCH_SLOT})"
    )


@ocpp201_case(
    "TC_B_45_CS", "Migration to a new network profile on the same CSMS root", BLOCK, ["B09", "B10"],
    ["B09.FR.01", "B10.FR.01", "B10.FR.04", "B10.FR.06"], needs=[],
)  # fmt: skip
async def test_TC_B_45_CS(ctx: CaseContext) -> None:
    """A second profile with the CSMS URL not in use, first in priority: after the reset the station uses it."""
    server = require_server(ctx)
    plan = await plan_migration(ctx)
    await migrate(ctx, plan)
    await boot_completes(ctx)
    require_equal(server.last_endpoint, plan.new_endpoint, "CSMS endpoint the station connected to after the reset")


@ocpp201_case(
    "TC_B_46_CS", "Fallback to the previous network profile when the new one cannot connect", BLOCK, ["B10"],
    ["B10.FR.03", "B10.FR.04"], needs=[],
)  # fmt: skip
async def test_TC_B_46_CS(ctx: CaseContext) -> None:
    """The new endpoint refuses the station's attempts; after NetworkProfileConnectionAttempts (2) it must come
    back on the profile it used before."""
    server = require_server(ctx)
    await configure(ctx.csms, [("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", str(FALLBACK_ATTEMPTS))])
    plan = await plan_migration(ctx)
    server.refused_endpoints.add(plan.new_endpoint)
    try:
        before = server.refusals.get(plan.new_endpoint, 0)
        await migrate(ctx, plan)
        await boot_completes(ctx, timeout=ctx.timing.boot_timeout_s * 2)  # two refused attempts and their back-off
    finally:
        server.refused_endpoints.discard(plan.new_endpoint)
    tried = server.refusals.get(plan.new_endpoint, 0) - before
    require(tried >= FALLBACK_ATTEMPTS, f"the station tried the new profile {tried} time(s) before falling back")
    require_equal(server.last_endpoint, plan.old_endpoint, "CSMS endpoint the station fell back to")
