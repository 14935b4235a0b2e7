"""The per-EVSE plant model: a first-order power lag and a monotonic energy register (spec/virtual-lab.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass

RATED_POWER_W = 11000.0  # 3 phases x 230 V x 16 A
PHASES = 3
NOMINAL_VOLTAGE_V = 230.0
TAU_S = 0.5
STEP_S = 0.1


@dataclass
class PowerMeter:
    """What flows through one EVSE and what its own meter says about it."""

    rated_w: float = RATED_POWER_W
    tau_s: float = TAU_S
    target_w: float = 0.0
    power_w: float = 0.0
    energy_wh: float = 0.0
    register_offset_wh: float = 0.0  # only non-zero under the energy-register-resets fault

    def step(self, dt_s: float) -> None:
        """Advance the lag by `dt_s` seconds and integrate energy (trapezoid over the step)."""
        before = self.power_w
        self.power_w = self.target_w + (before - self.target_w) * math.exp(-dt_s / self.tau_s)
        if self.power_w < 0.5 and self.target_w == 0.0:
            self.power_w = 0.0
        self.energy_wh += (before + self.power_w) / 2.0 * dt_s / 3600.0

    def draw(self, charging: bool) -> None:
        self.target_w = min(self.rated_w, RATED_POWER_W) if charging else 0.0

    def stop_now(self) -> None:
        """A power loss or reboot: the contactor opens at once."""
        self.target_w = 0.0
        self.power_w = 0.0

    @property
    def register_wh(self) -> float:
        """Energy.Active.Import.Register as the station reports it, Wh with one decimal."""
        return round(self.energy_wh - self.register_offset_wh, 1)

    @property
    def reported_power_w(self) -> float:
        return round(self.power_w, 1)

    def power_text(self) -> str:
        return str(self.reported_power_w)

    @property
    def current_a(self) -> float:
        return round(self.power_w / (PHASES * NOMINAL_VOLTAGE_V), 1)
