"""Connector status reporting (G01) and ChangeAvailability (G03, G04).

The CSMS's requested operational state is kept per station, EVSE and connector and survives reboots; it is
applied to a connector only while no transaction runs on its EVSE, otherwise it waits (Scheduled) until the
transaction ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from harness.virtual import faults as F
from harness.virtual.clock import Clock
from harness.virtual.evse import Connector, Evse
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox
from harness.virtual.rpc import Rpc

log = logging.getLogger("harness.virtual")


class Availability:
    """Knows what each connector reported last and what the CSMS wants each component to be."""

    def __init__(self, evses: list[Evse], clock: Clock, faults: FaultSet, outbox: Outbox) -> None:
        self._evses = evses
        self._clock = clock
        self._faults = faults
        self._outbox = outbox
        self.station_operative = True
        # L01.FR.07: while an update waits for transactions to end, idle connectors may be kept Unavailable.
        # Volatile: the reboot into the new firmware (or a failed update) lifts it.
        self.held_for_firmware = False

    def payload(self, evse: Evse, connector: Connector) -> dict[str, Any]:
        return {
            "timestamp": self._clock.stamp(),
            "connectorStatus": connector.status(),
            "evseId": evse.id,
            "connectorId": connector.id,
        }

    def report(self, evse: Evse, connector: Connector, *, silent: bool = False) -> None:
        """Queue a StatusNotification if the connector's status differs from the last one reported."""
        status = connector.status()
        if status == connector.reported_status:
            return
        connector.reported_status = status
        if not silent:
            log.info("connector %d/%d is %s", evse.id, connector.id, status)
            self._outbox.put("StatusNotification", self.payload(evse, connector))

    def statuses_after_boot(self) -> list[dict[str, Any]]:
        """After an Accepted boot: the StatusNotification of every connector (B01.FR.05), now marked reported."""
        pairs = [(evse, connector) for evse in self._evses for connector in evse.connectors]
        for _, connector in pairs:
            connector.reported_status = connector.status()
        if self._faults.active(F.NO_STATUS_AFTER_BOOT):
            return []
        return [self.payload(evse, connector) for evse, connector in pairs]

    async def report_all(self, rpc: Rpc) -> None:
        """Send the post-boot statuses one CALL at a time, before anything queued."""
        malformed = self._faults.active(F.MALFORMED_FRAME)
        for index, payload in enumerate(self.statuses_after_boot()):
            await rpc.call("StatusNotification", payload, malformed=malformed and index == 0)

    def apply(self, evse: Evse, *, silent: bool = False) -> None:
        """Apply the requested operational state to `evse` unless a transaction holds it, then report."""
        if evse.tx is None:
            for connector in evse.connectors:
                connector.operative = (
                    self.station_operative
                    and evse.requested_operative
                    and connector.requested_operative
                    and not self.held_for_firmware
                )
        for connector in evse.connectors:
            self.report(evse, connector, silent=silent)

    def change(self, request: dict[str, Any]) -> tuple[str, Callable[[], None] | None]:
        """ChangeAvailabilityRequest: the status to answer and what to apply once it is sent."""
        operative = request["operationalStatus"] == "Operative"
        target = request.get("evse") or {}
        evse_id = target.get("id", 0)
        connector_id = target.get("connectorId")
        evse = next((e for e in self._evses if e.id == evse_id), None)
        if evse_id != 0 and evse is None:
            return "Rejected", None
        connector = evse.connector(connector_id) if evse is not None and connector_id is not None else None
        if connector_id is not None and connector is None:
            return "Rejected", None
        if self._faults.active(F.AVAILABILITY_SAME_STATE_REJECTED) and self._requested(evse, connector) == operative:
            return "Rejected", None
        if self._faults.active(F.AVAILABILITY_NOT_APPLIED):
            return "Accepted", None
        if evse is None:
            self.station_operative = operative
            affected = list(self._evses)
        elif connector is None:
            evse.requested_operative = operative
            affected = [evse]
        else:
            connector.requested_operative = operative
            affected = [evse]
        scheduled = any(e.tx is not None and self._would_change(e) for e in affected)
        silent = self._faults.active(F.AVAILABILITY_NO_STATUS)
        log.info(
            "ChangeAvailability %s for EVSE %s: %s",
            request["operationalStatus"],
            evse_id or "all",
            "Scheduled" if scheduled else "Accepted",
        )

        def apply_all() -> None:
            for each in affected:
                self.apply(each, silent=silent)

        if self._faults.active(F.AVAILABILITY_NOT_SCHEDULED):
            scheduled = False
        return ("Scheduled" if scheduled else "Accepted"), apply_all

    def _requested(self, evse: Evse | None, connector: Connector | None) -> bool:
        """What the CSMS last asked of the addressed component (G03/G04: asking again is still Accepted)."""
        if evse is None:
            return self.station_operative
        return evse.requested_operative if connector is None else connector.requested_operative

    def powered_down(self) -> None:
        """G03.FR.08/G04.FR.09: the requested states are persistent; only the fault forgets them on a reboot."""
        self.held_for_firmware = False
        if not self._faults.active(F.AVAILABILITY_LOST_ON_REBOOT):
            return
        self.station_operative = True
        for evse in self._evses:
            evse.requested_operative = True
            for connector in evse.connectors:
                connector.requested_operative = True

    def _would_change(self, evse: Evse) -> bool:
        return any(
            c.operative != (self.station_operative and evse.requested_operative and c.requested_operative)
            for c in evse.connectors
        )

    def silent_after_change(self) -> bool:
        return self._faults.active(F.AVAILABILITY_NO_STATUS)
