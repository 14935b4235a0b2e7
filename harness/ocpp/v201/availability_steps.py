"""Availability steps of Part 6 block G: ChangeAvailability for the station, an EVSE or a connector, the
Unavailable reusable state, and what the station reported last about each connector."""

from __future__ import annotations

from typing import Any

from harness.checks import require, require_equal, require_in
from harness.ocpp.messages import Predicate, Received
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import connector_report, expect_connector
from harness.verdict import DutTimeout

REPORTED = {"Inoperative": "Unavailable", "Operative": "Available"}
BASELINE_STATUS = "Available"  # the baseline every case starts from: every connector reported Available


def targets(ctx: CaseContext, evse_id: int | None, connector_id: int | None) -> list[tuple[int, int]]:
    """The connectors a ChangeAvailability for (station | EVSE | connector) addresses."""
    return [
        (evse, connector)
        for evse, connector in ctx.connectors()
        if (evse_id is None or evse == evse_id) and (connector_id is None or connector == connector_id)
    ]


async def change_availability(
    ctx: CaseContext, status: str, evse_id: int | None = None, connector_id: int | None = None
) -> str:
    """Send ChangeAvailability to the station, an EVSE or a connector; return the status answered."""
    payload: dict[str, Any] = {"operationalStatus": status}
    if evse_id is not None:
        payload["evse"] = {"id": evse_id} if connector_id is None else {"id": evse_id, "connectorId": connector_id}
    answer = await ctx.csms.call("ChangeAvailability", payload)
    return str(answer.get("status"))


async def unavailable(ctx: CaseContext, evse_id: int | None = None, connector_id: int | None = None) -> None:
    """Reusable state Unavailable: Inoperative Accepted, then every addressed connector reported Unavailable."""
    status = await change_availability(ctx, "Inoperative", evse_id, connector_id)
    require_equal(status, "Accepted", "Unavailable state: ChangeAvailabilityResponse status")
    for evse, connector in targets(ctx, evse_id, connector_id):
        await expect_connector(ctx.csms, evse, connector, "Unavailable")


async def expect_reported(ctx: CaseContext, evse_id: int | None, connector_id: int | None, status: str) -> None:
    """Each addressed connector reported `status`, with a new report or the state reported earlier in the case.

    Our reading of a request for the state already in force (G03.FR.03, G04.FR.04): the station answers Accepted
    and need not repeat its report, so the last report of the case (or the baseline's Available) must say `status`.
    """
    for evse, connector in targets(ctx, evse_id, connector_id):
        try:
            await ctx.csms.expect(
                ("StatusNotification", "NotifyEvent"), connector_report(evse, connector, status), timeout=0
            )
            continue
        except DutTimeout:
            pass
        last = last_reported(ctx, evse, connector)
        require_equal(last, status, f"the state last reported for connector {evse}/{connector}")


def last_reported(ctx: CaseContext, evse_id: int, connector_id: int) -> str:
    """The connector status the station reported last in this case; the baseline's Available if none."""
    last = BASELINE_STATUS
    for received in ctx.csms.history():
        status = _reported_status(received, evse_id, connector_id)
        if status is not None:
            last = status
    return last


def _reported_status(received: Received, evse_id: int, connector_id: int) -> str | None:
    if received.action == "StatusNotification":
        if received.get("evseId") == evse_id and received.get("connectorId") == connector_id:
            return str(received.get("connectorStatus"))
        return None
    if received.action != "NotifyEvent":
        return None
    found = None
    for event in received.get("eventData", []):
        component = event.get("component", {})
        evse = component.get("evse", {})
        if (
            component.get("name") == "Connector"
            and event.get("variable", {}).get("name") == "AvailabilityState"
            and evse.get("id") == evse_id
            and evse.get("connectorId") == connector_id
        ):
            found = str(event.get("actualValue"))
    return found


async def reboot_with_statuses(ctx: CaseContext, unavailable_at: list[tuple[int, int]]) -> None:
    """Booted after a power cycle: connectors in `unavailable_at` report Unavailable, every other one Available."""
    await ctx.dut.power_cycle()
    boot = await ctx.csms.expect("BootNotification", timeout=ctx.timing.boot_timeout_s, what="after the reboot")
    require(boot.get("reason") is not None, "BootNotificationRequest without reason")
    for evse, connector in ctx.connectors():
        status = "Unavailable" if (evse, connector) in unavailable_at else "Available"
        await ctx.csms.expect(
            ("StatusNotification", "NotifyEvent"), _after(boot, connector_report(evse, connector, status)),
            what=f"reporting connector {evse}/{connector} as {status} after the boot",
        )  # fmt: skip
    event = await ctx.csms.expect("SecurityEventNotification", _after(boot, None), what="after the boot")
    require_in(event.get("type"), ("StartupOfTheDevice", "ResetOrReboot"), "SecurityEventNotification type")


def _after(boot: Received, report: Predicate | None) -> Predicate:
    """Only what the station sent after this BootNotification counts as its post-boot report."""

    def match(received: Received) -> bool:
        return received.index > boot.index and (report is None or report(received))

    return match
