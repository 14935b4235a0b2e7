"""What the grid-simulator drivers share: options, fixed-point numbers, checked switches, opening, safe state.

Numbers go out in fixed-point notation with a fixed number of decimals per quantity, so the same call always
sends the same bytes (a journal can be compared line by line) and no instrument has to parse an exponent.
Read-backs are compared with the value as sent, within an allowance for the instrument's own resolution.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from instruments.envelope import SafetyEnvelope
from instruments.errors import InstrumentError, UnsupportedByDriver
from instruments.registry import DriverSpec
from instruments.scpi import ScpiInstrument, ScpiSession

# Decimals sent per quantity: 10 mV, 1 mHz (10x finer than the 10 mHz MRA of IEEE 1547.1), 10 mA, 0.1 degree.
VOLT_DECIMALS = 2
FREQ_DECIMALS = 3
CURR_DECIMALS = 2
PHASE_DECIMALS = 1

# How far a read-back may sit from the value sent: instruments store setpoints at their own resolution.
VOLT_TOLERANCE = 0.1
FREQ_TOLERANCE = 0.01
CURR_TOLERANCE = 0.1
PHASE_TOLERANCE = 0.5

_ON = frozenset({"1", "+1", "ON"})
_OFF = frozenset({"0", "+0", "OFF"})


def fixed(value: float, decimals: int) -> str:
    """`value` with exactly `decimals` decimals; never "-0.00", which some parsers refuse."""
    text = f"{value:.{decimals}f}"
    return f"{0.0:.{decimals}f}" if float(text) == 0.0 else text


def phases_option(options: Mapping[str, Any], default: int = 3) -> int:
    value = options.get("phases", default)
    if value not in (1, 3) or isinstance(value, bool):
        raise ValueError(f"option 'phases' must be 1 or 3, not {value!r}")
    return int(value)


def parse_state(name: str, query: str, reply: str) -> bool:
    """An on/off reply (`1`/`0` or `ON`/`OFF`) as a bool; anything else is an instrument problem."""
    text = reply.strip().upper()
    if text in _ON:
        return True
    if text in _OFF:
        return False
    raise InstrumentError(f"{name}: {query!r} answered {reply!r}, not an on/off state")


class GridDriver(ScpiInstrument):
    """A grid simulator driver: its phase count, the checked-setting helpers, and the behaviour most dialects share.

    A dialect names its headers in the class attributes and overrides only what it does differently; what a
    dialect cannot do (no verified command) raises UnsupportedByDriver citing `NOT_AT_HAND`.
    """

    VOLTAGE: str
    FREQUENCY: str
    CURRENT_LIMIT: str
    CURRENT_PROTECTION: str = ""
    OUTPUT: str
    MEASURED_VOLTAGE: str
    MEASURED_FREQUENCY: str
    NOT_AT_HAND: str

    def __init__(self, session: ScpiSession, phases: int = 3) -> None:
        super().__init__(session)
        self._phases = phases

    def phases(self) -> int:
        return self._phases

    def all_phases_only(self, phase: int | None) -> None:
        """Per-phase voltage needs a command no dialect here has verified: only all phases together."""
        if phase is not None:
            self.check_phase(phase)
            if self.phases() > 1:
                raise UnsupportedByDriver(f"{self.name}: per-phase voltage is not supported: {self.NOT_AT_HAND}")

    def set_voltage(self, volts: float, phase: int | None = None) -> None:
        self.all_phases_only(phase)
        self.setting(self.VOLTAGE, volts, VOLT_DECIMALS, VOLT_TOLERANCE)

    def set_frequency(self, hertz: float) -> None:
        self.setting(self.FREQUENCY, hertz, FREQ_DECIMALS, FREQ_TOLERANCE)

    def set_phase_angle(self, phase: int, degrees: float) -> None:
        self.check_phase(phase)
        raise UnsupportedByDriver(f"{self.name}: phase angles are not supported: {self.NOT_AT_HAND}")

    def set_voltage_slew(self, volts_per_s: float) -> None:
        raise UnsupportedByDriver(f"{self.name}: a voltage slew rate is not supported: {self.NOT_AT_HAND}")

    def set_frequency_slew(self, hertz_per_s: float) -> None:
        raise UnsupportedByDriver(f"{self.name}: a frequency slew rate is not supported: {self.NOT_AT_HAND}")

    def set_current_limit(self, amps: float) -> None:
        self.setting(self.CURRENT_LIMIT, amps, CURR_DECIMALS, CURR_TOLERANCE)

    def output(self, on: bool) -> None:
        self.switch(self.OUTPUT, on)

    def output_state(self) -> bool:
        return self.state(f"{self.OUTPUT}?")

    def read_voltage(self) -> float:
        return self.query_float(self.MEASURED_VOLTAGE)

    def read_frequency(self) -> float:
        return self.query_float(self.MEASURED_FREQUENCY)

    def safe_state(self) -> None:
        """Output off; dialects with a separately switched relay open it too."""
        self.run_all([lambda: self.switch(self.OUTPUT, False)])

    def tripping_current_limit(self, envelope: SafetyEnvelope) -> dict[str, float]:
        """The envelope's current as a limit that trips the output (protection on), not a fold-back; read back."""
        limits = {
            "current_limit_a": self.setting(self.CURRENT_LIMIT, envelope.current_a, CURR_DECIMALS, CURR_TOLERANCE)
        }
        self.switch(self.CURRENT_PROTECTION, True)
        limits["current_protection"] = 1.0
        return limits

    def check_phase(self, phase: int) -> None:
        if isinstance(phase, bool) or not isinstance(phase, int) or not 1 <= phase <= self._phases:
            raise ValueError(f"{self.name}: phase must be 1..{self._phases}, not {phase!r}")

    def setting(self, header: str, value: float, decimals: int, tolerance: float) -> float:
        """`<header> <value>`, then `<header>?` must hold the value sent."""
        text = fixed(value, decimals)
        return self.set_and_verify(f"{header} {text}", f"{header}?", float(text), tolerance)

    def switch(self, header: str, on: bool) -> None:
        """`<header> ON|OFF`, then `<header>?` must report the same state."""
        self.command(f"{header} {'ON' if on else 'OFF'}")
        if self.state(f"{header}?") != on:
            raise InstrumentError(f"{self.name}: {header} did not switch {'on' if on else 'off'}")

    def state(self, query: str) -> bool:
        return parse_state(self.name, query, self.query(query))

    def run_all(self, steps: list[Callable[[], None]]) -> None:
        """Try every step even when one fails (a safe state must get as far as it can); raise the first error."""
        first: InstrumentError | None = None
        for step in steps:
            try:
                step()
            except InstrumentError as exc:
                first = first or exc
        if first is not None:
            raise first


Driver = TypeVar("Driver", bound=GridDriver)


def open_grid(spec: DriverSpec, factory: Callable[[ScpiSession, int], Driver]) -> Driver:
    """Open the session, clear status left by earlier users (`*CLS`), and hand back the driver."""
    phases = phases_option(spec.options)
    session = ScpiSession(
        spec.label, spec.resource, backend=spec.backend, timeout_s=spec.timeout_s, journal=spec.journal
    )
    session.open()
    driver = factory(session, phases)
    try:
        driver.reset_status()
    except BaseException:
        session.close()
        raise
    return driver
