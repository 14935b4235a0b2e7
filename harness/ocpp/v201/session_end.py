"""The end of a charging session as Part 6 strings it together: StopAuthorized, EVConnectedPostSession,
EVDisconnected (ParkingBayUnoccupied adds nothing while TxStopPoint leaves ParkingBayOccupancy out)."""

from __future__ import annotations

from harness.checks import require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction


async def end_session(ctx: CaseContext, tx: Transaction) -> Received:
    """Stop the running transaction and unplug the EV; return the transaction's Ended event."""
    stop = await states.stop_authorized(ctx, tx)
    post = await states.ev_connected_post_session(ctx, tx, stop)
    ended = next((e for e in (stop, post) if e.get("eventType") == "Ended"), None)
    last = await states.ev_disconnected(ctx, tx, transaction_ended=ended is not None)
    final = last or ended
    assert final is not None  # ev_disconnected returns the Ended event whenever the transaction had not ended
    require_equal(final.get("eventType"), "Ended", "the last TransactionEvent of the transaction")
    return final
