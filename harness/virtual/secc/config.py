"""How the virtual SECC is set up: what it offers and its timers (the DUT profile's PICS and PIXIT describe it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from harness.iso15118.sequence import ControlMode, EnergyService
from harness.iso15118.timing import Timers

DEFAULT_EVSE_ID = "DE*OVL*E0001*1"  # country * operator * E + EVSE id, the -20 EVSEID format


@dataclass(frozen=True)
class SeccConfig:
    evse_id: str = DEFAULT_EVSE_ID
    services: tuple[EnergyService, ...] = (
        EnergyService.AC, EnergyService.DC, EnergyService.AC_BPT, EnergyService.DC_BPT,
    )  # fmt: skip
    control_modes: tuple[ControlMode, ...] = (ControlMode.SCHEDULED, ControlMode.DYNAMIC)
    timers: Timers = field(default_factory=Timers)
    cable_check_ongoing_rounds: int = 1  # Ongoing answers before the insulation test is Finished
    precharge_step_v: float = 150.0  # how far the output voltage moves towards the target per PreChargeReq
    welding_decay: float = 0.3  # output voltage factor per WeldingDetectionReq once the contactors opened
    evse_nominal_frequency_hz: float = 50.0
    host: str = "::1"
    tcp_port: int = 0
    sdp_port: int = 0
    tls: Literal["none", "optional", "required"] = "none"
    pki_dir: Path | None = None  # where the per-run PKI goes (needed unless tls is "none")
