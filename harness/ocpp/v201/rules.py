"""General tool rules of OCPP 2.0.1 Part 6 that hold in every test case, checked on every message.

- TransactionEvents may arrive out of order, but each transaction's seqNo values are consecutive and its first
  event (lowest seqNo) is eventType Started.
- Energy.Active.Import.Register never decreases within a transaction (meter-value plausibility).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.ocpp.messages import Received

ENERGY_REGISTER = "Energy.Active.Import.Register"


@dataclass
class _Transaction:
    events: dict[int, Received] = field(default_factory=dict)
    verified_up_to: int = -1
    reported: set[str] = field(default_factory=set)


class TransactionRules:
    """Follows every transaction the station reports; `observe` and `verify` return problem descriptions."""

    def __init__(self) -> None:
        self._transactions: dict[str, _Transaction] = {}

    def observe(self, received: Received) -> list[str]:
        if received.action != "TransactionEvent":
            return []
        transaction_id = received.get("transactionInfo.transactionId")
        seq_no = received.get("seqNo")
        if not isinstance(transaction_id, str) or not isinstance(seq_no, int):
            return []  # the schema check reports malformed events
        transaction = self._transactions.setdefault(transaction_id, _Transaction())
        if seq_no in transaction.events:
            if transaction.events[seq_no].payload == received.payload:
                return []  # E13: the same event sent again because its delivery failed, not a second event
            return [f"TransactionEvent seqNo {seq_no} of transaction {transaction_id} was used twice"]
        transaction.events[seq_no] = received
        return []

    def verify(self) -> list[str]:
        """Check every transaction seen so far; each problem is reported once."""
        problems: list[str] = []
        for transaction_id, transaction in self._transactions.items():
            for problem in _problems_of(transaction_id, transaction):
                if problem not in transaction.reported:
                    transaction.reported.add(problem)
                    problems.append(problem)
        return problems


def _problems_of(transaction_id: str, transaction: _Transaction) -> list[str]:
    numbers = sorted(transaction.events)
    problems = []
    missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
    if missing:
        problems.append(
            f"transaction {transaction_id}: seqNo {missing[0]} is missing between {numbers[0]} and {numbers[-1]} "
            "(seqNo must be consecutive)"
        )
    first = transaction.events[numbers[0]]
    if first.get("eventType") != "Started" and any(
        e.get("eventType") == "Started" for e in transaction.events.values()
    ):
        problems.append(f"transaction {transaction_id}: the Started event does not carry the lowest seqNo")
    previous: float | None = None
    for number in numbers:
        for value in _energy_values(transaction.events[number].payload):
            if previous is not None and value < previous:
                problems.append(
                    f"transaction {transaction_id}: {ENERGY_REGISTER} went down from {previous:g} to {value:g} Wh "
                    f"(seqNo {number})"
                )
                return problems
            previous = value
    return problems


def _energy_values(payload: dict[str, Any]) -> list[float]:
    values = []
    for meter_value in payload.get("meterValue") or []:
        for sampled in meter_value.get("sampledValue") or []:
            measurand = sampled.get("measurand", ENERGY_REGISTER)
            if measurand == ENERGY_REGISTER and isinstance(sampled.get("value"), (int, float)):
                multiplier = (sampled.get("unitOfMeasure") or {}).get("multiplier", 0)
                unit = (sampled.get("unitOfMeasure") or {}).get("unit", "Wh")
                scale = 1000.0 if unit == "kWh" else 1.0
                values.append(float(sampled["value"]) * scale * 10 ** int(multiplier))
    return values
