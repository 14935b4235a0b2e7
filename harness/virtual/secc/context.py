"""What the virtual SECC remembers about one -20 session, and the answer type its handlers return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.iso15118.sequence import ControlMode, EnergyService, Family, State
from harness.virtual.faults import FaultSet
from harness.virtual.secc.config import SeccConfig
from harness.virtual.secc.link import EvseLink


@dataclass(frozen=True)
class Answer:
    """A handler's result: the ResponseCode and the rest of the response content (Header added by the caller)."""

    code: str
    content: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.code.startswith("FAILED")


@dataclass
class SessionContext:
    config: SeccConfig
    link: EvseLink
    faults: FaultSet
    session_id: bytes = b""
    state: State = State.CONNECTED
    family: Family | None = None
    service: EnergyService | None = None
    control_mode: ControlMode | None = None
    parameter_set_id: int | None = None
    offered_services: tuple[EnergyService, ...] = ()
    schedule_tuple_ids: tuple[int, ...] = ()
    discharge_channel: bool = False
    authorization_polls: int = 0
    cable_check_rounds: int = 0
    output_voltage_v: float = 0.0
    delivering: bool = False
    setpoint_w: float = 0.0
    paused: bool = False

    def active(self, fault: str) -> bool:
        return self.faults.active(fault)
