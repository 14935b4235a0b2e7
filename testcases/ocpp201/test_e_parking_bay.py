"""Block E, Transactions: the parking bay occupancy sensor as start point (E01 S1) and as stop point (E06 S1)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import states
from harness.ocpp.v201.parking_bay import BAY_OCCUPANCY, parking_bay_occupied, parking_bay_unoccupied
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure

BLOCK = "E Transactions"


@ocpp201_case(
    "TC_E_12_CS", "Start transaction options - ParkingBayOccupied", BLOCK, ["E01"],
    ["E01.FR.01", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"],
)  # fmt: skip
async def test_TC_E_12_CS(ctx: CaseContext) -> None:
    """With TxStartPoint ParkingBayOccupancy, an EV driving into the bay starts the transaction (EVDetected),
    before any cable or idToken."""
    await configure(ctx.csms, [("TxCtrlr", "TxStartPoint", BAY_OCCUPANCY)])
    ctx.tx_start_point = [BAY_OCCUPANCY]
    tx = ctx.new_transaction()
    event = await parking_bay_occupied(ctx, tx)
    assert event is not None  # TxStartPoint is ParkingBayOccupancy: the state waited for the event
    require_equal(event.get("eventType"), "Started", "step 1: eventType")
    require_equal(event.get("triggerReason"), "EVDetected", "step 1: triggerReason")


@ocpp201_case(
    "TC_E_19_CS", "Stop transaction options - ParkingBayUnoccupied", BLOCK, ["E06"], ["E06.FR.01", "E06.FR.15"],
)  # fmt: skip
async def test_TC_E_19_CS(ctx: CaseContext) -> None:
    """With TxStopPoint ParkingBayOccupancy, neither the stop nor the unplug ends the transaction; the EV leaving
    the bay does (EVDeparted), with the stoppedReason of the stop (Remote or Local).

    The EV first drives into the bay (the optional ParkingBayOccupied state): without it the stop point never held.
    """
    await configure(ctx.csms, [("TxCtrlr", "TxStopPoint", BAY_OCCUPANCY)])
    tx = ctx.new_transaction()
    await parking_bay_occupied(ctx, tx)
    await states.energy_transfer_started(ctx, tx)
    stop = await states.stop_authorized(ctx, tx)
    post = await states.ev_connected_post_session(ctx, tx, stop)
    for event in (stop, post):
        require(event.get("eventType") != "Ended", "the transaction ended before the EV left the parking bay")
    unplugged = await states.ev_disconnected(ctx, tx, transaction_ended=False)
    assert unplugged is not None  # ev_disconnected returns the event whenever the transaction had not ended
    require_equal(unplugged.get("eventType"), "Updated", "EVDisconnected: eventType while the EV is still in the bay")
    await parking_bay_unoccupied(ctx, tx, "step 1")
