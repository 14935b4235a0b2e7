"""Reset of a single EVSE (B11/B12 with evseId), for a station that claims it (Part 5 C-13, EVSE.AllowReset).

The EVSE restarts on its own while the rest of the station keeps running: Immediate ends its transaction first
(ImmediateReset, E07.FR.03), OnIdle during a transaction is Scheduled until that transaction ends (B12.FR.07).
A restarted EVSE forgets its volatile state (authorization, EV drawing power) and reports its connectors again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from harness.virtual import faults as F
from harness.virtual.claims import EVSE_RESET
from harness.virtual.rpc import Reply

if TYPE_CHECKING:
    from harness.virtual.evse import Evse
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual")

EVSE_RESTART_S = 0.3  # how long one EVSE is away while it restarts


class EvseReset:
    """Answers a Reset naming an EVSE and restarts that EVSE, now or once its transaction has ended."""

    def __init__(self, station: Station) -> None:
        self._station = station
        self._scheduled: set[int] = set()

    @property
    def offered(self) -> bool:
        return EVSE_RESET in self._station.config.claims

    def request(self, payload: dict[str, Any]) -> Reply:
        """ResetRequest with evseId: the answer, and the restart once the answer is on the wire."""
        station = self._station
        evse = next((e for e in station.evses if e.id == payload["evseId"]), None)
        if evse is None or station.faults.active(F.RESET_EVSE_REJECTED):
            reason = "UnknownEvse" if evse is None else "Other"
            return Reply({"status": "Rejected", "statusInfo": {"reasonCode": reason}})
        if evse.tx is not None and payload["type"] == "OnIdle":
            log.info("Reset OnIdle of EVSE %d scheduled until its transaction ends", evse.id)
            self._scheduled.add(evse.id)
            return Reply({"status": "Scheduled"})
        return Reply({"status": "Accepted"}, then=lambda: self._now(evse))

    def _now(self, evse: Evse) -> None:
        if evse.tx is not None:
            self._station.engine.end(evse, "ResetCommand", "ImmediateReset")  # E07.FR.03
        self._restart(evse)

    def transaction_ended(self, evse: Evse) -> None:
        """B12.FR.07: a Scheduled EVSE reset happens once the EVSE's transaction has ended."""
        if evse.id in self._scheduled:
            self._scheduled.discard(evse.id)
            self._restart(evse)

    def forget(self) -> None:
        """The whole station restarted: nothing is scheduled any more."""
        self._scheduled.clear()

    def _restart(self, evse: Evse) -> None:
        log.info("EVSE %d restarting", evse.id)
        evse.auth = None
        evse.authorizing = False
        evse.ev_engaged = False
        evse.engage_at = None
        evse.evse_suspended = False
        evse.meter.stop_now()
        self._station.spawn(self._back(evse))

    async def _back(self, evse: Evse) -> None:
        await asyncio.sleep(EVSE_RESTART_S)
        station = self._station
        for connector in evse.connectors:
            connector.reported_status = connector.status()
            station.outbox.put("StatusNotification", station.availability.payload(evse, connector))
        log.info("EVSE %d back after its reset", evse.id)
