"""Block G, connector lock failure (G05): a cable that cannot be locked is reported and never energized."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.messages import Predicate, Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import read_variable

BLOCK = "G Availability"
REPORT_EVERYTHING = 9  # the lowest severity: every monitor event passes the monitoring level


def _lock_problem(evse_id: int) -> Predicate:
    def match(received: Received) -> bool:
        return any(
            item.get("component", {}).get("name") == "ConnectorPlugRetentionLock"
            and item.get("variable", {}).get("name") == "Problem"
            and item.get("component", {}).get("evse", {}).get("id", evse_id) == evse_id
            for item in received.get("eventData") or []
        )

    return match


def _charging(received: Received) -> bool:
    return bool(received.get("transactionInfo.chargingState") == "Charging")


async def _set_level(ctx: CaseContext, severity: int) -> None:
    answer = await ctx.csms.call("SetMonitoringLevel", {"severity": severity})
    require_equal(answer.get("status"), "Accepted", "SetMonitoringLevelResponse status")


@ocpp201_case(
    "TC_G_20_CS", "Connector status notification - lock failure", BLOCK, ["G05"], ["G05.FR.01", "G05.FR.02"],
)  # fmt: skip
async def test_TC_G_20_CS(ctx: CaseContext) -> None:
    """A cable whose lock cannot engage: after the authorization the station reports the lock's Problem and does
    not charge."""
    # Prerequisite: a monitoring level low enough for the lock failure event (the level is restored afterwards).
    level = await read_variable(ctx.csms, "MonitoringCtrlr", "ActiveMonitoringLevel")
    lowered = level is None or level != str(REPORT_EVERYTHING)
    if lowered:
        await _set_level(ctx, REPORT_EVERYTHING)
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx, unlocked=True)
    await states.authorized(ctx, tx)
    notified = await ctx.csms.expect(
        "NotifyEvent", _lock_problem(tx.evse_id), what="reporting the ConnectorPlugRetentionLock Problem"
    )
    event = next(
        item for item in notified.get("eventData") or []
        if item.get("component", {}).get("name") == "ConnectorPlugRetentionLock"
    )  # fmt: skip
    require_equal(event.get("trigger"), "Delta", "eventData trigger")
    require_equal(event.get("variable", {}).get("name"), "Problem", "eventData variable.name")
    require_equal(event.get("actualValue"), "true", "eventData actualValue")
    # Post-scenario: no energy transfer while the cable is not locked.
    await ctx.csms.expect_none(
        "TransactionEvent", _charging, during=ctx.timing.absence_s, what="with chargingState Charging"
    )
    if lowered and level is not None and level.isdigit():
        await _set_level(ctx, int(level))
