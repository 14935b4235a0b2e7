"""Reservations (H01 ReserveNow, H02 CancelReservation, H03 use of a reserved EVSE, H04 expiry).

A reservation names an EVSE, a connector type or nothing. One for an EVSE marks that EVSE's connectors Reserved at
once; the others hold no EVSE of their own until as many of them exist as there are free matching EVSEs, when every
one of those becomes Reserved (H01.FR.20). The reserved flag of each connector is recomputed on every station tick
and after each request, so plug-ins, availability changes and transactions are followed without extra hooks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.availability import Availability
from harness.virtual.device_model import DeviceModel
from harness.virtual.evse import Evse
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox

log = logging.getLogger("harness.virtual")


@dataclass
class Reservation:
    """One accepted ReserveNowRequest."""

    id: int
    expiry_epoch: float
    id_token: dict[str, Any]
    group_id_token: dict[str, Any] | None = None
    evse_id: int | None = None  # None: any EVSE (optionally of `connector_type`)
    connector_type: str | None = None

    def matches_type(self, evse: Evse) -> bool:
        return self.connector_type is None or any(c.connector_type == self.connector_type for c in evse.connectors)


def _same_token(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    return a is not None and b is not None and a.get("idToken") == b.get("idToken") and a.get("type") == b.get("type")


def _epoch_of(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Reservations:
    """The station's reservations, what ReserveNow/CancelReservation answer and who may use a reserved EVSE."""

    def __init__(
        self,
        dm: DeviceModel,
        faults: FaultSet,
        outbox: Outbox,
        evses: list[Evse],
        availability: Availability,
    ) -> None:
        self._dm = dm
        self._faults = faults
        self._outbox = outbox
        self._evses = evses
        self._availability = availability
        self._items: dict[int, Reservation] = {}

    # ------------------------------------------------------------ CSMS requests

    def reserve_now(self, request: dict[str, Any]) -> tuple[str, Callable[[], None] | None]:
        """ReserveNowRequest: the status to answer and the status reports to send once it is out."""
        reservation = Reservation(
            id=int(request["id"]),
            expiry_epoch=_epoch_of(request["expiryDateTime"]),
            id_token=request["idToken"],
            group_id_token=request.get("groupIdToken"),
            evse_id=request.get("evseId"),
            connector_type=request.get("connectorType"),
        )
        if self._faults.active(F.RESERVE_NOW_ALWAYS_ACCEPTED):
            self._items[reservation.id] = reservation
            return "Accepted", self.refresh
        if reservation.id in self._items and self._faults.active(F.RESERVATION_NOT_REPLACED):
            return "Occupied", None
        # H01.FR.02: the same id replaces the earlier reservation, so that one does not stand in the new one's way.
        replaced = self._items.pop(reservation.id, None)
        status = self._judge(reservation)
        if status == "Accepted":
            self._items[reservation.id] = reservation
            log.info("reservation %d accepted for EVSE %s", reservation.id, reservation.evse_id or "any")
            return status, self.refresh
        if replaced is not None:
            self._items[replaced.id] = replaced
        return status, None

    def cancel(self, request: dict[str, Any]) -> tuple[str, Callable[[], None] | None]:
        """CancelReservationRequest (H02.FR.01/02)."""
        reservation_id = int(request["reservationId"])
        if reservation_id not in self._items:
            return ("Accepted" if self._faults.active(F.CANCEL_UNKNOWN_ACCEPTED) else "Rejected"), None
        if self._faults.active(F.CANCEL_RESERVATION_IGNORED):
            return "Accepted", None
        del self._items[reservation_id]
        log.info("reservation %d cancelled", reservation_id)
        return "Accepted", self.refresh

    def _judge(self, reservation: Reservation) -> str:
        """H01.FR.01/04/06/09/11-14/19: may this reservation be taken now?"""
        if not (self._dm.get_bool(dmc.RESERVATION_AVAILABLE) and self._dm.get_bool(dmc.RESERVATION_ENABLED)):
            return "Rejected"
        if reservation.evse_id is not None:
            evse = next((e for e in self._evses if e.id == reservation.evse_id), None)
            if evse is None or not reservation.matches_type(evse):
                return "Rejected"
            candidates = [evse]
        else:
            if reservation.connector_type is None and not self._dm.get_bool(dmc.RESERVATION_NON_EVSE_SPECIFIC):
                return "Rejected"
            candidates = [e for e in self._evses if reservation.matches_type(e)]
            if not candidates:
                return "Rejected"
        free = [e for e in candidates if self._state(e) == "free"]
        if reservation.evse_id is None:
            floating = [r for r in self._items.values() if r.evse_id is None and any(r.matches_type(e) for e in free)]
            if len(free) > len(floating):
                return "Accepted"
        elif free and self._room_for_floating_without(free[0]):
            return "Accepted"
        states = {self._state(e) for e in candidates}
        if states == {"faulted"}:
            return "Faulted"
        if states == {"unavailable"}:
            return "Unavailable"
        return "Occupied"

    def _state(self, evse: Evse) -> str:
        """What an EVSE is for a new reservation: free, faulted, unavailable or occupied (in use or reserved)."""
        if all(c.faulted for c in evse.connectors):
            return "faulted"
        if not evse.operative:
            return "unavailable"
        if evse.plugged_connector() is not None or evse.tx is not None or evse.auth is not None or evse.authorizing:
            return "occupied"
        if any(r.evse_id == evse.id for r in self._items.values()):
            return "occupied"
        return "free"

    # ------------------------------------------------------------ use of a reserved EVSE (H03)

    def admits(self, evse: Evse, token: dict[str, Any], group_id: dict[str, Any] | None) -> bool:
        """May `token` (member of `group_id`) charge at `evse`? Only its holder may use a reserved EVSE."""
        blocking = self._holding(evse)
        if not blocking or self._faults.active(F.RESERVATION_IGNORES_IDTOKEN):
            return True
        return any(self._holder(r, token, group_id) for r in blocking)

    def may_admit(self, evse: Evse, token: dict[str, Any]) -> bool:
        """Before the CSMS named the token's group: could a group reservation still let `token` in?"""
        if self.admits(evse, token, None):
            return True
        return not self._faults.active(F.RESERVATION_GROUP_IGNORED) and any(
            r.group_id_token is not None for r in self._holding(evse)
        )

    def used(self, evse: Evse, token: dict[str, Any], group_id: dict[str, Any] | None) -> None:
        """The holder was authorized at `evse`: the reservation has served its purpose and ends (H03.FR.09/10)."""
        for reservation in self._holding(evse) or self._floating():
            if self._holder(reservation, token, group_id):
                del self._items[reservation.id]
                log.info("reservation %d used on EVSE %d", reservation.id, evse.id)
                break
        self.refresh()

    def _holder(self, reservation: Reservation, token: dict[str, Any], group_id: dict[str, Any] | None) -> bool:
        if _same_token(reservation.id_token, token):
            return True
        if self._faults.active(F.RESERVATION_GROUP_IGNORED) or reservation.group_id_token is None:
            return False
        # H03.FR.04/06: another idToken of the reservation's group, as the CSMS's idTokenInfo said.
        group = reservation.group_id_token
        return _same_token(group, token) or (group_id is not None and group.get("idToken") == group_id.get("idToken"))

    def _floating(self) -> list[Reservation]:
        return [r for r in self._items.values() if r.evse_id is None]

    def _holding(self, evse: Evse) -> list[Reservation]:
        """The reservations that keep `evse` from anyone else right now."""
        specific = [r for r in self._items.values() if r.evse_id == evse.id]
        if specific:
            return specific
        if not self._reserved_for_floating(evse):
            return []
        return [r for r in self._floating() if r.matches_type(evse)]

    def _reserved_for_floating(self, evse: Evse) -> bool:
        """H01.FR.20: the free EVSEs a reservation without EVSE could take are all needed by such reservations."""
        floating = [r for r in self._floating() if r.matches_type(evse)]
        if not floating:
            return False
        # An EV waiting at the EVSE does not free it from the reservations: only a session that began there does.
        idle = [e for e in self._evses if self._idle(e) and any(r.matches_type(e) for r in floating)]
        return evse in idle and len(idle) <= len(floating)

    def _room_for_floating_without(self, evse: Evse) -> bool:
        """Would the reservations without EVSE still find enough idle EVSEs if `evse` were taken?"""
        floating = self._floating()
        others = [e for e in self._evses if e is not evse and self._idle(e)]
        return all(len([e for e in others if r.matches_type(e)]) >= len(floating) for r in floating)

    def _idle(self, evse: Evse) -> bool:
        if all(c.faulted for c in evse.connectors) or not evse.operative:
            return False
        if evse.tx is not None or evse.auth is not None or evse.authorizing:
            return False
        return not any(r.evse_id == evse.id for r in self._items.values())

    # ------------------------------------------------------------ time and availability (H01.FR.17, H04)

    def tick(self, epoch: float) -> None:
        """Expire reservations, drop those whose EVSE went out of service, report Reserved connectors."""
        for reservation in list(self._items.values()):
            if epoch >= reservation.expiry_epoch and not self._faults.active(F.RESERVATION_NEVER_EXPIRES):
                self._end(reservation, "Expired")
            elif reservation.evse_id is not None and not self._faults.active(F.RESERVATION_KEPT_WHEN_UNAVAILABLE):
                evse = next((e for e in self._evses if e.id == reservation.evse_id), None)
                if evse is not None and self._state(evse) in ("faulted", "unavailable"):
                    self._end(reservation, "Removed")
        self.refresh()

    def _end(self, reservation: Reservation, why: str) -> None:
        del self._items[reservation.id]
        log.info("reservation %d %s", reservation.id, why.lower())
        # The connector reports go out first, then the update (the order TC_H_07_CS and TC_H_21_CS show).
        self.refresh()
        self._outbox.put("ReservationStatusUpdate", {"reservationId": reservation.id, "reservationUpdateStatus": why})

    def refresh(self) -> None:
        """Mark the connectors of reserved EVSEs and report the status changes that this caused.

        Only connectors whose reserved mark changed are reported: what other parts change they report themselves.
        """
        hidden = self._faults.active(F.RESERVATION_NOT_REPORTED)
        for evse in self._evses:
            reserved = bool(self._holding(evse)) and not hidden
            for connector in evse.connectors:
                if connector.reserved == reserved:
                    continue
                connector.reserved = reserved
                if connector.reported_status is not None:
                    self._availability.report(evse, connector)

    def forget_all(self) -> None:
        """Factory reset: no reservation survives it."""
        self._items.clear()
        for evse in self._evses:
            for connector in evse.connectors:
                connector.reserved = False
