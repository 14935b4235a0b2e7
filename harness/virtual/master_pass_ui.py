"""The master pass menu of a station with a user interface (C16.FR.01, Part 5 C-07).

After an idToken of AuthCtrlr.MasterPassGroupId is accepted, the screen offers to stop every ongoing transaction or
one of them; nothing stops until the holder chooses (the control API's `POST /ui/master-pass`). A station without a
user interface (C-08) has no menu: the master pass stops every transaction at once (authorization.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.virtual import faults as F
from harness.virtual.clock import Clock
from harness.virtual.evse import Evse
from harness.virtual.faults import FaultSet

log = logging.getLogger("harness.virtual")

MENU_TIMEOUT_S = 60.0  # an unanswered menu goes back to the idle screen, as a real one would
StopTransaction = Callable[[Evse, dict[str, Any], str], None]  # (EVSE, master pass idToken, stoppedReason)


@dataclass(frozen=True)
class _Shown:
    token: dict[str, Any]
    until: float  # monotonic


class MasterPassMenu:
    """What the screen shows after an accepted master pass, and what the holder's choice stops."""

    def __init__(self, clock: Clock, faults: FaultSet, evses: list[Evse], stop: StopTransaction) -> None:
        self._clock = clock
        self._faults = faults
        self._evses = evses
        self._stop = stop
        self._shown: _Shown | None = None

    def open(self, token: dict[str, Any]) -> None:
        """An accepted master pass: offer 'stop all' and one entry per EVSE with a transaction."""
        running = [evse.id for evse in self._evses if evse.tx is not None]
        log.info("master pass menu shown: stop all, or one of the transactions on EVSE(s) %s", running)
        self._shown = _Shown(token, self._clock.monotonic() + MENU_TIMEOUT_S)

    def choose(self, evse_id: int | None) -> bool:
        """The holder picks every transaction (None) or the one on `evse_id`; False when no menu is on screen."""
        shown, self._shown = self._shown, None
        if shown is None or self._clock.monotonic() > shown.until:
            log.info("master pass choice ignored: no master pass menu on screen")
            return False
        every = evse_id is None or self._faults.active(F.MASTER_PASS_UI_STOPS_ALL)
        reason = "Local" if self._faults.active(F.MASTER_PASS_UI_WRONG_REASON) else "MasterPass"
        chosen = [evse for evse in self._evses if evse.tx is not None and (every or evse.id == evse_id)]
        log.info("master pass menu: stopping the transactions on EVSE(s) %s", [evse.id for evse in chosen])
        for evse in chosen:
            self._stop(evse, shown.token, reason)
        return True

    def close(self) -> None:
        """A reboot or power loss clears the screen."""
        self._shown = None
