"""How the virtual EV emulator reaches the station it is plugged into: the same manual actions as the control API."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from harness.virtual.evse import Evse
from harness.virtual.manual import ControlError, ManualActions
from harness.virtual.plant import NOMINAL_VOLTAGE_V, PHASES

if TYPE_CHECKING:
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual.bench")


class ManualStationPort:
    """Plug, unplug, EV ready / not ready on one station; what its control pilot offers."""

    def __init__(self, station: Station) -> None:
        self._station = station
        self._actions = ManualActions(station)

    def plug(self, evse_id: int) -> None:
        self._act(lambda: self._actions.plug({"evse_id": evse_id}))

    def unplug(self, evse_id: int) -> None:
        self._act(lambda: self._actions.unplug({"evse_id": evse_id}))

    def set_ev_suspended(self, evse_id: int, suspended: bool) -> None:
        self._act(lambda: self._actions.set_ev_suspended({"evse_id": evse_id}, suspended))

    def is_plugged(self, evse_id: int) -> bool:
        evse = self._evse(evse_id)
        return evse is not None and evse.plugged_connector() is not None

    def offered_current_a(self, evse_id: int) -> float:
        """Per-phase current the PWM offers once the power path may close, else none: the EVSE's rating, or less
        under a charging limit.
        """
        evse = self._evse(evse_id)
        if evse is None or not evse.facts()["power_path_closed"]:
            return 0.0
        return round(evse.meter.available_w / (PHASES * NOMINAL_VOLTAGE_V), 1)

    def digital_communication(self, evse_id: int) -> bool:
        """5 % while an EV is plugged into the SECC's EVSE, unless the station fell back to basic charging (it
        closed the power path for an EV that never started an ISO 15118 session)."""
        evse = self._evse(evse_id)
        secc = self._station.secc
        if evse is None or secc is None or evse is not self._station.evses[0]:
            return False
        if evse.plugged_connector() is None:
            return False
        basic_charging = evse.facts()["power_path_closed"] and not evse.hlc_session
        return not basic_charging

    def _evse(self, evse_id: int) -> Evse | None:
        return next((e for e in self._station.evses if e.id == evse_id), None)

    @staticmethod
    def _act(action: Callable[[], None]) -> None:
        try:
            action()
        except ControlError as exc:
            # An EV emulator command the station's state does not allow (plugging twice): log it, as a bench would.
            log.warning("EV emulator action refused: %s", exc)
