"""The virtual DC source: the SCPI-99 dialect of the `scpi-dc-source` driver, acting on the plant's DC output.

Over-voltage protection behaves like a real unit's: a voltage setpoint above the OVP level (or an OVP level set
below the present setpoint) switches the output off and latches until `OUTP:PROT:CLE`. Over-current protection
trips the same way when the load current (`load_current_a`, set by tests or the station model) exceeds it.
The sink limit answers to `SINK:CURR`, one of several vendor spellings the driver can be told to use.
"""

from __future__ import annotations

import math

from harness.virtual.bench.scpi_server import Behaviour, ScpiDevice, ScpiExecutionError
from harness.virtual.plant import DcOutput, Plant

MAX_VOLTAGE_V = 1000.0
MAX_CURRENT_A = 500.0


def _value(arguments: list[str], low: float, high: float) -> float:
    """The single numeric argument, or -222 (data out of range) / -224 (illegal parameter value)."""
    if len(arguments) != 1:
        raise ScpiExecutionError(-109, "Missing parameter" if not arguments else "Parameter not allowed")
    try:
        value = float(arguments[0])
    except ValueError:
        raise ScpiExecutionError(-224, "Illegal parameter value") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ScpiExecutionError(-222, "Data out of range")
    return value


def _switch(arguments: list[str]) -> bool:
    word = arguments[0].strip().upper() if len(arguments) == 1 else ""
    if word in ("1", "ON"):
        return True
    if word in ("0", "OFF"):
        return False
    raise ScpiExecutionError(-224, "Illegal parameter value")


class VirtualDcSource(ScpiDevice):
    """A bidirectional DC source on `plant.dc` with OVP/OCP that latch the output off."""

    identity = "OpenV2G Lab,Virtual DC source,VDC-0001,1.0"

    def __init__(self, name: str, plant: Plant, behaviour: Behaviour | None = None) -> None:
        super().__init__(name, behaviour)
        self.plant = plant
        self.ovp_v = MAX_VOLTAGE_V
        self.ocp_a = MAX_CURRENT_A
        self.tripped = ""  # "", "OV" or "OC": the latched protection
        self.load_current_a = 0.0  # what the load would draw; >0 sourcing, <0 sinking
        self.add("[SOURce]:VOLTage[:LEVel][:IMMediate][:AMPLitude]", self._set_voltage)
        self.add("[SOURce]:VOLTage[:LEVel][:IMMediate][:AMPLitude]?", lambda a, s: _fmt(self.dc.voltage_set_v))
        self.add("[SOURce]:CURRent[:LEVel][:IMMediate][:AMPLitude]", self._set_current)
        self.add("[SOURce]:CURRent[:LEVel][:IMMediate][:AMPLitude]?", lambda a, s: _fmt(self.dc.current_limit_a))
        self.add("SINK:CURRent[:LEVel]", self._set_sink)
        self.add("SINK:CURRent[:LEVel]?", lambda a, s: _fmt(self.dc.sink_limit_a))
        self.add("[SOURce]:VOLTage:PROTection[:LEVel]", self._set_ovp)
        self.add("[SOURce]:VOLTage:PROTection[:LEVel]?", lambda a, s: _fmt(self.ovp_v))
        self.add("[SOURce]:CURRent:PROTection[:LEVel]", self._set_ocp)
        self.add("[SOURce]:CURRent:PROTection[:LEVel]?", lambda a, s: _fmt(self.ocp_a))
        self.add("OUTPut[:STATe]", self._set_output)
        self.add("OUTPut[:STATe]?", lambda a, s: "1" if self.dc.output_on else "0")
        self.add("OUTPut:PROTection:CLEar", self._clear_protection)
        self.add("[SOURce]:VOLTage:PROTection:TRIPped?", lambda a, s: "1" if self.tripped == "OV" else "0")
        self.add("[SOURce]:CURRent:PROTection:TRIPped?", lambda a, s: "1" if self.tripped == "OC" else "0")
        self.add("MEASure[:SCALar]:VOLTage[:DC]?", lambda a, s: _fmt(self.dc.voltage_v))
        self.add("MEASure[:SCALar]:CURRent[:DC]?", lambda a, s: _fmt(self.current_a()))

    @property
    def dc(self) -> DcOutput:
        return self.plant.dc

    def reset(self) -> None:
        """`*RST`: output off, setpoints 0, protection at full range and cleared."""
        # In place: the station model may hold this very DcOutput.
        self.dc.output_on, self.dc.voltage_set_v, self.dc.current_limit_a, self.dc.sink_limit_a = False, 0.0, 0.0, 0.0
        self.ovp_v, self.ocp_a, self.tripped = MAX_VOLTAGE_V, MAX_CURRENT_A, ""

    def output_state(self) -> dict[str, object]:
        return {
            "output": self.dc.output_on,
            "voltage_set_v": self.dc.voltage_set_v,
            "current_limit_a": self.dc.current_limit_a,
            "sink_limit_a": self.dc.sink_limit_a,
            "ovp_v": self.ovp_v,
            "ocp_a": self.ocp_a,
            "tripped": self.tripped,
        }

    def current_a(self) -> float:
        """The current flowing: the load's demand within the source and sink limits; nothing with the output off."""
        if not self.dc.output_on:
            return 0.0
        return max(-self.dc.sink_limit_a, min(self.load_current_a, self.dc.current_limit_a))

    def check_protection(self) -> None:
        """Trip (output off, latched) when the setpoint exceeds OVP or the current exceeds OCP."""
        if self.dc.voltage_set_v > self.ovp_v:
            self._trip("OV")
        elif abs(self.current_a()) > self.ocp_a:
            self._trip("OC")

    def _trip(self, kind: str) -> None:
        if self.dc.output_on:
            self.dc.output_on = False
            self.tripped = kind

    # ------------------------------------------------------------ handlers

    def _set_voltage(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        self.dc.voltage_set_v = _value(arguments, 0.0, MAX_VOLTAGE_V)
        self.check_protection()

    def _set_current(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        self.dc.current_limit_a = _value(arguments, 0.0, MAX_CURRENT_A)
        self.check_protection()

    def _set_sink(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        self.dc.sink_limit_a = _value(arguments, 0.0, MAX_CURRENT_A)
        self.check_protection()

    def _set_ovp(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        self.ovp_v = _value(arguments, 0.0, MAX_VOLTAGE_V * 1.1)
        self.check_protection()

    def _set_ocp(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        self.ocp_a = _value(arguments, 0.0, MAX_CURRENT_A * 1.1)
        self.check_protection()

    def _set_output(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        on = _switch(arguments)
        if on and self.tripped:
            raise ScpiExecutionError(-221, f"Settings conflict; {self.tripped} protection tripped")
        if on and self.dc.voltage_set_v > self.ovp_v:
            raise ScpiExecutionError(-221, "Settings conflict; voltage above OVP")
        self.dc.output_on = on
        self.check_protection()

    def _clear_protection(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        self.tripped = ""


def _fmt(value: float) -> str:
    return f"{value:.3f}"


DC_SOURCE_DEVICES: dict[str, type[VirtualDcSource]] = {"scpi-dc-source": VirtualDcSource}
