"""GetTransactionStatus (E14): is a transaction still running, and are its TransactionEvents still queued?"""

from __future__ import annotations

from typing import Any

from harness.virtual import faults as F
from harness.virtual.evse import Evse
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox, Outgoing
from harness.virtual.rpc import Reply


def transaction_status(payload: dict[str, Any], evses: list[Evse], outbox: Outbox, faults: FaultSet) -> Reply:
    """E14.FR.01-08: with a transactionId, ongoingIndicator and that transaction's queue; without, the whole queue."""
    if faults.active(F.TRANSACTION_STATUS_UNSUPPORTED):
        return Reply(error=("NotSupported", "GetTransactionStatus is not supported by this station"))
    wanted = payload.get("transactionId")
    if wanted is None:
        # E14.FR.06: ongoingIndicator is left out when no transaction is named.
        return Reply({"messagesInQueue": outbox.holds(_transaction_event)})

    def queued_for_it(item: Outgoing) -> bool:
        return _transaction_event(item) and item.payload["transactionInfo"]["transactionId"] == wanted

    ongoing = any(evse.tx is not None and evse.tx.id == wanted for evse in evses)
    if faults.active(F.TRANSACTION_STATUS_NEVER_ONGOING):
        ongoing = False
    return Reply({"ongoingIndicator": ongoing, "messagesInQueue": outbox.holds(queued_for_it)})


def _transaction_event(item: Outgoing) -> bool:
    """A TransactionEvent still waiting to be sent (one already on the wire is being delivered)."""
    return item.action == "TransactionEvent" and not item.on_the_wire
