"""The per-EVSE power model: a first-order lag on P and Q and the station's own energy register.

The grid-adjusted target and the reactive power come from the shared plant (plant.py); the register integrates
the same P the virtual analyser integrates, scaled by the meter's own error (non-zero only under a fault).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.virtual.plant import NOMINAL_VOLTAGE_V, PHASES, GridSupport

RATED_POWER_W = 11000.0  # 3 phases x 230 V x 16 A
TAU_S = 0.5
STEP_S = 0.1


@dataclass
class PowerMeter:
    """What flows through one EVSE and what its own meter says about it."""

    rated_w: float = RATED_POWER_W
    tau_s: float = TAU_S
    target_w: float = 0.0
    power_w: float = 0.0
    reactive_var: float = 0.0
    energy_wh: float = 0.0
    register_offset_wh: float = 0.0  # only non-zero under the energy-register-resets fault
    register_scale: float = 1.0  # only not 1 under the energy-register-drifts fault
    register_wh_raw: float = 0.0
    voltage_v: float = NOMINAL_VOLTAGE_V
    _grid_target_w: float = 0.0
    _q_target_var: float = 0.0
    _q_tau_s: float = 1.0

    def follow_grid(self, support: GridSupport, frequency_hz: float, voltage_pu: float) -> None:
        """Droop and Q(U) act only while the EVSE is drawing power: an idle station has nothing to adjust."""
        self.voltage_v = voltage_pu * NOMINAL_VOLTAGE_V
        if self.target_w <= 0.0:
            self._grid_target_w, self._q_target_var = 0.0, 0.0
            return
        adjusted = self.target_w + support.delta_p_w(frequency_hz, self.rated_w)
        self._grid_target_w = min(max(adjusted, 0.0), self.rated_w)
        self._q_target_var = support.q_per_unit(voltage_pu) * self.rated_w
        self._q_tau_s = support.q_tau_s

    def step(self, dt_s: float) -> None:
        """Advance the lags by `dt_s` seconds and integrate energy (trapezoid over the step)."""
        before = self.power_w
        target = self._grid_target_w if self.target_w > 0.0 else 0.0
        self.power_w = target + (before - target) * math.exp(-dt_s / self.tau_s)
        if self.power_w < 0.5 and target == 0.0:
            self.power_w = 0.0
        q_target = self._q_target_var if self.target_w > 0.0 else 0.0
        self.reactive_var = q_target + (self.reactive_var - q_target) * math.exp(-dt_s / self._q_tau_s)
        if abs(self.reactive_var) < 0.5 and q_target == 0.0:
            self.reactive_var = 0.0
        increment = (before + self.power_w) / 2.0 * dt_s / 3600.0
        self.energy_wh += increment
        self.register_wh_raw += increment * self.register_scale

    def draw(self, charging: bool) -> None:
        self.target_w = min(self.rated_w, RATED_POWER_W) if charging else 0.0
        if charging and self._grid_target_w == 0.0:
            self._grid_target_w = self.target_w  # until the next plant step adjusts it to the grid

    def stop_now(self) -> None:
        """A power loss or reboot: the contactor opens at once."""
        self.target_w = 0.0
        self.power_w = 0.0
        self.reactive_var = 0.0
        self._grid_target_w = 0.0

    @property
    def register_wh(self) -> float:
        """Energy.Active.Import.Register as the station reports it, Wh with one decimal."""
        return round(self.register_wh_raw - self.register_offset_wh, 1)

    @property
    def reported_power_w(self) -> float:
        return round(self.power_w, 1)

    def power_text(self) -> str:
        return str(self.reported_power_w)

    @property
    def current_a(self) -> float:
        voltage = self.voltage_v if self.voltage_v > 1.0 else NOMINAL_VOLTAGE_V
        return round(self.power_w / (PHASES * voltage), 1)
