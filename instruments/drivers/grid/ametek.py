"""Ametek / California Instruments AC sources used as grid simulators (driver name "ametek-ci").

Where each command comes from:
- `INST:COUP ALL` then `VOLT:AC <v>`, `FREQ <f>`, and the measurements `FETC:VOLT:AC?`, `FETC:FREQ?`: the project's
  instrument note (spec/gridcode-and-instruments.md). The note writes the coupled voltage as one message
  (`INST:COUP ALL;:VOLT:AC`); the driver sends the two units separately so each one's errors are drained on its own.
- `INST:NSEL <n>` with `PHAS <deg>` / `PHAS?` (phase angle of the selected phase, not affected by coupling):
  Lx/Ls Series II programming manual, Source Subsystem - Phase.
- `CURR <a>` / `CURR?` (rms current limit) and `CURR:PROT:STAT ON` (trip instead of constant-current fold-back),
  `OUTP ON|OFF` / `OUTP?`, voltage measurements selected by `INST:NSEL`: Sequoia Series programming manual. The
  same manual says the output relay opens when the output is switched off (OUTP 0), so there is no relay step.
- Other read-backs are the setting header with `?` (Sequoia manual, "Query Indicator").
Missing, because the programming manual was not at hand for them: uncoupling the phases for a per-phase voltage
(the coupling-off parameter), voltage and frequency slew rates (all raise UnsupportedByDriver). `REG:STAT ON`
(regenerative mode, in the note) belongs to bench set-up, not to this capability.
"""

from __future__ import annotations

from instruments.drivers.grid.common import (
    CURR_DECIMALS,
    CURR_TOLERANCE,
    FREQ_DECIMALS,
    FREQ_TOLERANCE,
    PHASE_DECIMALS,
    PHASE_TOLERANCE,
    VOLT_DECIMALS,
    VOLT_TOLERANCE,
    GridDriver,
    open_grid,
)
from instruments.envelope import SafetyEnvelope
from instruments.errors import UnsupportedByDriver
from instruments.registry import DriverSpec

COUPLE_ALL = "INST:COUP ALL"
SELECT_PHASE = "INST:NSEL"
VOLTAGE = "VOLT:AC"
FREQUENCY = "FREQ"
PHASE_ANGLE = "PHAS"
CURRENT_LIMIT = "CURR"
CURRENT_PROTECTION = "CURR:PROT:STAT"
OUTPUT = "OUTP"
MEASURED_VOLTAGE = "FETC:VOLT:AC?"
MEASURED_FREQUENCY = "FETC:FREQ?"

_NOT_AT_HAND = "the Ametek / California Instruments programming manual was not at hand to confirm the command"


class AmetekCi(GridDriver):
    """Ametek / California Instruments source: phases coupled for voltage, selected one by one for phase angles."""

    def set_voltage(self, volts: float, phase: int | None = None) -> None:
        if phase is not None:
            self.check_phase(phase)
            if self.phases() > 1:
                raise UnsupportedByDriver(f"{self.name}: per-phase voltage is not supported: {_NOT_AT_HAND}")
        if self.phases() > 1:
            # Coupling makes the one voltage setting apply to every phase, whatever phase was selected last.
            self.command(COUPLE_ALL)
        self.setting(VOLTAGE, volts, VOLT_DECIMALS, VOLT_TOLERANCE)

    def set_frequency(self, hertz: float) -> None:
        self.setting(FREQUENCY, hertz, FREQ_DECIMALS, FREQ_TOLERANCE)

    def set_phase_angle(self, phase: int, degrees: float) -> None:
        self.check_phase(phase)
        self._select(phase)
        self.setting(PHASE_ANGLE, degrees, PHASE_DECIMALS, PHASE_TOLERANCE)

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
        """Phase 1 (L1-N): the voltage measurement answers for the selected phase only."""
        self._select(1)
        return self.query_float(MEASURED_VOLTAGE)

    def read_frequency(self) -> float:
        return self.query_float(MEASURED_FREQUENCY)

    def configure_protection(self, envelope: SafetyEnvelope) -> dict[str, float]:
        """Current limit at the envelope's maximum, tripping the output rather than folding the voltage back."""
        limits = {
            "current_limit_a": self.setting(CURRENT_LIMIT, envelope.current_a, CURR_DECIMALS, CURR_TOLERANCE),
        }
        self.switch(CURRENT_PROTECTION, True)
        limits["current_protection"] = 1.0
        return limits

    def safe_state(self) -> None:
        """Output off; the source opens its output relay as part of switching off."""
        self.run_all([lambda: self.switch(OUTPUT, False)])

    def _select(self, phase: int) -> None:
        if self.phases() > 1:
            self.command(f"{SELECT_PHASE} {phase}")


def open_driver(spec: DriverSpec) -> AmetekCi:
    return open_grid(spec, AmetekCi)
