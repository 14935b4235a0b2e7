"""The ISO 15118-20 message sequence as data: which request the SECC takes in each state, and where it leads.

Both roles read this one table. The EV role walks it to run a session and to find requests that are out of
sequence for negative tests; the virtual SECC checks every request against it and answers FAILED_SequenceError
to anything the table does not allow. A state is named after what the session has achieved so far.

Where the standard leaves room, the table records our reading (-20 clause 8.8 sequence diagrams, via the project's
spec notes): SessionStop is accepted once the session is set up, whenever power is not flowing; schedule and service
renegotiation are not modelled yet (an EV that asks for them gets FAILED_SequenceError from the virtual SECC).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from harness.iso15118.transport.v2gtp import PayloadType


class State(enum.StrEnum):
    CONNECTED = "Connected"  # TCP or TLS is up, nothing exchanged yet
    PROTOCOL_AGREED = "ProtocolAgreed"
    SESSION_ESTABLISHED = "SessionEstablished"
    AUTHORIZATION_OFFERED = "AuthorizationOffered"
    AUTHORIZED = "Authorized"
    SERVICES_OFFERED = "ServicesOffered"
    SERVICE_SELECTED = "ServiceSelected"
    PARAMETERS_EXCHANGED = "ParametersExchanged"
    SCHEDULED = "Scheduled"
    CABLE_CHECKED = "CableChecked"
    PRECHARGED = "PreCharged"
    ENERGY_TRANSFER = "EnergyTransfer"
    POWER_STOPPED = "PowerStopped"
    ENDED = "Ended"


class Family(enum.StrEnum):
    """Which family of energy services a session selected: the DC and AC paths differ after ServiceSelection."""

    AC = "AC"
    DC = "DC"


class EnergyService(enum.IntEnum):
    """Energy-transfer service IDs of -20 (ServiceDiscoveryRes)."""

    AC = 1
    DC = 2
    WPT = 3
    DC_ACDP = 4
    AC_BPT = 5
    DC_BPT = 6
    DC_ACDP_BPT = 7

    @property
    def family(self) -> Family:
        return Family.AC if self in (EnergyService.AC, EnergyService.AC_BPT) else Family.DC

    @property
    def bidirectional(self) -> bool:
        return self in (EnergyService.AC_BPT, EnergyService.DC_BPT, EnergyService.DC_ACDP_BPT)


class ControlMode(enum.StrEnum):
    SCHEDULED = "Scheduled"
    DYNAMIC = "Dynamic"


# Parameter-set values of the ControlMode parameter in ServiceDetailRes (-20 Table "service parameters").
CONTROL_MODE_PARAMETER = {ControlMode.SCHEDULED: 1, ControlMode.DYNAMIC: 2}


@dataclass(frozen=True)
class Message:
    """One request/response pair: its codec namespace and V2GTP payload type."""

    name: str
    namespace: str
    payload_type: PayloadType

    @property
    def request(self) -> str:
        return f"{self.name}Req"

    @property
    def response(self) -> str:
        return f"{self.name}Res"


def _pairs(namespace: str, payload_type: PayloadType, *names: str) -> list[Message]:
    return [Message(name, namespace, payload_type) for name in names]


MESSAGES: dict[str, Message] = {
    m.name: m
    for m in [
        Message("supportedAppProtocol", "app", PayloadType.SUPPORTED_APP_PROTOCOL),
        *_pairs(
            "common", PayloadType.COMMON_MESSAGES,
            "SessionSetup", "AuthorizationSetup", "Authorization", "ServiceDiscovery", "ServiceDetail",
            "ServiceSelection", "ScheduleExchange", "PowerDelivery", "SessionStop", "CertificateInstallation",
            "MeteringConfirmation", "VehicleCheckIn", "VehicleCheckOut",
        ),
        *_pairs(
            "dc", PayloadType.DC,
            "DC_ChargeParameterDiscovery", "DC_CableCheck", "DC_PreCharge", "DC_ChargeLoop", "DC_WeldingDetection",
        ),
        *_pairs("ac", PayloadType.AC, "AC_ChargeParameterDiscovery", "AC_ChargeLoop"),
    ]
}  # fmt: skip
MESSAGE_BY_ROOT: dict[str, Message] = {root: m for m in MESSAGES.values() for root in (m.request, m.response)}


class Outcome(enum.StrEnum):
    """What an answered request means for the sequence (PowerDelivery adds its ChargeProgress values)."""

    OK = "ok"
    ONGOING = "ongoing"
    FAILED = "failed"  # a FAILED* response code: the SECC ends the session


@dataclass(frozen=True)
class Transition:
    source: State
    message: str
    target: State
    when: str = Outcome.OK
    family: Family | None = None  # None: both families


S = State
_STOPPABLE = (
    S.SESSION_ESTABLISHED, S.AUTHORIZATION_OFFERED, S.AUTHORIZED, S.SERVICES_OFFERED, S.SERVICE_SELECTED,
    S.PARAMETERS_EXCHANGED, S.SCHEDULED, S.CABLE_CHECKED, S.PRECHARGED, S.POWER_STOPPED,
)  # fmt: skip

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.CONNECTED, "supportedAppProtocol", S.PROTOCOL_AGREED),
    Transition(S.PROTOCOL_AGREED, "SessionSetup", S.SESSION_ESTABLISHED),
    Transition(S.SESSION_ESTABLISHED, "AuthorizationSetup", S.AUTHORIZATION_OFFERED),
    Transition(S.AUTHORIZATION_OFFERED, "Authorization", S.AUTHORIZATION_OFFERED, Outcome.ONGOING),
    Transition(S.AUTHORIZATION_OFFERED, "Authorization", S.AUTHORIZED),
    Transition(S.AUTHORIZED, "ServiceDiscovery", S.SERVICES_OFFERED),
    Transition(S.SERVICES_OFFERED, "ServiceDetail", S.SERVICES_OFFERED),
    Transition(S.SERVICES_OFFERED, "ServiceSelection", S.SERVICE_SELECTED),
    Transition(S.SERVICE_SELECTED, "DC_ChargeParameterDiscovery", S.PARAMETERS_EXCHANGED, family=Family.DC),
    Transition(S.SERVICE_SELECTED, "AC_ChargeParameterDiscovery", S.PARAMETERS_EXCHANGED, family=Family.AC),
    Transition(S.PARAMETERS_EXCHANGED, "ScheduleExchange", S.PARAMETERS_EXCHANGED, Outcome.ONGOING),
    Transition(S.PARAMETERS_EXCHANGED, "ScheduleExchange", S.SCHEDULED),
    Transition(S.SCHEDULED, "DC_CableCheck", S.SCHEDULED, Outcome.ONGOING, Family.DC),
    Transition(S.SCHEDULED, "DC_CableCheck", S.CABLE_CHECKED, family=Family.DC),
    Transition(S.CABLE_CHECKED, "DC_PreCharge", S.PRECHARGED, family=Family.DC),
    Transition(S.PRECHARGED, "DC_PreCharge", S.PRECHARGED, family=Family.DC),
    Transition(S.PRECHARGED, "PowerDelivery", S.ENERGY_TRANSFER, "Start", Family.DC),
    Transition(S.SCHEDULED, "PowerDelivery", S.ENERGY_TRANSFER, "Start", Family.AC),
    Transition(S.ENERGY_TRANSFER, "DC_ChargeLoop", S.ENERGY_TRANSFER, family=Family.DC),
    Transition(S.ENERGY_TRANSFER, "AC_ChargeLoop", S.ENERGY_TRANSFER, family=Family.AC),
    Transition(S.ENERGY_TRANSFER, "PowerDelivery", S.POWER_STOPPED, "Stop"),
    Transition(S.ENERGY_TRANSFER, "PowerDelivery", S.POWER_STOPPED, "Standby"),
    Transition(S.POWER_STOPPED, "DC_WeldingDetection", S.POWER_STOPPED, family=Family.DC),
    *(Transition(state, "SessionStop", S.ENDED) for state in _STOPPABLE),
)


def _applies(transition: Transition, family: Family | None) -> bool:
    return transition.family is None or family is None or transition.family == family


def accepted_messages(state: State, family: Family | None) -> list[str]:
    """Messages the SECC takes in `state` (a session that has not selected a service yet has no family)."""
    names = [t.message for t in TRANSITIONS if t.source == state and _applies(t, family)]
    return list(dict.fromkeys(names))


def accepts(state: State, family: Family | None, message: str) -> bool:
    return message in accepted_messages(state, family)


def next_state(state: State, family: Family | None, message: str, outcome: str) -> State | None:
    """Where an answered request leads; None when the table has no row (the request was out of sequence)."""
    rows = [t for t in TRANSITIONS if t.source == state and t.message == message and _applies(t, family)]
    for row in rows:
        if row.when == outcome:
            return row.target
    if outcome == Outcome.ONGOING:  # a message without an Ongoing row stays where it is while the SECC works
        return state if rows else None
    return None


def out_of_sequence(state: State, family: Family | None) -> list[str]:
    """Messages of the session's family that the SECC must refuse in `state` (for negative tests)."""
    allowed = set(accepted_messages(state, family))
    candidates = [
        m.name
        for m in MESSAGES.values()
        if m.name not in allowed
        and m.name != "supportedAppProtocol"
        and not (family == Family.AC and m.namespace == "dc")
        and not (family == Family.DC and m.namespace == "ac")
    ]
    return candidates


PROCESSING_ONGOING = ("Ongoing", "Ongoing_WaitingForCustomerInteraction")


def outcome_of(message: str, request: dict[str, Any], response: dict[str, Any]) -> str:
    """The outcome label of an answered request: FAILED codes, EVSEProcessing Ongoing, or the ChargeProgress."""
    code = str(response.get("ResponseCode", ""))
    if code.startswith("FAILED"):
        return Outcome.FAILED
    if response.get("EVSEProcessing") in PROCESSING_ONGOING:
        return Outcome.ONGOING
    if message == "PowerDelivery":
        return str(request.get("ChargeProgress", Outcome.OK))
    return Outcome.OK
