"""Block N, Diagnostics: an event the station's firmware reports by itself, a hard-wired notification (N07)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Predicate, Received
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, read_variable

BLOCK = "N Diagnostics"
HARDWIRED = "HardWiredNotification"
# How far generatedAt may lie from the harness's clock: the station's clock was set at boot, and a real station
# may stamp the event when its monitor samples, a little before the message leaves.
CLOCK_SLACK = timedelta(seconds=5)


def _hardwired(since: int) -> Predicate:
    def match(received: Received) -> bool:
        return received.index >= since and any(
            e.get("eventNotificationType") == HARDWIRED for e in received.get("eventData") or []
        )

    return match


async def _monitoring_enabled(ctx: CaseContext) -> None:
    """Prerequisite MonitoringCtrlr.Enabled true: set where the station lets the CSMS, else it must already be."""
    if await read_variable(ctx.csms, "MonitoringCtrlr", "Enabled") != "true":
        await configure(ctx.csms, [("MonitoringCtrlr", "Enabled", "true")])


@ocpp201_case("TC_N_21_CS", "Hard-wired monitor event", BLOCK, ["N07"], [])
async def test_TC_N_21_CS(ctx: CaseContext) -> None:
    """A hardware fault the firmware reports by itself comes in a NotifyEvent (seqNo 0) with an eventData element
    of type HardWiredNotification; the fault is repaired afterwards."""
    await _monitoring_enabled(ctx)
    since = len(ctx.csms.inbox)
    caused_at = datetime.now(UTC)
    await ctx.dut.hardware_fault(True)
    try:
        event = await ctx.csms.expect(
            "NotifyEvent", _hardwired(since), what="with an eventData element of type HardWiredNotification"
        )
        require_equal(event.get("seqNo"), 0, "step 1: NotifyEventRequest seqNo")
        generated = datetime.fromisoformat(str(event.get("generatedAt")))
        require(
            caused_at - CLOCK_SLACK <= generated <= datetime.now(UTC) + CLOCK_SLACK,
            f"step 1: NotifyEventRequest generatedAt {event.get('generatedAt')} is not the time the event was raised",
        )
    finally:
        await ctx.dut.hardware_fault(False)
