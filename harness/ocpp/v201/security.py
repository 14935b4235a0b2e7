"""Steps of the security cases (A00): what the CSMS side does to offer a bad certificate or TLS version, and what it
then requires of the station: try, refuse, reconnect once the CSMS is valid again, and say why it refused."""

from __future__ import annotations

import asyncio
import time

from harness.checks import require_in
from harness.ocpp.messages import Predicate, Received
from harness.ocpp.server import CsmsServer
from harness.ocpp.tls import TlsVariant
from harness.ocpp.v201.states import CaseContext, all_connectors_reported
from harness.verdict import LabError, Nonconformity

POLL_S = 0.05
STARTUP_EVENTS = ("StartupOfTheDevice", "ResetOrReboot")
DESCRIPTIONS: dict[TlsVariant, str] = {
    "unknown_ca": "a server certificate from an unknown CA",
    "expired": "an expired server certificate",
    "wrong_name": "a server certificate for another host name",
    "tls_1_1": "TLS 1.1 as its highest version",
}


def tls_server(ctx: CaseContext) -> CsmsServer:
    if ctx.server is None or ctx.server.pki is None:
        raise LabError("this case needs the CSMS's TLS server (security profile 2 or 3)")
    return ctx.server


async def station_refuses(ctx: CaseContext, variant: TlsVariant) -> None:
    """Serve `variant`, reboot the station, and require it to try and then not to connect."""
    server = tls_server(ctx)
    before = server.handshakes.count(variant)
    await server.serve_tls(variant)
    await ctx.dut.power_cycle()
    await _wait_for_hello(ctx, server, variant, before)
    await ctx.csms.expect_none(
        "BootNotification",
        during=ctx.timing.absence_s,  # a station that accepted the certificate would boot over this connection
        what=f"over a connection to a CSMS that presents {DESCRIPTIONS[variant]}",
    )


async def reconnects_and_reports(ctx: CaseContext, wanted_event: str | None) -> list[str]:
    """Serve the valid certificate again: Booted (BootNotification, connectors, startup event) and, when
    `wanted_event` is given, a SecurityEventNotification of that type. Returns every security event type seen."""
    server = tls_server(ctx)
    await server.serve_tls("valid")
    await ctx.csms.expect(
        "BootNotification", timeout=ctx.timing.boot_timeout_s, what="once the CSMS presents its valid certificate"
    )
    await all_connectors_reported(ctx, "Available")
    startup = await ctx.csms.expect(
        "SecurityEventNotification", _of_type(STARTUP_EVENTS), what="after the boot (startup of the device)"
    )
    seen = [str(startup.get("type"))]
    if wanted_event is not None:
        event = await ctx.csms.expect(
            "SecurityEventNotification", _of_type((wanted_event,)), what="reporting the refused connection"
        )
        seen.append(str(event.get("type")))
    return seen


def require_tls_1_2_or_newer(server: CsmsServer) -> None:
    version = server.last_tls.get("version")
    require_in(version, ("TLSv1.2", "TLSv1.3"), "TLS version of the station's connection")


async def _wait_for_hello(ctx: CaseContext, server: CsmsServer, variant: TlsVariant, before: int) -> None:
    deadline = time.monotonic() + ctx.timing.boot_timeout_s
    while server.handshakes.count(variant) <= before:
        if time.monotonic() > deadline:
            raise Nonconformity(
                f"the station did not try to connect within {ctx.timing.boot_timeout_s:g} s of its reboot"
            )
        await asyncio.sleep(POLL_S)


def _of_type(types: tuple[str, ...]) -> Predicate:
    def matches(received: Received) -> bool:
        return received.get("type") in types

    return matches
