"""The plant model the virtual station and the virtual instruments share (spec/virtual-lab.md).

Grid voltage and frequency come in from the virtual grid simulator (or from the lab mains while the simulator's
output is off: the station is never left without supply by an OCPP-only run); each EVSE's P and Q go out,
following the station's grid-support curves (over-frequency droop, optional under-frequency droop, Q(U)).
Every virtual instrument reads this one model, so what the analyser sees is what the station does.
Sign convention: P > 0 the station imports (charges); Q > 0 it absorbs reactive power (inductive).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

NOMINAL_VOLTAGE_V = 230.0
NOMINAL_FREQUENCY_HZ = 50.0
PHASES = 3
DEFAULT_PHASE_ANGLES = (0.0, -120.0, 120.0)


@dataclass(frozen=True)
class GridSupport:
    """The station's configured reaction to the grid; every number is a parameter (EN 50549-1 style defaults)."""

    droop_enabled: bool = True
    droop_f1_hz: float = 50.2  # LFSM-O threshold
    droop_s_pct: float = 5.0  # droop s: dP = P_ref * (f - f1) / (f_n * s)
    lfsm_u_enabled: bool = True
    lfsm_u_f1_hz: float = 49.8
    q_of_u: tuple[tuple[float, float], ...] = ((0.90, -0.436), (0.95, 0.0), (1.05, 0.0), (1.10, 0.436))
    q_tau_s: float = 1.0
    ignores_grid: bool = False  # the fault: no droop, no Q(U)

    def delta_p_w(self, frequency_hz: float, p_ref_w: float) -> float:
        """Change of import the frequency asks for, in load convention (over-frequency: import more)."""
        if self.ignores_grid:
            return 0.0
        s = self.droop_s_pct / 100.0
        if self.droop_enabled and frequency_hz > self.droop_f1_hz:
            return p_ref_w * (frequency_hz - self.droop_f1_hz) / (NOMINAL_FREQUENCY_HZ * s)
        if self.lfsm_u_enabled and frequency_hz < self.lfsm_u_f1_hz:
            return -p_ref_w * (self.lfsm_u_f1_hz - frequency_hz) / (NOMINAL_FREQUENCY_HZ * s)
        return 0.0

    def q_per_unit(self, voltage_pu: float) -> float:
        """Q/S_rated on the piecewise-linear Q(U) curve, flat beyond its end points."""
        if self.ignores_grid or not self.q_of_u:
            return 0.0
        points = self.q_of_u
        if voltage_pu <= points[0][0]:
            return points[0][1]
        for (u0, q0), (u1, q1) in itertools.pairwise(points):
            if voltage_pu <= u1:
                return q0 + (q1 - q0) * (voltage_pu - u0) / (u1 - u0)
        return points[-1][1]


@dataclass
class GridOutput:
    """What the virtual grid simulator drives: setpoints approached at the configured slew rates."""

    output_on: bool = False
    voltage_set_v: list[float] = field(default_factory=lambda: [NOMINAL_VOLTAGE_V] * PHASES)
    voltage_v: list[float] = field(default_factory=lambda: [NOMINAL_VOLTAGE_V] * PHASES)
    frequency_set_hz: float = NOMINAL_FREQUENCY_HZ
    frequency_hz: float = NOMINAL_FREQUENCY_HZ
    phase_angle_deg: list[float] = field(default_factory=lambda: list(DEFAULT_PHASE_ANGLES))
    voltage_slew_v_per_s: float = math.inf
    frequency_slew_hz_per_s: float = math.inf
    current_limit_a: float = 32.0

    def step(self, dt_s: float) -> None:
        self.voltage_v = [
            _approach(now, target, self.voltage_slew_v_per_s * dt_s)
            for now, target in zip(self.voltage_v, self.voltage_set_v, strict=True)
        ]
        self.frequency_hz = _approach(self.frequency_hz, self.frequency_set_hz, self.frequency_slew_hz_per_s * dt_s)


@dataclass
class DcOutput:
    """The virtual DC source (battery emulator side of a DC bench)."""

    output_on: bool = False
    voltage_set_v: float = 0.0
    current_limit_a: float = 0.0
    sink_limit_a: float = 0.0

    @property
    def voltage_v(self) -> float:
        return self.voltage_set_v if self.output_on else 0.0


Observer = Callable[[float], None]


class Plant:
    """One station's point of connection: the grid it sees, the power it draws, who is watching."""

    def __init__(self, support: GridSupport | None = None, rated_va: float = 11000.0) -> None:
        self.support = support or GridSupport()
        self.rated_va = rated_va
        self.grid = GridOutput()
        self.dc = DcOutput()
        self.meters: list[PlantLoad] = []
        self._observers: list[Observer] = []

    # ------------------------------------------------------------ what the station sees

    def voltage_v(self, phase: int) -> float:
        """Line-to-neutral RMS voltage at the station's terminals, phase 1..3."""
        return self.grid.voltage_v[phase - 1] if self.grid.output_on else NOMINAL_VOLTAGE_V

    def frequency_hz(self) -> float:
        return self.grid.frequency_hz if self.grid.output_on else NOMINAL_FREQUENCY_HZ

    def phase_angle_deg(self, phase: int) -> float:
        return self.grid.phase_angle_deg[phase - 1] if self.grid.output_on else DEFAULT_PHASE_ANGLES[phase - 1]

    def mean_voltage_pu(self) -> float:
        return sum(self.voltage_v(p) for p in range(1, PHASES + 1)) / PHASES / NOMINAL_VOLTAGE_V

    # ------------------------------------------------------------ what flows

    def active_power_w(self) -> float:
        return sum(load.power_w for load in self.meters)

    def reactive_power_var(self) -> float:
        return sum(load.reactive_var for load in self.meters)

    # ------------------------------------------------------------ time

    def observe(self, observer: Observer) -> None:
        """Call `observer(dt)` after every step, e.g. an analyser's integrator."""
        self._observers.append(observer)

    def step(self, dt_s: float) -> None:
        self.grid.step(dt_s)
        frequency, voltage_pu = self.frequency_hz(), self.mean_voltage_pu()
        for load in self.meters:
            load.follow_grid(self.support, frequency, voltage_pu)
            load.step(dt_s)
        for observer in self._observers:
            observer(dt_s)


class PlantLoad(Protocol):
    """What each EVSE's meter must offer the plant (implemented by power.PowerMeter)."""

    power_w: float
    reactive_var: float

    def follow_grid(self, support: GridSupport, frequency_hz: float, voltage_pu: float) -> None: ...

    def step(self, dt_s: float) -> None: ...


def _approach(now: float, target: float, max_step: float) -> float:
    if abs(target - now) <= max_step:
        return target
    return now + math.copysign(max_step, target - now)
