"""EVSE and connector state, with the states they report derived from decision tables.

Inputs (plug, authorization, availability, EV behaviour) are plain fields; everything the station reports
(connector status, ChargingState, which TxStartPoint/TxStopPoint conditions hold) is looked up in the tables
below, first matching row wins, so the rules can be read and changed in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.virtual.power import PowerMeter

Facts = Mapping[str, bool]
Rules = tuple[tuple[Facts, str], ...]

# ConnectorStatusEnumType (G01): a fault or an inoperative connector hides the plug state.
CONNECTOR_STATUS_RULES: Rules = (
    ({"faulted": True}, "Faulted"),
    ({"operative": False}, "Unavailable"),
    ({"plugged": True}, "Occupied"),
    ({"reserved": True}, "Reserved"),
    ({}, "Available"),
)

# ChargingStateEnumType (E01-E07): what the EV and the EVSE are doing on the power path.
CHARGING_STATE_RULES: Rules = (
    ({"plugged": False}, "Idle"),
    ({"power_path_closed": False}, "EVConnected"),
    # An EV that is not ready is only seen as such once it had the time to answer the offered power (E_38).
    ({"ev_suspended": True, "ev_engaged": False}, "EVConnected"),
    ({"ev_suspended": True}, "SuspendedEV"),
    ({"evse_suspended": True}, "SuspendedEVSE"),
    ({"ev_engaged": False}, "EVConnected"),
    ({}, "Charging"),
)

# TxStartPoint / TxStopPoint members (E01, E06) and the fact that makes each one true.
TX_POINT_FACT: dict[str, str] = {
    "EVConnected": "plugged",
    "Authorized": "authorized",
    "PowerPathClosed": "power_path_closed",
    "EnergyTransfer": "energy_transfer",
    "DataSigned": "data_signed",
    "ParkingBayOccupancy": "bay_occupied",  # the bay sensor (harness/virtual/parking_bay.py)
}


def decide(rules: Rules, facts: Facts) -> str:
    """The outcome of the first row whose conditions all hold."""
    for conditions, outcome in rules:
        if all(facts.get(name, False) == wanted for name, wanted in conditions.items()):
            return outcome
    raise LookupError("decision table has no default row")


@dataclass
class Authorization:
    """An idToken the EVSE may charge with, and where it came from."""

    id_token: dict[str, Any]
    group_id: dict[str, Any] | None = None
    remote_start_id: int | None = None
    remote_pending: bool = False  # the next TransactionEvent still has to report RemoteStart
    token_reported: bool = False  # the idToken went out in a TransactionEvent
    cable_deadline: float | None = None  # monotonic time when EVConnectionTimeOut lapses


@dataclass
class Transaction:
    """A transaction in memory, with what its next TransactionEvent still has to carry."""

    id: str
    evse_id: int
    started_epoch: float = 0.0  # wall-clock start; Relative charging schedules count from it
    seq_no: int = 0
    events_sent: int = 0
    connector_reported: bool = False
    charging_state: str | None = None
    armed_stop_points: set[str] = field(default_factory=set)
    stopped_reason_hint: str | None = None
    group_id: dict[str, Any] | None = None
    start_token: dict[str, Any] | None = None
    next_periodic: float | None = None
    periodic_samples: int = 0
    ended_samples: list[dict[str, Any]] = field(default_factory=list)
    next_ended_sample: float | None = None
    energy_cap_wh: float | None = None  # register reading at which MaxEnergyOnInvalidId stops the energy (E05)


@dataclass
class Connector:
    """One connector; `operative` is what is applied now, `requested_operative` what the CSMS asked for."""

    id: int
    connector_type: str = "cType2"
    plugged: bool = False
    requested_operative: bool = True
    operative: bool = True
    faulted: bool = False
    reserved: bool = False  # set by reservation.py while a reservation holds the EVSE
    reported_status: str | None = None

    def status(self) -> str:
        facts = {
            "faulted": self.faulted,
            "operative": self.operative,
            "plugged": self.plugged,
            "reserved": self.reserved,
        }
        return decide(CONNECTOR_STATUS_RULES, facts)


@dataclass
class Evse:
    """One EVSE with its connectors, the EV attached to it and its meter."""

    id: int
    connectors: list[Connector]
    meter: PowerMeter = field(default_factory=PowerMeter)
    requested_operative: bool = True
    auth: Authorization | None = None
    tx: Transaction | None = None
    authorizing: bool = False
    ev_suspended: bool = False
    evse_suspended: bool = False
    limit_paused: bool = False  # a charging limit of 0 W is in force (smart_charging.py)
    ev_engaged: bool = False
    engage_at: float | None = None
    session_closed: bool = False  # a transaction ended while the EV stayed plugged: wait for unplug
    hlc_session: bool = False  # an ISO 15118-20 session runs: its PowerDelivery, not a timer, engages the EV
    # The cable was pulled out of the EV but is still in the station's socket (E10): the connector stays
    # Occupied while the EV is gone for the charging state and the TxStopPoints.
    ev_side_unplugged: bool = False
    signed_data: bool = False  # the meter delivered a signed reading for this session (TxStartPoint DataSigned)
    bay_occupied: bool = False  # the parking bay sensor sees a vehicle (TxStartPoint/TxStopPoint ParkingBayOccupancy)
    # E09.FR.03: the socket keeps the cable locked until this idToken (the one that started the ended
    # transaction) is presented again.
    lock_held_for: dict[str, Any] | None = None
    plug_unlocked: bool = False  # the cable is not fully in: its retention lock cannot engage (G05)

    def connector(self, connector_id: int) -> Connector | None:
        return next((c for c in self.connectors if c.id == connector_id), None)

    def plugged_connector(self) -> Connector | None:
        return next((c for c in self.connectors if c.plugged), None)

    @property
    def operative(self) -> bool:
        plugged = self.plugged_connector()
        if plugged is not None:
            return plugged.operative
        return any(c.operative for c in self.connectors)

    def facts(self) -> dict[str, bool]:
        plugged = self.plugged_connector() is not None and not self.ev_side_unplugged
        authorized = self.auth is not None
        path = plugged and authorized and self.operative and not self.plug_unlocked  # G05.FR.01
        facts = {
            "plugged": plugged,
            "authorized": authorized,
            "power_path_closed": path,
            "ev_suspended": self.ev_suspended,
            "evse_suspended": self.evse_suspended or self.limit_paused,
            "ev_engaged": self.ev_engaged,
            "data_signed": self.signed_data and plugged and authorized,
            "bay_occupied": self.bay_occupied,
        }
        facts["energy_transfer"] = decide(CHARGING_STATE_RULES, facts) == "Charging"
        return facts

    def charging_state(self) -> str:
        return decide(CHARGING_STATE_RULES, self.facts())

    def holds(self, point: str) -> bool:
        """Whether the TxStartPoint/TxStopPoint member `point` is true now."""
        fact = TX_POINT_FACT.get(point)
        return fact is not None and self.facts()[fact]

    def availability_state(self) -> str:
        statuses = [c.status() for c in self.connectors]
        for status in ("Faulted", "Occupied", "Reserved", "Available"):
            if status in statuses:
                return status
        return "Unavailable"


def make_evses(count: int, meter_factory: Callable[[], PowerMeter] = PowerMeter) -> list[Evse]:
    """EVSEs 1..count, each with a single type 2 connector."""
    return [Evse(evse_id, [Connector(1)], meter_factory()) for evse_id in range(1, count + 1)]
