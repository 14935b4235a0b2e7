"""The grid simulator's guard: envelope checks, slew limits enforced in hardware or in software, the ramp home."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from instruments.capabilities import GridSimulator, Identity
from instruments.envelope import SafetyEnvelope
from instruments.errors import UnsupportedByDriver
from instruments.guard import Arming, SafeStateReport, Serialised, attempt

RAMP_LIMIT_S = 30.0  # the safe-state ramp never waits longer than this, whatever the slew settings say
RAMP_STEP_S = 0.1  # software ramps: one setpoint step per this period
Sleep = Callable[[float], None]


class GuardedGrid(Serialised):
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
                    attempt(report, "voltage slew", lambda: self.driver.set_voltage_slew(env.voltage_slew_v_per_s))
                    attempt(
                        report, "frequency slew", lambda: self.driver.set_frequency_slew(env.frequency_slew_hz_per_s)
                    )
                else:
                    self._software_voltage_slew = self._software_voltage_slew and env.voltage_slew_v_per_s
                    self._software_frequency_slew = self._software_frequency_slew and env.frequency_slew_hz_per_s
                attempt(report, f"voltage {env.nominal_voltage_v:g} V", lambda: self.set_voltage(env.nominal_voltage_v))
                attempt(
                    report,
                    f"frequency {env.nominal_frequency_hz:g} Hz",
                    lambda: self.set_frequency(env.nominal_frequency_hz),
                )
                if hardware_slews:
                    self._sleep(wait)
            attempt(report, "output off, relay open", self.driver.safe_state)
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
