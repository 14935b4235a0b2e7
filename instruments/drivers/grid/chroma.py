"""Chroma 61800 / 61845 regenerative grid simulators (driver names "chroma-61800", "chroma-61845").

Where each command comes from:
- Settings `SOUR:VOLT:LEV:IMM:AMPL:AC`, `SOUR:FREQ`, `SOUR:CURR:LIM`, `OUTP:STAT`, `OUTP:RELAY`,
  `OUTP:SLEW:VOLT:AC`, `OUTP:SLEW:FREQ`: the project's instrument note (spec/gridcode-and-instruments.md).
- Read-backs are the same headers with `?`: every setting of Chroma's AC-source command dictionaries has that query
  form (61500/61600 user manuals, e.g. `[SOURce:]CURRent:LIMit?`); not checked against a 61800 manual.
- Measurements `FETC:VOLT:ACDC?` and `FETC:FREQ?`: Chroma 61600 manual, FETCh & MEASure sub-system. How a
  three-phase 61800 answers the voltage query was not at hand; the driver takes the first value (phase 1).
Missing, because no 61800 programming manual was at hand: per-phase voltage selection and phase angles (both raise
UnsupportedByDriver).

Slew rates: Chroma's AC-source manuals give the OUTP:SLEW headers per millisecond (V/ms, Hz/ms), not confirmed for
the 61800. The driver converts from the capability's per-second values; option `slew_unit` ("ms", default, or "s")
changes that. If the guess is wrong the instrument ramps 1000x slower than asked, never faster.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from instruments.drivers.grid.common import CURR_DECIMALS, CURR_TOLERANCE, GridDriver, open_grid
from instruments.envelope import SafetyEnvelope
from instruments.registry import DriverSpec
from instruments.scpi import ScpiSession

RELAY = "OUTP:RELAY"
VOLTAGE_SLEW = "OUTP:SLEW:VOLT:AC"
FREQUENCY_SLEW = "OUTP:SLEW:FREQ"

SLEW_DECIMALS = 4  # 0.0001 per ms = 0.1 per s
_SLEW_PER_S = {"ms": 1e-3, "s": 1.0}  # instrument slew unit -> factor from the capability's per-second value


def slew_unit_option(options: Mapping[str, Any]) -> str:
    value = options.get("slew_unit", "ms")
    if value not in _SLEW_PER_S:
        raise ValueError(f"option 'slew_unit' must be 'ms' or 's', not {value!r}")
    return str(value)


class Chroma61800(GridDriver):
    """Chroma 61800-series grid simulator: all phases set together, output relay switched with the output."""

    VOLTAGE = "SOUR:VOLT:LEV:IMM:AMPL:AC"
    FREQUENCY = "SOUR:FREQ"
    CURRENT_LIMIT = "SOUR:CURR:LIM"
    OUTPUT = "OUTP:STAT"
    MEASURED_VOLTAGE = "FETC:VOLT:ACDC?"
    MEASURED_FREQUENCY = "FETC:FREQ?"
    NOT_AT_HAND = "the Chroma 61800 programming manual was not at hand to confirm the command"

    def __init__(self, session: ScpiSession, phases: int = 3, slew_unit: str = "ms") -> None:
        super().__init__(session, phases)
        self._slew_factor = _SLEW_PER_S[slew_unit]

    def set_voltage_slew(self, volts_per_s: float) -> None:
        self._slew(VOLTAGE_SLEW, volts_per_s)

    def set_frequency_slew(self, hertz_per_s: float) -> None:
        self._slew(FREQUENCY_SLEW, hertz_per_s)

    def output(self, on: bool) -> None:
        # The relay connects the terminals: close it before energising, open it only once the output is off.
        if on:
            self.switch(RELAY, True)
            self.switch(self.OUTPUT, True)
        else:
            self.switch(self.OUTPUT, False)
            self.switch(RELAY, False)

    def configure_protection(self, envelope: SafetyEnvelope) -> dict[str, float]:
        """Current limit and both slew rates at the envelope's maxima, so no step can outrun dV/dt or df/dt."""
        return {
            "current_limit_a": self.setting(self.CURRENT_LIMIT, envelope.current_a, CURR_DECIMALS, CURR_TOLERANCE),
            "voltage_slew_v_per_s": self._slew(VOLTAGE_SLEW, envelope.voltage_slew_v_per_s),
            "frequency_slew_hz_per_s": self._slew(FREQUENCY_SLEW, envelope.frequency_slew_hz_per_s),
        }

    def safe_state(self) -> None:
        """Output off, then relay open; the relay is opened even when switching the output off failed."""
        self.run_all([lambda: self.switch(self.OUTPUT, False), lambda: self.switch(RELAY, False)])

    def _slew(self, header: str, per_s: float) -> float:
        """Send a per-second rate in the instrument's unit; return the read-back converted back to per second."""
        tolerance = max(10.0**-SLEW_DECIMALS, abs(per_s * self._slew_factor) * 0.01)
        held = self.setting(header, per_s * self._slew_factor, SLEW_DECIMALS, tolerance)
        return held / self._slew_factor


def open_driver(spec: DriverSpec) -> Chroma61800:
    slew_unit = slew_unit_option(spec.options)
    return open_grid(spec, lambda session, phases: Chroma61800(session, phases, slew_unit))
