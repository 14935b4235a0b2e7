"""The reusable states ParkingBayOccupied and ParkingBayUnoccupied of Part 6, for a station with a bay sensor."""

from __future__ import annotations

from harness.checks import require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201.ev_side import not_metering
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, expect_transaction_event

BAY_OCCUPANCY = "ParkingBayOccupancy"


async def parking_bay_occupied(ctx: CaseContext, tx: Transaction) -> Received | None:
    """The EV drives into the bay; with TxStartPoint ParkingBayOccupancy that starts the transaction (EVDetected)."""
    await ctx.dut.ev_enters_bay(tx.evse_id)
    if BAY_OCCUPANCY not in ctx.tx_start_point:
        return None
    event = await expect_transaction_event(ctx.csms, tx, "after the EV drove into the parking bay", extra=not_metering)
    require_equal(event.get("triggerReason"), "EVDetected", "ParkingBayOccupied: triggerReason")
    return event


async def parking_bay_unoccupied(ctx: CaseContext, tx: Transaction, step: str) -> Received:
    """The EV leaves the bay after the session: with TxStopPoint ParkingBayOccupancy the transaction ends
    (EVDeparted), stoppedReason telling how the session was stopped (Remote, else Local)."""
    await ctx.dut.ev_leaves_bay(tx.evse_id)
    event = await expect_transaction_event(ctx.csms, tx, "after the EV left the parking bay", extra=not_metering)
    require_equal(event.get("triggerReason"), "EVDeparted", f"{step}: triggerReason")
    reason = "Remote" if ctx.cfg.stop_authorization == "remote" else "Local"
    require_equal(event.get("transactionInfo.stoppedReason"), reason, f"{step}: transactionInfo.stoppedReason")
    require_equal(event.get("eventType"), "Ended", f"{step}: eventType")
    return event
