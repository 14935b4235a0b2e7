"""What the power-analyser drivers share: element checks, a computed sigma, and polled (software) energy.

`PolledEnergy` exists for analysers whose integrator commands we could not confirm: it integrates the P values the
driver polls (trapezoid between polls), so it is only as good as the polling rate. An instrument's own integrator
samples every update period (typically 50 to 200 ms) and should be preferred wherever its commands are verified.
"""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from instruments.capabilities import Element, ElementReading, EnergyReading
from instruments.registry import DriverSpec
from instruments.scpi import ScpiSession

Clock = Callable[[], float]


class _Configurable(Protocol):
    def configure(self) -> None: ...

    def close(self) -> None: ...


Driver = TypeVar("Driver", bound=_Configurable)


def open_session(spec: DriverSpec) -> ScpiSession:
    """The driver's VISA session, opened, with the lab file's resource, backend, timeout and journal."""
    session = ScpiSession(
        spec.label, spec.resource, backend=spec.backend, timeout_s=spec.timeout_s, journal=spec.journal
    )
    session.open()
    return session


def configured(driver: Driver) -> Driver:
    """Run the driver's one-time configuration; close the session if it fails so no socket is left behind."""
    try:
        driver.configure()
    except Exception:
        driver.close()
        raise
    return driver


def check_element(element: Element, elements: int) -> int | None:
    """The element number 1..n, or None for "sigma"; a caller asking for anything else has a bug."""
    if element == "sigma":
        return None
    if isinstance(element, int) and not isinstance(element, bool) and 1 <= element <= elements:
        return element
    raise ValueError(f"element must be 1..{elements} or 'sigma', not {element!r}")


def elements_option(options: Mapping[str, Any], default: int = 3) -> int:
    value = options.get("elements", default)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 8:
        raise ValueError(f"option 'elements' must be an integer 1..8, not {value!r}")
    return value


def clock_option(options: Mapping[str, Any]) -> Clock:
    """The time base of software integration; tests on a simulated plant pass the plant's clock here."""
    clock = options.get("clock", time.monotonic)
    if not callable(clock):
        raise ValueError(f"option 'clock' must be a callable returning seconds, not {clock!r}")
    return clock  # type: ignore[no-any-return]


def sigma_of(readings: Sequence[ElementReading]) -> ElementReading:
    """Sigma computed from the elements: P, Q, S summed; U, I, f and THD averaged; PF = P/S (1 when S = 0)."""
    count = len(readings)

    def mean(values: Sequence[float]) -> float:
        return sum(values) / count

    p = sum(r.active_power_w for r in readings)
    s = sum(r.apparent_power_va for r in readings)
    return ElementReading(
        voltage_v=mean([r.voltage_v for r in readings]),
        current_a=mean([r.current_a for r in readings]),
        active_power_w=p,
        reactive_power_var=sum(r.reactive_power_var for r in readings),
        apparent_power_va=s,
        power_factor=p / s if s else 1.0,
        frequency_hz=readings[0].frequency_hz,
        voltage_thd_pct=mean([r.voltage_thd_pct for r in readings]),
        current_thd_pct=mean([r.current_thd_pct for r in readings]),
    )


def readings_from(values: Sequence[float]) -> list[ElementReading]:
    """Split a flat list of (U, I, P, S, Q, PF, f, THD U, THD I) groups into readings, one per element."""
    readings = []
    for offset in range(0, len(values) - len(values) % 9, 9):
        u, i, p, s, q, pf, f, thd_u, thd_i = values[offset : offset + 9]
        readings.append(
            ElementReading(
                voltage_v=u,
                current_a=i,
                active_power_w=p,
                reactive_power_var=q,
                apparent_power_va=s,
                power_factor=pf,
                frequency_hz=f,
                voltage_thd_pct=thd_u,
                current_thd_pct=thd_i,
            )
        )
    return readings


def trapezoid_wh(p0: float, p1: float, dt_s: float) -> tuple[float, float]:
    """(import Wh, export Wh) of a linear P segment, split where it crosses zero so neither side is netted away."""
    if p0 * p1 >= 0.0:
        area = (p0 + p1) / 2.0 * dt_s / 3600.0
        return (area, 0.0) if area >= 0.0 else (0.0, -area)
    crossing = p0 / (p0 - p1)
    first = p0 * crossing * dt_s / 2.0 / 3600.0
    second = p1 * (1.0 - crossing) * dt_s / 2.0 / 3600.0
    return (max(first, second), -min(first, second))


class PolledEnergy:
    """Import and export Wh per element and for sigma, integrated by trapezoid over polled P samples."""

    def __init__(self, elements: int, clock: Clock) -> None:
        self.elements = elements
        self.clock = clock
        self.running = False
        self._import = [0.0] * (elements + 1)  # index `elements` is sigma
        self._export = [0.0] * (elements + 1)
        self._elapsed_s = 0.0
        self._last: tuple[float, list[float]] | None = None

    def start(self, powers: Sequence[float]) -> None:
        """Reset the registers and take the first sample."""
        self._import = [0.0] * (self.elements + 1)
        self._export = [0.0] * (self.elements + 1)
        self._elapsed_s = 0.0
        self.running = True
        self._last = (self.clock(), self._with_sigma(powers))

    def sample(self, powers: Sequence[float]) -> None:
        if not self.running or self._last is None:
            return
        now, values = self.clock(), self._with_sigma(powers)
        then, previous = self._last
        dt = max(now - then, 0.0)
        for index, (p0, p1) in enumerate(zip(previous, values, strict=True)):
            imported, exported = trapezoid_wh(p0, p1, dt)
            self._import[index] += imported
            self._export[index] += exported
        self._elapsed_s += dt
        self._last = (now, values)

    def stop(self, powers: Sequence[float]) -> None:
        self.sample(powers)
        self.running = False

    def reading(self, element: int | None) -> EnergyReading:
        index = self.elements if element is None else element - 1
        return EnergyReading(self._import[index], self._export[index], self._elapsed_s)

    def _with_sigma(self, powers: Sequence[float]) -> list[float]:
        if len(powers) != self.elements:
            raise ValueError(f"expected {self.elements} powers, got {len(powers)}")
        values = [0.0 if math.isnan(p) else p for p in powers]  # an invalid sample contributes nothing
        return [*values, sum(values)]


class PolledAnalyser(ABC):
    """`PowerAnalyzer` methods for a driver that reads elements with `_read` and integrates energy in software."""

    _elements: int
    _polled: PolledEnergy

    @abstractmethod
    def _read(self, channels: Sequence[int]) -> list[ElementReading]: ...

    @abstractmethod
    def _powers(self) -> list[float]: ...

    def elements(self) -> int:
        return self._elements

    def measure(self, element: Element = "sigma") -> ElementReading:
        number = check_element(element, self._elements)
        if number is not None:
            return self._read([number])[0]
        readings = self._read(list(range(1, self._elements + 1)))
        self._polled.sample([r.active_power_w for r in readings])  # a Σ read has every P: a free sample
        return sigma_of(readings)

    def start_integration(self) -> None:
        """Reset the software registers and take their first P sample."""
        self._polled.start(self._powers())

    def stop_integration(self) -> None:
        if self._polled.running:
            self._polled.stop(self._powers())

    def energy(self, element: Element = "sigma") -> EnergyReading:
        number = check_element(element, self._elements)
        self.poll_energy()
        return self._polled.reading(number)

    def poll_energy(self) -> None:
        """Add a P sample to the software integration (no traffic when it is not running)."""
        if self._polled.running:
            self._polled.sample(self._powers())

    def safe_state(self) -> None:
        """An analyser energises nothing: its safe state is a stopped integration."""
        self.stop_integration()
