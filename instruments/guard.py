"""The safety layer every driver sits behind: envelope checks, arming, and the ramp to a safe state.

Test cases and the harness only ever hold guarded instruments, so no setpoint reaches a driver (and no byte an
instrument) without passing the envelope first. Each guard serialises calls with a lock: the safe state may be
requested from another thread (signal, timeout) while a test case is mid-command.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from instruments.capabilities import (
    CanBus,
    CanFrame,
    CpState,
    DcSource,
    Element,
    ElementReading,
    EnergyReading,
    EvEmulator,
    GridSimulator,
    Identity,
    PowerAnalyzer,
)
from instruments.envelope import SafetyEnvelope
from instruments.errors import InstrumentError, NotArmed, UnsupportedByDriver

RAMP_LIMIT_S = 30.0  # the safe-state ramp never waits longer than this, whatever the slew settings say
RAMP_STEP_S = 0.1  # software ramps: one setpoint step per this period
STALE_REPEATS = 3  # this many identical full readings in a row, with energy flowing, means a frozen analyser
Sleep = Callable[[float], None]


class Arming:
    """A real bench may energise outputs only after a person armed it; a virtual bench is born armed."""

    def __init__(self, required: bool) -> None:
        self.required = required
        self._armed = not required

    @property
    def armed(self) -> bool:
        return self._armed

    def arm(self) -> None:
        self._armed = True

    def require(self, what: str) -> None:
        if not self._armed:
            raise NotArmed(f"{what}: the bench is not armed (run with --arm, or confirm at the prompt)")


@dataclass
class SafeStateReport:
    instrument: str
    steps: list[str]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


def _attempt(report: SafeStateReport, step: str, action: Callable[[], object]) -> None:
    """One safe-state step: done or failed, the next step is still tried."""
    try:
        action()
        report.steps.append(step)
    except Exception as exc:  # the safe state must go on whatever one instrument does
        report.errors.append(f"{step}: {exc}")


class _Serialised:
    """One caller at a time, and nobody after the instrument was made safe and closed."""

    name: str

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._closed = False

    @contextlib.contextmanager
    def _using(self) -> Iterator[None]:
        with self._lock:
            if self._closed:
                raise InstrumentError(f"{self.name}: the instrument was made safe and closed; command refused")
            yield

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._close_driver()

    def _close_driver(self) -> None:
        raise NotImplementedError


class GuardedGrid(_Serialised):
    """A GridSimulator whose every setpoint is checked against the envelope before the driver sees it.

    dV/dt and df/dt are enforced by the instrument's own slew settings where the driver can set them; where it
    cannot (UnsupportedByDriver), the guard ramps in software: small steps, one every RAMP_STEP_S, never faster
    than the slew last asked for (at most the envelope's limit).
    """

    def __init__(self, driver: GridSimulator, envelope: SafetyEnvelope, arming: Arming, sleep: Sleep = time.sleep):
        self.driver, self.envelope, self.arming, self._sleep = driver, envelope, arming, sleep
        self.name = driver.name
        super().__init__()
        self._software_voltage_slew: float | None = None
        self._software_frequency_slew: float | None = None
        self._voltage: dict[int | None, float] = {}
        self._frequency: float | None = None
        self._output_on = True  # until we know better, assume live: ramps are then never skipped

    def identify(self) -> Identity:
        with self._using():
            return self.driver.identify()

    def phases(self) -> int:
        return self.driver.phases()

    def set_voltage(self, volts: float, phase: int | None = None) -> None:
        self.envelope.check_voltage(volts)
        with self._using():
            start = self._voltage.get(phase, self._voltage.get(None))
            rate = self._software_voltage_slew if self._output_on else None
            self._ramp(start, volts, rate, lambda value: self.driver.set_voltage(value, phase))
            if phase is None:
                self._voltage = {None: volts}
            else:
                self._voltage[phase] = volts

    def set_frequency(self, hertz: float) -> None:
        self.envelope.check_frequency(hertz)
        with self._using():
            rate = self._software_frequency_slew if self._output_on else None
            self._ramp(self._frequency, hertz, rate, self.driver.set_frequency)
            self._frequency = hertz

    def set_phase_angle(self, phase: int, degrees: float) -> None:
        self.envelope.check_phase_angle(degrees)
        with self._using():
            self.driver.set_phase_angle(phase, degrees)

    def set_voltage_slew(self, volts_per_s: float) -> None:
        self.envelope.check_voltage_slew(volts_per_s)
        with self._using():
            try:
                self.driver.set_voltage_slew(volts_per_s)
            except UnsupportedByDriver:
                self._software_voltage_slew = volts_per_s

    def set_frequency_slew(self, hertz_per_s: float) -> None:
        self.envelope.check_frequency_slew(hertz_per_s)
        with self._using():
            try:
                self.driver.set_frequency_slew(hertz_per_s)
            except UnsupportedByDriver:
                self._software_frequency_slew = hertz_per_s

    def set_current_limit(self, amps: float) -> None:
        self.envelope.check_current(amps)
        with self._using():
            self.driver.set_current_limit(amps)

    def output(self, on: bool) -> None:
        if on:
            self.arming.require(f"{self.name}: output on")
        with self._using():
            self.driver.output(on)
            self._output_on = on

    def output_state(self) -> bool:
        with self._using():
            return self.driver.output_state()

    def read_voltage(self) -> float:
        with self._using():
            return self.driver.read_voltage()

    def read_frequency(self) -> float:
        with self._using():
            return self.driver.read_frequency()

    def protect(self) -> dict[str, float]:
        """At connect time: the instrument's own limits from the envelope, and slews no faster than allowed."""
        env = self.envelope
        with self._using():
            limits = dict(self.driver.configure_protection(env))
            self._output_on = self.driver.output_state()
            self._voltage = {None: self.driver.read_voltage()}
            self._frequency = self.driver.read_frequency()
        self.set_voltage_slew(env.voltage_slew_v_per_s)
        self.set_frequency_slew(env.frequency_slew_hz_per_s)
        if self._software_voltage_slew is not None:
            limits["software_voltage_slew_v_per_s"] = self._software_voltage_slew
        if self._software_frequency_slew is not None:
            limits["software_frequency_slew_hz_per_s"] = self._software_frequency_slew
        return limits

    def _ramp(self, start: float | None, target: float, rate: float | None, apply: Callable[[float], None]) -> None:
        """Apply `target`, in steps of at most rate * RAMP_STEP_S when the ramp is ours to make."""
        if rate is None or start is None or start == target:
            apply(target)
            return
        steps = max(1, math.ceil(abs(target - start) / (rate * RAMP_STEP_S)))
        for index in range(1, steps + 1):
            apply(start + (target - start) * index / steps)
            if index < steps:
                self._sleep(RAMP_STEP_S)

    def safe_state(self) -> SafeStateReport:
        """Ramp to nominal at the envelope's slew limits (if the output is on), then output off and relay open."""
        report = SafeStateReport(self.name, [], [])
        env = self.envelope
        with self._using():
            live = True
            try:
                live = self.driver.output_state()
            except Exception as exc:  # unknown state: assume it is live and ramp anyway
                report.errors.append(f"reading the output state: {exc}")
            if live:
                self._output_on = True
                wait = self._ramp_time(report)
                hardware_slews = self._software_voltage_slew is None and self._software_frequency_slew is None
                if hardware_slews:
                    _attempt(report, "voltage slew", lambda: self.driver.set_voltage_slew(env.voltage_slew_v_per_s))
                    _attempt(
                        report, "frequency slew", lambda: self.driver.set_frequency_slew(env.frequency_slew_hz_per_s)
                    )
                else:
                    self._software_voltage_slew = self._software_voltage_slew and env.voltage_slew_v_per_s
                    self._software_frequency_slew = self._software_frequency_slew and env.frequency_slew_hz_per_s
                _attempt(
                    report, f"voltage {env.nominal_voltage_v:g} V", lambda: self.set_voltage(env.nominal_voltage_v)
                )
                _attempt(
                    report,
                    f"frequency {env.nominal_frequency_hz:g} Hz",
                    lambda: self.set_frequency(env.nominal_frequency_hz),
                )
                if hardware_slews:
                    self._sleep(wait)
            _attempt(report, "output off, relay open", self.driver.safe_state)
            self._output_on = False
        return report

    def _ramp_time(self, report: SafeStateReport) -> float:
        env = self.envelope
        try:
            dv = abs(self.driver.read_voltage() - env.nominal_voltage_v) / env.voltage_slew_v_per_s
            df = abs(self.driver.read_frequency() - env.nominal_frequency_hz) / env.frequency_slew_hz_per_s
        except Exception as exc:
            report.errors.append(f"reading the present output: {exc}")
            return 1.0
        return min(max(dv, df) * 1.2 + 0.2, RAMP_LIMIT_S)

    def _close_driver(self) -> None:
        self.driver.close()


class GuardedDcSource(_Serialised):
    """A DcSource checked against the envelope's DC limits."""

    def __init__(self, driver: DcSource, envelope: SafetyEnvelope, arming: Arming) -> None:
        self.driver, self.envelope, self.arming = driver, envelope, arming
        self.name = driver.name
        super().__init__()

    def identify(self) -> Identity:
        with self._using():
            return self.driver.identify()

    def set_voltage(self, volts: float) -> None:
        self.envelope.check_dc_voltage(volts)
        with self._using():
            self.driver.set_voltage(volts)

    def set_current_limit(self, amps: float) -> None:
        self.envelope.check_dc_current(amps)
        with self._using():
            self.driver.set_current_limit(amps)

    def set_sink_current_limit(self, amps: float) -> None:
        self.envelope.check_dc_current(amps)
        with self._using():
            self.driver.set_sink_current_limit(amps)

    def output(self, on: bool) -> None:
        if on:
            self.arming.require(f"{self.name}: output on")
        with self._using():
            self.driver.output(on)

    def output_state(self) -> bool:
        with self._using():
            return self.driver.output_state()

    def read_voltage(self) -> float:
        with self._using():
            return self.driver.read_voltage()

    def read_current(self) -> float:
        with self._using():
            return self.driver.read_current()

    def protect(self) -> dict[str, float]:
        with self._using():
            return self.driver.configure_protection(self.envelope)

    def safe_state(self) -> SafeStateReport:
        report = SafeStateReport(self.name, [], [])
        with self._using():
            _attempt(report, "output off, voltage 0", self.driver.safe_state)
        return report

    def _close_driver(self) -> None:
        self.driver.close()


class GuardedEvEmulator(_Serialised):
    """An EvEmulator whose DC voltage is checked against the envelope."""

    def __init__(self, driver: EvEmulator, envelope: SafetyEnvelope) -> None:
        self.driver, self.envelope = driver, envelope
        self.name = driver.name
        super().__init__()

    def identify(self) -> Identity:
        with self._using():
            return self.driver.identify()

    def set_plugged(self, plugged: bool) -> None:
        with self._using():
            self.driver.set_plugged(plugged)

    def set_cp_state(self, state: CpState) -> None:
        with self._using():
            self.driver.set_cp_state(state)

    def cp_state(self) -> CpState:
        with self._using():
            return self.driver.cp_state()

    def pwm(self) -> tuple[float, float]:
        with self._using():
            return self.driver.pwm()

    def set_dc_voltage(self, volts: float) -> None:
        self.envelope.check_dc_voltage(volts)
        with self._using():
            self.driver.set_dc_voltage(volts)

    def protect(self) -> dict[str, float]:
        return {}

    def safe_state(self) -> SafeStateReport:
        report = SafeStateReport(self.name, [], [])
        with self._using():
            _attempt(report, "CP state A, unplugged", self.driver.safe_state)
        return report

    def _close_driver(self) -> None:
        self.driver.close()


class GuardedAnalyzer(_Serialised):
    """A PowerAnalyzer that refuses to pass on frozen readings: a stuck analyser is a lab error, not a verdict."""

    def __init__(self, driver: PowerAnalyzer) -> None:
        self.driver = driver
        self.name = driver.name
        super().__init__()
        self._last: dict[Element, tuple[ElementReading, int]] = {}

    def identify(self) -> Identity:
        with self._using():
            return self.driver.identify()

    def elements(self) -> int:
        return self.driver.elements()

    def measure(self, element: Element = "sigma") -> ElementReading:
        with self._using():
            reading = self.driver.measure(element)
        previous, repeats = self._last.get(element, (None, 0))
        repeats = repeats + 1 if reading == previous else 1
        self._last[element] = (reading, repeats)
        if repeats >= STALE_REPEATS and reading.voltage_v != 0.0:
            raise InstrumentError(
                f"{self.name}: {repeats} identical readings in a row from element {element}: the analyser is stale"
            )
        return reading

    def start_integration(self) -> None:
        with self._using():
            self.driver.start_integration()

    def stop_integration(self) -> None:
        with self._using():
            self.driver.stop_integration()

    def energy(self, element: Element = "sigma") -> EnergyReading:
        with self._using():
            return self.driver.energy(element)

    def protect(self) -> dict[str, float]:
        return {}

    def safe_state(self) -> SafeStateReport:
        report = SafeStateReport(self.name, [], [])
        with self._using():
            _attempt(report, "integration stopped", self.driver.safe_state)
        return report

    def _close_driver(self) -> None:
        self.driver.close()


class GuardedCan(_Serialised):
    """A CanBus behind the same lifecycle as the other instruments (a bus has no output to make safe)."""

    def __init__(self, driver: CanBus) -> None:
        self.driver = driver
        self.name = driver.name
        super().__init__()

    def identify(self) -> Identity:
        return Identity("CAN interface", self.name, "", "")

    def send(self, frame: CanFrame) -> None:
        with self._using():
            self.driver.send(frame)

    def receive(self, timeout_s: float) -> CanFrame | None:
        with self._using():
            return self.driver.receive(timeout_s)

    def send_message(self, message: str, signals: dict[str, float]) -> None:
        with self._using():
            self.driver.send_message(message, signals)

    def receive_message(self, message: str, timeout_s: float) -> dict[str, float] | None:
        with self._using():
            return self.driver.receive_message(message, timeout_s)

    def protect(self) -> dict[str, float]:
        return {}

    def safe_state(self) -> SafeStateReport:
        return SafeStateReport(self.name, ["nothing to make safe"], [])

    def _close_driver(self) -> None:
        self.driver.close()


class Guarded(Protocol):
    """What the harness needs of every guarded instrument to open, report and close it."""

    name: str

    def identify(self) -> Identity: ...

    def protect(self) -> dict[str, float]: ...

    def safe_state(self) -> SafeStateReport: ...

    def close(self) -> None: ...
