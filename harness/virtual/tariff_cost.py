"""I02/I03 tariff and cost on the virtual station: what the CSMS tells the driver about the cost of a transaction.

The running cost arrives in CostUpdated or in a TransactionEventResponse (totalCost, updatedPersonalMessage); the
final cost in the response to the Ended event. The station has no screen: what it would show is kept per transaction
and logged, which is all a test tool could see of a display anyway.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from harness.virtual import faults as F
from harness.virtual.faults import FaultSet
from harness.virtual.rpc import Reply

log = logging.getLogger("harness.virtual")


@dataclass
class ShownCost:
    """What the display shows for one transaction."""

    running: float | None = None
    final: float | None = None
    message: str | None = None


class TariffCost:
    """Costs per transaction id, from CostUpdated and from TransactionEventResponses."""

    def __init__(self, faults: FaultSet) -> None:
        self._faults = faults
        self.shown: dict[str, ShownCost] = {}

    def cost_updated(self, payload: dict[str, Any]) -> Reply:
        """I02.FR.02: the running cost of a transaction, to show the driver."""
        if self._faults.active(F.COST_UPDATED_UNSUPPORTED):
            return Reply(error=("NotImplemented", "CostUpdated is not supported"))
        self._show(payload["transactionId"], running=float(payload["totalCost"]))
        return Reply({})

    def usable(self, action: str, request: dict[str, Any], answer: dict[str, Any]) -> bool:
        """Take the cost out of a TransactionEventResponse; False when the station cannot use the answer."""
        if action != "TransactionEvent":
            return True
        cost, message = answer.get("totalCost"), (answer.get("updatedPersonalMessage") or {}).get("content")
        if cost is None and message is None:
            return True
        if self._faults.active(F.COST_IN_TRANSACTION_RESPONSE_REFUSED):
            return False  # the fault: a response with cost fields is taken for a broken one, the event goes again
        transaction_id = request["transactionInfo"]["transactionId"]
        if cost is not None:
            ended = request.get("eventType") == "Ended"
            self._show(transaction_id, **{"final" if ended else "running": float(cost)})
        if message is not None:
            self._show(transaction_id, message=str(message))
        return True

    def _show(self, transaction_id: str, **changes: Any) -> None:
        shown = self.shown.setdefault(transaction_id, ShownCost())
        for name, value in changes.items():
            setattr(shown, name, value)
        log.info("display, transaction %s: %s", transaction_id, shown)

    def forget_all(self) -> None:
        self.shown.clear()
