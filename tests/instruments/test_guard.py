"""The safety layer: envelope checks before the driver, arming, the safe-state ramp, frozen analysers."""

from __future__ import annotations

import math
from typing import Any

import pytest

from instruments.capabilities import ElementReading, EnergyReading, Identity
from instruments.envelope import SafetyEnvelope
from instruments.errors import EnvelopeViolation, InstrumentError, NotArmed, UnsupportedByDriver
from instruments.guard import Arming
from instruments.guard_devices import GuardedAnalyzer, GuardedDcSource
from instruments.guard_grid import GuardedGrid

ENVELOPE = SafetyEnvelope(
    voltage_v=(184.0, 276.0), frequency_hz=(47.0, 52.0), current_a=32.0, power_w=12000.0,
    voltage_slew_v_per_s=100.0, frequency_slew_hz_per_s=2.0, dc_voltage_v=500.0, dc_current_a=50.0,
)  # fmt: skip


class RecordingGrid:
    """A GridSimulator double that records every call; `fail` names methods that raise."""

    name = "grid"

    def __init__(self, voltage: float = 230.0, frequency: float = 50.0, fail: tuple[str, ...] = ()) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        self.voltage, self.frequency, self.on, self.fail = voltage, frequency, True, fail

    def _call(self, name: str, *args: Any) -> None:
        self.calls.append((name, args))
        if name in self.fail:
            raise InstrumentError(f"{name} failed")

    def identify(self) -> Identity:
        return Identity("Test", "Grid", "1", "1")

    def safe_state(self) -> None:
        self._call("safe_state")
        self.on = False

    def close(self) -> None:
        self._call("close")

    def phases(self) -> int:
        return 3

    def set_voltage(self, volts: float, phase: int | None = None) -> None:
        self._call("set_voltage", volts, phase)

    def set_frequency(self, hertz: float) -> None:
        self._call("set_frequency", hertz)

    def set_phase_angle(self, phase: int, degrees: float) -> None:
        self._call("set_phase_angle", phase, degrees)

    def set_voltage_slew(self, volts_per_s: float) -> None:
        self._call("set_voltage_slew", volts_per_s)

    def set_frequency_slew(self, hertz_per_s: float) -> None:
        self._call("set_frequency_slew", hertz_per_s)

    def set_current_limit(self, amps: float) -> None:
        self._call("set_current_limit", amps)

    def output(self, on: bool) -> None:
        self._call("output", on)
        self.on = on

    def output_state(self) -> bool:
        return self.on

    def read_voltage(self) -> float:
        return self.voltage

    def read_frequency(self) -> float:
        return self.frequency

    def configure_protection(self, envelope: SafetyEnvelope) -> dict[str, float]:
        self._call("configure_protection", envelope.current_a)
        return {"current_limit_a": envelope.current_a}


def guarded(driver: RecordingGrid, armed: bool = True) -> tuple[GuardedGrid, list[float]]:
    sleeps: list[float] = []
    arming = Arming(required=True)
    if armed:
        arming.arm()
    return GuardedGrid(driver, ENVELOPE, arming, sleep=sleeps.append), sleeps


@pytest.mark.parametrize(
    ("method", "value"),
    [
        ("set_frequency", 60.0), ("set_frequency", 46.9), ("set_voltage", 300.0), ("set_voltage", 100.0),
        ("set_voltage_slew", 500.0), ("set_frequency_slew", 10.0), ("set_frequency_slew", 0.0),
        ("set_current_limit", 40.0), ("set_frequency", math.nan),
    ],
)  # fmt: skip
def test_out_of_envelope_setpoints_never_reach_the_driver(method: str, value: float) -> None:
    driver = RecordingGrid()
    grid, _ = guarded(driver)
    with pytest.raises(EnvelopeViolation, match=r"refused|not a number"):
        getattr(grid, method)(value)
    assert driver.calls == []


def test_in_envelope_setpoints_pass_through() -> None:
    driver = RecordingGrid()
    grid, _ = guarded(driver)
    grid.set_frequency(51.5)
    grid.set_voltage(253.0, phase=2)
    assert driver.calls == [("set_frequency", (51.5,)), ("set_voltage", (253.0, 2))]


def test_output_needs_arming_on_a_real_bench() -> None:
    driver = RecordingGrid()
    grid, _ = guarded(driver, armed=False)
    with pytest.raises(NotArmed, match="not armed"):
        grid.output(True)
    assert driver.calls == []
    grid.output(False)  # switching off is always allowed
    grid.arming.arm()
    grid.output(True)
    assert driver.calls == [("output", (False,)), ("output", (True,))]


def test_safe_state_ramps_to_nominal_at_the_slew_limits_then_switches_off() -> None:
    driver = RecordingGrid(voltage=250.0, frequency=51.5)
    grid, sleeps = guarded(driver)
    report = grid.safe_state()
    assert report.ok
    assert [name for name, _ in driver.calls] == [
        "set_voltage_slew", "set_frequency_slew", "set_voltage", "set_frequency", "safe_state",
    ]  # fmt: skip
    assert driver.calls[2] == ("set_voltage", (230.0, None))
    assert driver.calls[3] == ("set_frequency", (50.0,))
    assert sleeps and sleeps[0] >= 1.5 / 2.0  # 1.5 Hz at 2 Hz/s takes 0.75 s at least


def test_safe_state_goes_on_when_a_step_fails() -> None:
    driver = RecordingGrid(fail=("set_frequency",))
    grid, _ = guarded(driver)
    report = grid.safe_state()
    assert not report.ok and "set_frequency failed" in report.errors[0]
    assert driver.calls[-1][0] == "safe_state"


def test_a_closed_instrument_refuses_every_command() -> None:
    driver = RecordingGrid()
    grid, _ = guarded(driver)
    grid.safe_state()
    grid.close()
    with pytest.raises(InstrumentError, match="made safe and closed"):
        grid.set_frequency(50.0)
    with pytest.raises(InstrumentError, match="made safe and closed"):
        grid.output(True)
    grid.close()  # idempotent
    assert [name for name, _ in driver.calls].count("close") == 1


class RecordingDc:
    name = "dc"

    def __init__(self) -> None:
        self.calls: list[str] = []

    def set_voltage(self, volts: float) -> None:
        self.calls.append(f"V {volts}")


def test_dc_limits() -> None:
    driver = RecordingDc()
    dc = GuardedDcSource(driver, ENVELOPE, Arming(required=False))  # type: ignore[arg-type]
    with pytest.raises(EnvelopeViolation):
        dc.set_voltage(800.0)
    dc.set_voltage(400.0)
    assert driver.calls == ["V 400.0"]


class FrozenAnalyser:
    name = "analyser"

    def __init__(self, frozen: bool) -> None:
        self.frozen, self.count = frozen, 0

    def measure(self, element: Any = "sigma") -> ElementReading:
        self.count += 1
        power = 1000.0 if self.frozen else 1000.0 + self.count
        return ElementReading(230.0, 4.3, power, 0.0, power, 1.0, 50.0, 1.0, 3.0)

    def energy(self, element: Any = "sigma") -> EnergyReading:
        return EnergyReading(0.0, 0.0, 0.0)


def test_frozen_analyser_readings_are_a_lab_error() -> None:
    analyser = GuardedAnalyzer(FrozenAnalyser(frozen=True))  # type: ignore[arg-type]
    analyser.measure()
    analyser.measure()
    with pytest.raises(InstrumentError, match="stale"):
        analyser.measure()
    live = GuardedAnalyzer(FrozenAnalyser(frozen=False))  # type: ignore[arg-type]
    for _ in range(10):
        live.measure()


class NoSlewGrid(RecordingGrid):
    """A driver that cannot set slew rates (as the Keysight and Ametek drivers without a verified command)."""

    def set_voltage_slew(self, volts_per_s: float) -> None:
        raise UnsupportedByDriver("no slew command")

    def set_frequency_slew(self, hertz_per_s: float) -> None:
        raise UnsupportedByDriver("no slew command")


def test_the_guard_ramps_in_software_when_the_instrument_cannot_slew() -> None:
    driver = NoSlewGrid()
    grid, sleeps = guarded(driver)
    limits = grid.protect()
    assert limits["software_frequency_slew_hz_per_s"] == ENVELOPE.frequency_slew_hz_per_s
    grid.output(True)
    driver.calls.clear()
    grid.set_frequency(51.0)  # 1 Hz at 2 Hz/s in 0.1 s steps: 0.2 Hz per step
    steps = [args[0] for name, args in driver.calls if name == "set_frequency"]
    assert steps == pytest.approx([50.2, 50.4, 50.6, 50.8, 51.0])
    assert sleeps == [0.1] * 4
    driver.calls.clear()
    grid.output(False)
    grid.set_frequency(50.0)  # nothing is energised: no need to ramp
    assert [args[0] for name, args in driver.calls if name == "set_frequency"] == [50.0]


def test_software_ramp_is_used_by_the_safe_state_too() -> None:
    driver = NoSlewGrid()
    grid, _ = guarded(driver)
    grid.protect()
    grid.output(True)
    grid.set_voltage(250.0)
    driver.calls.clear()
    report = grid.safe_state()
    assert report.ok, report.errors
    volts = [args[0] for name, args in driver.calls if name == "set_voltage"]
    assert volts[-1] == 230.0 and len(volts) == 2  # 20 V at 100 V/s: two 10 V steps
    assert driver.calls[-1][0] == "safe_state"
