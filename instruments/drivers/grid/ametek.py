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
    PHASE_DECIMALS,
    PHASE_TOLERANCE,
    VOLT_DECIMALS,
    VOLT_TOLERANCE,
    GridDriver,
    open_grid,
)
from instruments.envelope import SafetyEnvelope
from instruments.registry import DriverSpec

COUPLE_ALL = "INST:COUP ALL"
SELECT_PHASE = "INST:NSEL"
PHASE_ANGLE = "PHAS"


class AmetekCi(GridDriver):
    """Ametek / California Instruments source: phases coupled for voltage, selected one by one for phase angles.

    Its safe state is the shared one (output off): the source opens its output relay as part of switching off.
    """

    VOLTAGE = "VOLT:AC"
    FREQUENCY = "FREQ"
    CURRENT_LIMIT = "CURR"
    CURRENT_PROTECTION = "CURR:PROT:STAT"
    OUTPUT = "OUTP"
    MEASURED_VOLTAGE = "FETC:VOLT:AC?"
    MEASURED_FREQUENCY = "FETC:FREQ?"
    NOT_AT_HAND = "the Ametek / California Instruments programming manual was not at hand to confirm the command"

    def set_voltage(self, volts: float, phase: int | None = None) -> None:
        self.all_phases_only(phase)
        if self.phases() > 1:
            # Coupling makes the one voltage setting apply to every phase, whatever phase was selected last.
            self.command(COUPLE_ALL)
        self.setting(self.VOLTAGE, volts, VOLT_DECIMALS, VOLT_TOLERANCE)

    def set_phase_angle(self, phase: int, degrees: float) -> None:
        self.check_phase(phase)
        self._select(phase)
        self.setting(PHASE_ANGLE, degrees, PHASE_DECIMALS, PHASE_TOLERANCE)

    def read_voltage(self) -> float:
        """Phase 1 (L1-N): the voltage measurement answers for the selected phase only."""
        self._select(1)
        return self.query_float(self.MEASURED_VOLTAGE)

    def configure_protection(self, envelope: SafetyEnvelope) -> dict[str, float]:
        return self.tripping_current_limit(envelope)

    def _select(self, phase: int) -> None:
        if self.phases() > 1:
            self.command(f"{SELECT_PHASE} {phase}")


def open_driver(spec: DriverSpec) -> AmetekCi:
    return open_grid(spec, AmetekCi)
