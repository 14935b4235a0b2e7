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
    limit_w: float | None = None  # the smart-charging limit in force (smart_charging.py); None: none
    hlc_setpoint_w: float | None = None  # an ISO 15118-20 session sets the power (negative: discharge); None: basic
    export_wh_raw: float = 0.0  # Energy.Active.Export.Register: what flowed back while discharging
    _grid_target_w: float = 0.0
    _q_target_var: float = 0.0
    _q_tau_s: float = 1.0

    def follow_grid(self, support: GridSupport, frequency_hz: float, voltage_pu: float) -> None:
        """Droop and Q(U) act only while power flows (either way): an idle station has nothing to adjust."""
        self.voltage_v = voltage_pu * NOMINAL_VOLTAGE_V
        if self.target_w == 0.0:
            self._grid_target_w, self._q_target_var = 0.0, 0.0
            return
        adjusted = self.target_w + support.delta_p_w(frequency_hz, self.rated_w)
        # Droop may raise the import, but never above what the charging limit allows; a discharging EVSE
        # stays on the export side (down to its rating) and is pushed towards import by over-frequency.
        low = -self.rating_w if self.target_w < 0.0 else 0.0
        self._grid_target_w = min(max(adjusted, low), self.available_w)
        self._q_target_var = support.q_per_unit(voltage_pu) * self.rated_w
        self._q_tau_s = support.q_tau_s

    def step(self, dt_s: float) -> None:
        """Advance the lags by `dt_s` seconds and integrate energy (trapezoid over the step)."""
        before = self.power_w
        target = self._grid_target_w if self.target_w != 0.0 else 0.0
        self.power_w = target + (before - target) * math.exp(-dt_s / self.tau_s)
        if abs(self.power_w) < 0.5 and target == 0.0:
            self.power_w = 0.0
        q_target = self._q_target_var if self.target_w != 0.0 else 0.0
        self.reactive_var = q_target + (self.reactive_var - q_target) * math.exp(-dt_s / self._q_tau_s)
        if abs(self.reactive_var) < 0.5 and q_target == 0.0:
            self.reactive_var = 0.0
        increment = (before + self.power_w) / 2.0 * dt_s / 3600.0
        self.energy_wh += increment
        # The import register only counts up; energy that flows back goes to the export register.
        if increment >= 0.0:
            self.register_wh_raw += increment * self.register_scale
        else:
            self.export_wh_raw -= increment * self.register_scale

    @property
    def rating_w(self) -> float:
        """What the EVSE can deliver at most, whatever the limits."""
        return min(self.rated_w, RATED_POWER_W)

    @property
    def available_w(self) -> float:
        """What the EV may draw now: the rating, or less under a charging limit."""
        return self.rating_w if self.limit_w is None else min(self.rating_w, max(self.limit_w, 0.0))

    def draw(self, charging: bool) -> None:
        """While charging the EV draws what is available (basic charging) or what its ISO 15118-20 session set,
        within the rating and the charging limit; called again whenever the limit or the setpoint changes."""
        if not charging:
            self.target_w = 0.0
        elif self.hlc_setpoint_w is None:
            self.target_w = self.available_w
        else:
            self.target_w = max(-self.rating_w, min(self.hlc_setpoint_w, self.available_w))
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
