"""The safety layer every driver sits behind: envelope checks, arming, and the way to a safe state.

Test cases and the harness only ever hold guarded instruments (guard_grid.py, guard_devices.py), so no setpoint
reaches a driver (and no byte an instrument) without passing the envelope first. Each guard serialises calls with a
lock: the safe state may be requested from another thread (signal, timeout) while a test case is mid-command.
"""

from __future__ import annotations

import contextlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from instruments.capabilities import Identity
from instruments.errors import InstrumentError, NotArmed


class Arming:
    """A real bench may energise outputs only after a person armed it; a virtual bench is born armed."""

    def __init__(self, required: bool) -> None:
        self.required = required
        self._armed = not required

    @property
    def armed(self) -> bool:
        return self._armed

    def arm(self) -> None:
        self._armed = True

    def require(self, what: str) -> None:
        if not self._armed:
            raise NotArmed(f"{what}: the bench is not armed (run with --arm, or confirm at the prompt)")


@dataclass
class SafeStateReport:
    instrument: str
    steps: list[str]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


def attempt(report: SafeStateReport, step: str, action: Callable[[], object]) -> None:
    """One safe-state step: done or failed, the next step is still tried."""
    try:
        action()
        report.steps.append(step)
    except Exception as exc:  # the safe state must go on whatever one instrument does
        report.errors.append(f"{step}: {exc}")


class Serialised(ABC):
    """One caller at a time, and nobody after the instrument was made safe and closed."""

    name: str

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._closed = False

    @contextlib.contextmanager
    def _using(self) -> Iterator[None]:
        with self._lock:
            if self._closed:
                raise InstrumentError(f"{self.name}: the instrument was made safe and closed; command refused")
            yield

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._close_driver()

    @abstractmethod
    def _close_driver(self) -> None: ...


class Guarded(Protocol):
    """What the harness needs of every guarded instrument to open, report and close it."""

    name: str

    def identify(self) -> Identity: ...

    def protect(self) -> dict[str, float]: ...

    def safe_state(self) -> SafeStateReport: ...

    def close(self) -> None: ...
