"""Keysight AC6800 / AC6900 AC sources used as grid simulators (driver name "keysight-ac6900"; socket port 5025).

Where each command comes from:
- Settings `SOUR:VOLT`, `SOUR:FREQ`, `CURR`, `CURR:PROT:STAT ON`, `VOLT:LIM:UPP`, `VOLT:LIM:LOW`, `OUTP ON|OFF` and
  the measurement `MEAS:VOLT:AC?`: the project's instrument note (spec/gridcode-and-instruments.md).
- Read-backs are the same headers with `?`: AC6800B Operating and Service Guide, "Introduction to SCPI" (a `?`
  after a keyword turns it into a query; "You can query the value of most parameters").
- `MEAS:FREQ?`: the same guide's FETCh/MEASure chapter lists FREQuency among the measured items.
- The guide's VOLTage chapter says soft limits act only while the limit state is on; the command that switches
  that state was not at hand, so `configure_protection` sets and reads back the limits but cannot enable them.
Missing, because no AC6900 programming guide was at hand: phase selection for per-phase voltage, phase angles,
voltage and frequency slew rates (all raise UnsupportedByDriver). There is no separate output relay command.
"""

from __future__ import annotations

from instruments.drivers.grid.common import (
    CURR_DECIMALS,
    CURR_TOLERANCE,
    FREQ_DECIMALS,
    FREQ_TOLERANCE,
    VOLT_DECIMALS,
    VOLT_TOLERANCE,
    GridDriver,
    open_grid,
)
from instruments.envelope import SafetyEnvelope
from instruments.errors import UnsupportedByDriver
from instruments.registry import DriverSpec

VOLTAGE = "SOUR:VOLT"
FREQUENCY = "SOUR:FREQ"
CURRENT_LIMIT = "CURR"
CURRENT_PROTECTION = "CURR:PROT:STAT"
VOLTAGE_LIMIT_LOW = "VOLT:LIM:LOW"
VOLTAGE_LIMIT_HIGH = "VOLT:LIM:UPP"
OUTPUT = "OUTP"
MEASURED_VOLTAGE = "MEAS:VOLT:AC?"
MEASURED_FREQUENCY = "MEAS:FREQ?"

_NOT_AT_HAND = "the Keysight AC6900 programming guide was not at hand to confirm the command"


class KeysightAc6900(GridDriver):
    """Keysight AC6800/AC6900: voltage, frequency, current limit with over-current protection, soft voltage limits."""

    def set_voltage(self, volts: float, phase: int | None = None) -> None:
        if phase is not None:
            self.check_phase(phase)
            if self.phases() > 1:
                raise UnsupportedByDriver(f"{self.name}: per-phase voltage is not supported: {_NOT_AT_HAND}")
        self.setting(VOLTAGE, volts, VOLT_DECIMALS, VOLT_TOLERANCE)

    def set_frequency(self, hertz: float) -> None:
        self.setting(FREQUENCY, hertz, FREQ_DECIMALS, FREQ_TOLERANCE)

    def set_phase_angle(self, phase: int, degrees: float) -> None:
        self.check_phase(phase)
        raise UnsupportedByDriver(f"{self.name}: phase angles are not supported: {_NOT_AT_HAND}")

    def set_voltage_slew(self, volts_per_s: float) -> None:
        raise UnsupportedByDriver(f"{self.name}: a voltage slew rate is not supported: {_NOT_AT_HAND}")

    def set_frequency_slew(self, hertz_per_s: float) -> None:
        raise UnsupportedByDriver(f"{self.name}: a frequency slew rate is not supported: {_NOT_AT_HAND}")

    def set_current_limit(self, amps: float) -> None:
        self.setting(CURRENT_LIMIT, amps, CURR_DECIMALS, CURR_TOLERANCE)

    def output(self, on: bool) -> None:
        self.switch(OUTPUT, on)

    def output_state(self) -> bool:
        return self.state(f"{OUTPUT}?")

    def read_voltage(self) -> float:
        return self.query_float(MEASURED_VOLTAGE)

    def read_frequency(self) -> float:
        return self.query_float(MEASURED_FREQUENCY)

    def configure_protection(self, envelope: SafetyEnvelope) -> dict[str, float]:
        """Current limit that trips the output (not a constant-current fold-back) and soft limits around the
        envelope's voltage band (inactive until the limit state is switched on at the instrument)."""
        low, high = envelope.voltage_v
        limits = {
            "current_limit_a": self.setting(CURRENT_LIMIT, envelope.current_a, CURR_DECIMALS, CURR_TOLERANCE),
        }
        self.switch(CURRENT_PROTECTION, True)
        limits["current_protection"] = 1.0
        limits["voltage_limit_low_v"] = self.setting(VOLTAGE_LIMIT_LOW, low, VOLT_DECIMALS, VOLT_TOLERANCE)
        limits["voltage_limit_high_v"] = self.setting(VOLTAGE_LIMIT_HIGH, high, VOLT_DECIMALS, VOLT_TOLERANCE)
        return limits

    def safe_state(self) -> None:
        """Output off (the AC6800/AC6900 has no separately switched output relay)."""
        self.run_all([lambda: self.switch(OUTPUT, False)])


def open_driver(spec: DriverSpec) -> KeysightAc6900:
    return open_grid(spec, KeysightAc6900)
