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

from instruments.drivers.grid.common import VOLT_DECIMALS, VOLT_TOLERANCE, GridDriver, open_grid
from instruments.envelope import SafetyEnvelope
from instruments.registry import DriverSpec

VOLTAGE_LIMIT_LOW = "VOLT:LIM:LOW"
VOLTAGE_LIMIT_HIGH = "VOLT:LIM:UPP"


class KeysightAc6900(GridDriver):
    """Keysight AC6800/AC6900: voltage, frequency, current limit with over-current protection, soft voltage limits."""

    VOLTAGE = "SOUR:VOLT"
    FREQUENCY = "SOUR:FREQ"
    CURRENT_LIMIT = "CURR"
    CURRENT_PROTECTION = "CURR:PROT:STAT"
    OUTPUT = "OUTP"
    MEASURED_VOLTAGE = "MEAS:VOLT:AC?"
    MEASURED_FREQUENCY = "MEAS:FREQ?"
    NOT_AT_HAND = "the Keysight AC6900 programming guide was not at hand to confirm the command"

    def configure_protection(self, envelope: SafetyEnvelope) -> dict[str, float]:
        """A tripping current limit and soft limits around the envelope's voltage band (inactive until the limit
        state is switched on at the instrument)."""
        low, high = envelope.voltage_v
        limits = self.tripping_current_limit(envelope)
        limits["voltage_limit_low_v"] = self.setting(VOLTAGE_LIMIT_LOW, low, VOLT_DECIMALS, VOLT_TOLERANCE)
        limits["voltage_limit_high_v"] = self.setting(VOLTAGE_LIMIT_HIGH, high, VOLT_DECIMALS, VOLT_TOLERANCE)
        return limits


def open_driver(spec: DriverSpec) -> KeysightAc6900:
    return open_grid(spec, KeysightAc6900)
