"""The "manual actions" of Part 6 (plug in, present an idToken, power cycle ...) performed on the station."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.virtual import faults as F
from harness.virtual.evse import Connector, Evse
from harness.virtual.socket_shutter import refuses_plug

if TYPE_CHECKING:
    from harness.virtual.station import Station

ID_TOKEN_TYPES = frozenset(
    {"Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress", "NoAuthorization"}
)
ID_TOKEN_MAX_LENGTH = 36


class ControlError(Exception):
    """A manual action that cannot be done; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _int_field(body: dict[str, Any], name: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if value is None:
        raise ControlError(400, f"missing field {name}")
    if not isinstance(value, int) or isinstance(value, bool):
        raise ControlError(400, f"field {name} must be an integer")
    return value


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class ManualActions:
    """What a lab technician (or the harness, through the control API) does to the station."""

    def __init__(self, station: Station) -> None:
        self._station = station

    def _evse(self, body: dict[str, Any]) -> Evse:
        evse_id = _int_field(body, "evse_id")
        evse = next((e for e in self._station.evses if e.id == evse_id), None)
        if evse is None:
            raise ControlError(404, f"no EVSE {evse_id}")
        return evse

    def _connector(self, body: dict[str, Any]) -> tuple[Evse, Connector]:
        evse = self._evse(body)
        connector_id = _int_field(body, "connector_id", 1)
        connector = evse.connector(connector_id)
        if connector is None:
            raise ControlError(404, f"no connector {connector_id} on EVSE {evse.id}")
        return evse, connector

    def plug(self, body: dict[str, Any]) -> None:
        evse, connector = self._connector(body)
        if evse.plugged_connector() is not None:
            raise ControlError(409, f"an EV is already plugged in at EVSE {evse.id}")
        station = self._station
        if refuses_plug(station.config.claims, evse):
            raise ControlError(409, f"the socket of EVSE {evse.id} stays locked until an idToken is authorized")
        connector.plugged = True
        if evse.auth is not None:
            evse.auth.cable_deadline = None
        station.availability.report(evse, connector, silent=station.faults.active(F.STATUS_NOT_SENT_ON_PLUG))
        station.engine.evaluate(evse, "CablePluggedIn")

    def plug_unlocked(self, body: dict[str, Any]) -> None:
        """Insert the cable not quite fully: the socket's retention lock cannot engage (G05, plug_lock.py)."""
        evse, _ = self._connector(body)
        # The fault: the station never reads its lock sensor, so it believes the plug is locked.
        evse.plug_unlocked = not self._station.faults.active(F.CONNECTOR_LOCK_FAILURE_IGNORED)
        try:
            self.plug(body)
        except ControlError:
            evse.plug_unlocked = False
            raise

    def unplug(self, body: dict[str, Any]) -> None:
        evse, connector = self._connector(body)
        if not connector.plugged:
            raise ControlError(409, f"no EV plugged in at EVSE {evse.id} connector {connector.id}")
        if evse.lock_held_for is not None:
            raise ControlError(409, f"the socket of EVSE {evse.id} keeps the cable locked until the idToken comes")
        connector.plugged = False
        evse.ev_suspended = False
        evse.ev_side_unplugged = False
        evse.plug_unlocked = False  # the next cable goes in properly
        evse.session_closed = False
        evse.hlc_session = False  # the next EV may charge without ISO 15118
        evse.meter.hlc_setpoint_w = None
        self._station.availability.report(evse, connector)
        self._station.engine.evaluate(evse, "EVCommunicationLost", stopped_reason="EVDisconnected")

    def present_id_token(self, body: dict[str, Any]) -> None:
        evse = self._evse(body)
        token = body.get("id_token")
        token_type = body.get("type", "ISO14443")
        if not isinstance(token, str) or not 0 < len(token) <= ID_TOKEN_MAX_LENGTH:
            raise ControlError(400, f"id_token must be a string of 1 to {ID_TOKEN_MAX_LENGTH} characters")
        if token_type not in ID_TOKEN_TYPES:
            raise ControlError(400, f"type must be one of {', '.join(sorted(ID_TOKEN_TYPES))}")
        presented = {"idToken": token, "type": token_type}
        if not self._station.ev_side.unlocks(evse, presented):
            self._station.authorizer.present(evse, presented)

    def set_ev_suspended(self, body: dict[str, Any], suspended: bool) -> None:
        evse = self._evse(body)
        if evse.plugged_connector() is None:
            raise ControlError(409, f"no EV plugged in at EVSE {evse.id}")
        evse.ev_suspended = suspended
        reason = "StoppedByEV" if suspended else None
        self._station.engine.evaluate(evse, "ChargingStateChanged", stopped_reason=reason)

    def ev_not_ready(self, body: dict[str, Any]) -> None:
        """The EV that will be plugged in at this EVSE does not ask for energy (E03, TC_E_38_CS)."""
        evse = self._evse(body)
        if evse.plugged_connector() is not None:
            raise ControlError(409, f"an EV is already plugged in at EVSE {evse.id}; suspend it instead")
        evse.ev_suspended = True

    def ev_side_unplug(self, body: dict[str, Any]) -> None:
        """Pull the cable out of the EV, leaving it at the station (E10, harness/virtual/ev_side.py)."""
        self._station.ev_side.disconnected(self._evse(body))

    def ev_side_plug_in(self, body: dict[str, Any]) -> None:
        """Put the cable that stayed at the station back into the EV."""
        self._station.ev_side.reconnected(self._evse(body))

    def ev_enters_bay(self, body: dict[str, Any]) -> None:
        """A vehicle drives into the parking bay of this EVSE (harness/virtual/parking_bay.py)."""
        self._station.parking_bay.entered(self._evse(body))

    def ev_leaves_bay(self, body: dict[str, Any]) -> None:
        self._station.parking_bay.left(self._evse(body))

    def master_pass_choice(self, body: dict[str, Any]) -> dict[str, Any]:
        """On the master pass menu (C-07): stop every transaction (no evse_id) or the one on `evse_id`."""
        menu = self._station.authorizer.master_pass_menu
        if menu is None:
            raise ControlError(409, "this station has no master pass menu (it does not claim C-07)")
        evse_id = self._evse(body).id if body.get("evse_id") is not None else None
        return {"ok": True, "menu_shown": menu.choose(evse_id)}

    def external_limit(self, body: dict[str, Any]) -> None:
        """An external system (EMS, grid operator) limits EVSE `evse_id` (0: the station) to `limit` `unit`."""
        evse_id = _int_field(body, "evse_id", 0)
        if evse_id != 0:
            self._evse(body)
        limit, unit = body.get("limit"), body.get("unit", "W")
        if not isinstance(limit, int | float) or isinstance(limit, bool) or limit < 0:
            raise ControlError(400, "limit must be a number of at least 0")
        if unit not in ("A", "W"):
            raise ControlError(400, "unit must be A or W")
        self._station.external_limits.impose(evse_id, float(limit), str(unit))

    def release_external_limit(self, body: dict[str, Any]) -> None:
        evse_id = _int_field(body, "evse_id", 0)
        if not self._station.external_limits.release(evse_id):
            raise ControlError(409, f"no external limit on EVSE {evse_id}")

    def state(self) -> dict[str, Any]:
        station = self._station
        evses = []
        for evse in station.evses:
            connectors = [{"id": c.id, "status": c.status(), "plugged": c.plugged} for c in evse.connectors]
            evses.append(
                {
                    "id": evse.id,
                    "operative": evse.operative,
                    "connectors": connectors,
                    "transaction_id": evse.tx.id if evse.tx is not None else None,
                    "charging_state": evse.charging_state(),
                    "power_w": evse.meter.reported_power_w,
                    "energy_wh": evse.meter.register_wh,
                    "limit_w": _rounded(station.smart_charging.limit_w(evse.id, station.clock.epoch())),
                }
            )
        return {
            "connected": station.link.connected,
            "registration": station.boot.registration,
            "faults": station.faults.names,
            "evses": evses,
        }
