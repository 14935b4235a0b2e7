"""A DC source (battery emulator side of a DC bench) that speaks plain SCPI-99 headers.

Commands: `SOUR:VOLT`, `SOUR:CURR`, `VOLT:PROT`, `CURR:PROT`, `OUTP ON|OFF`, and the queries `SOUR:VOLT?`,
`SOUR:CURR?`, `VOLT:PROT?`, `CURR:PROT?`, `OUTP?`, `MEAS:VOLT?`, `MEAS:CURR?`. Every setting goes through the
checked write (`*OPC?`, `SYST:ERR?`) and is read back. The sink (load) current limit has no common SCPI header,
so the lab file names it: `options.sink_current_command` (e.g. `SINK:CURR`), with `options.sink_current_negative`
for instruments that take that limit as a negative number.
"""

from __future__ import annotations

from instruments.envelope import SafetyEnvelope
from instruments.errors import InstrumentError, UnsupportedByDriver
from instruments.registry import DriverSpec
from instruments.scpi import ScpiInstrument, ScpiSession

_ON = {"1", "ON"}
_OFF = {"0", "OFF"}


def number(value: float) -> str:
    """A setpoint as sent: fixed point with three decimals (mV, mA), never an exponent."""
    return f"{value:.3f}"


def _tolerance(value: float) -> float:
    """How far a read-back may differ from the setpoint: the instrument rounds to its own resolution."""
    return max(0.01, abs(value) * 1e-3)


class GenericScpiDcSource(ScpiInstrument):
    """`DcSource` over SCPI-99 headers; protection limits come from the bench's envelope."""

    def __init__(
        self, session: ScpiSession, *, sink_current_command: str | None = None, sink_current_negative: bool = False
    ) -> None:
        super().__init__(session)
        self.sink_current_command = sink_current_command
        self.sink_current_negative = sink_current_negative
        self.envelope: SafetyEnvelope | None = None  # known once configure_protection ran

    # ------------------------------------------------------------ Instrument

    def safe_state(self) -> None:
        """Output off, then the voltage setpoint to 0 V; both are tried even if the first fails."""
        failures: list[InstrumentError] = []
        try:
            self.output(False)
        except InstrumentError as exc:
            failures.append(exc)
        try:
            self.set_voltage(0.0)
        except InstrumentError as exc:
            failures.append(exc)
        if failures:
            raise failures[0]

    # ------------------------------------------------------------ setpoints

    def set_voltage(self, volts: float) -> None:
        if self.envelope is not None:
            self.envelope.check_dc_voltage(volts)
        self.set_and_verify(f"SOUR:VOLT {number(volts)}", "SOUR:VOLT?", volts, _tolerance(volts))

    def set_current_limit(self, amps: float) -> None:
        if self.envelope is not None:
            self.envelope.check_dc_current(amps)
        self.set_and_verify(f"SOUR:CURR {number(amps)}", "SOUR:CURR?", amps, _tolerance(amps))

    def set_sink_current_limit(self, amps: float) -> None:
        header = self.sink_current_command
        if not header:
            raise UnsupportedByDriver(
                f"{self.name}: the sink current limit has no common SCPI command; name your instrument's "
                "header in the lab file as options.sink_current_command"
            )
        if self.envelope is not None:
            self.envelope.check_dc_current(amps)
        value = -abs(amps) if self.sink_current_negative else amps
        self.set_and_verify(f"{header} {number(value)}", f"{header}?", value, _tolerance(value))

    def output(self, on: bool) -> None:
        self.command("OUTP ON" if on else "OUTP OFF")
        if self.output_state() != on:
            state = "off" if on else "on"
            raise InstrumentError(f"{self.name}: the output is still {state} after 'OUTP {'ON' if on else 'OFF'}'")

    def output_state(self) -> bool:
        reply = self.query("OUTP?").strip().upper().lstrip("+")
        if reply in _ON:
            return True
        if reply in _OFF:
            return False
        raise InstrumentError(f"{self.name}: 'OUTP?' answered {reply!r}, expected 0/1 or OFF/ON")

    # ------------------------------------------------------------ readings

    def read_voltage(self) -> float:
        return self.query_float("MEAS:VOLT?")

    def read_current(self) -> float:
        return self.query_float("MEAS:CURR?")

    # ------------------------------------------------------------ protection

    def configure_protection(self, envelope: SafetyEnvelope) -> dict[str, float]:
        """OVP at the envelope's DC voltage, OCP at its DC current; returns both as read back."""
        if envelope.dc_voltage_v <= 0 or envelope.dc_current_a <= 0:
            raise InstrumentError(
                f"{self.name}: the bench envelope allows no DC output (dc_voltage_v {envelope.dc_voltage_v:g} V, "
                f"dc_current_a {envelope.dc_current_a:g} A); set both to use a DC source"
            )
        ovp = self.set_and_verify(
            f"VOLT:PROT {number(envelope.dc_voltage_v)}",
            "VOLT:PROT?",
            envelope.dc_voltage_v,
            _tolerance(envelope.dc_voltage_v),
        )
        ocp = self.set_and_verify(
            f"CURR:PROT {number(envelope.dc_current_a)}",
            "CURR:PROT?",
            envelope.dc_current_a,
            _tolerance(envelope.dc_current_a),
        )
        self.envelope = envelope
        return {"ovp_v": ovp, "ocp_a": ocp}


def open_driver(spec: DriverSpec) -> GenericScpiDcSource:
    """Registry factory for "scpi-dc-source": open the session, clear old status (`*CLS`), return the driver."""
    sink = spec.options.get("sink_current_command")
    if sink is not None and (not isinstance(sink, str) or not sink.strip() or any(c in sink for c in ";\n?")):
        raise InstrumentError(f"{spec.label}: options.sink_current_command must be one SCPI header, not {sink!r}")
    negative = spec.options.get("sink_current_negative", False)
    if not isinstance(negative, bool):
        raise InstrumentError(f"{spec.label}: options.sink_current_negative must be true or false")
    session = ScpiSession(
        spec.label, spec.resource, backend=spec.backend, timeout_s=spec.timeout_s, journal=spec.journal
    )
    session.open()
    driver = GenericScpiDcSource(
        session, sink_current_command=sink.strip() if sink else None, sink_current_negative=negative
    )
    try:
        driver.reset_status()
    except InstrumentError:
        driver.close()
        raise
    return driver
