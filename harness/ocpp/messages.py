"""What the CSMS received from a station, as the expect API hands it to test cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def dig(data: Any, dotted: str, default: Any = None) -> Any:
    """Follow a dotted path through dicts and lists (`a.0.b`); `default` when any step is missing."""
    value = data
    for part in dotted.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return default
    return value


@dataclass
class Received:
    """One CALL the station sent us, in arrival order; `index` orders the whole conversation with that station."""

    index: int
    action: str
    payload: dict[str, Any]
    message_id: str
    mono: float
    frame_seq: int
    consumed: bool = field(default=False)

    def get(self, dotted: str, default: Any = None) -> Any:
        """Read a nested field, e.g. `transactionInfo.chargingState` or `eventData.0.actualValue`."""
        return dig(self.payload, dotted, default)

    def describe(self) -> str:
        return f"{self.action}Request #{self.index}"


Predicate = Callable[[Received], bool]


@dataclass(frozen=True)
class CallOutcome:
    """The station's answer to a CALL we sent: a CALLRESULT payload, or a CALLERROR."""

    action: str
    payload: dict[str, Any] | None
    error_code: str | None = None
    error_description: str = ""

    def get(self, dotted: str, default: Any = None) -> Any:
        return dig(self.payload or {}, dotted, default)
