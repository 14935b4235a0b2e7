"""Virtual grid simulators: one SCPI dialect per vendor driver, all driving the plant's GridOutput.

Each class answers the commands its driver in instruments/drivers/grid sends, checks values the way an instrument
does (out of range: -222 "Data out of range" in the error queue, nothing applied), and reports as measurements
what the plant's grid actually outputs, so slew rates show up in the read-backs. The plant applies the slews.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

from harness.virtual.bench.scpi_server import Behaviour, ScpiDevice, ScpiExecutionError
from harness.virtual.plant import DEFAULT_PHASE_ANGLES, NOMINAL_FREQUENCY_HZ, NOMINAL_VOLTAGE_V, PHASES, Plant

VOLTAGE_RANGE_V = (0.0, 350.0)
FREQUENCY_RANGE_HZ = (15.0, 1000.0)
CURRENT_RANGE_A = (0.0, 200.0)
PHASE_RANGE_DEG = (-360.0, 360.0)
SLEW_MAX_PER_S = 1.0e6  # slews must be above zero (zero would freeze the output) and at most this
DEFAULT_CURRENT_LIMIT_A = 32.0
SCPI_INFINITY = "9.9E+37"  # SCPI's INFinity, what a slew query answers before any slew was set


def number(arguments: list[str], bounds: tuple[float, float], *, low_open: bool = False) -> float:
    """The single numeric argument of a setting, within `bounds`; SCPI errors otherwise."""
    if not arguments:
        raise ScpiExecutionError(-109, "Missing parameter")
    if len(arguments) > 1:
        raise ScpiExecutionError(-108, "Parameter not allowed")
    try:
        value = float(arguments[0])
    except ValueError:
        raise ScpiExecutionError(-104, "Data type error") from None
    low, high = bounds
    too_low = value <= low if low_open else value < low
    if not math.isfinite(value) or too_low or value > high:
        raise ScpiExecutionError(-222, "Data out of range")
    return value


def boolean(arguments: list[str]) -> bool:
    if not arguments:
        raise ScpiExecutionError(-109, "Missing parameter")
    if len(arguments) > 1:
        raise ScpiExecutionError(-108, "Parameter not allowed")
    text = arguments[0].strip().upper()
    if text in ("ON", "1"):
        return True
    if text in ("OFF", "0"):
        return False
    raise ScpiExecutionError(-224, "Illegal parameter value")


def flag(value: bool) -> str:
    return "1" if value else "0"


class VirtualGrid(ScpiDevice, ABC):
    """What every dialect shares: the plant, output switching, measurements, *RST and the journal's view."""

    def __init__(self, name: str, plant: Plant, behaviour: Behaviour | None = None) -> None:
        super().__init__(name, behaviour)
        self.plant = plant
        self.output_enabled = False
        self.register()
        self.reset()

    @abstractmethod
    def register(self) -> None:
        """Fill the command table (each dialect)."""

    def reset(self) -> None:
        grid = self.plant.grid
        self.output_enabled = False
        grid.voltage_set_v = [NOMINAL_VOLTAGE_V] * PHASES
        grid.frequency_set_hz = NOMINAL_FREQUENCY_HZ
        grid.phase_angle_deg = list(DEFAULT_PHASE_ANGLES)
        grid.voltage_slew_v_per_s = math.inf
        grid.frequency_slew_hz_per_s = math.inf
        grid.current_limit_a = DEFAULT_CURRENT_LIMIT_A
        self.apply_output()

    def energised(self) -> bool:
        return self.output_enabled

    def apply_output(self) -> None:
        self.plant.grid.output_on = self.energised()

    def set_output(self, arguments: list[str]) -> None:
        self.output_enabled = boolean(arguments)
        self.apply_output()

    def set_all_voltages(self, arguments: list[str]) -> None:
        self.plant.grid.voltage_set_v = [number(arguments, VOLTAGE_RANGE_V)] * PHASES

    def set_frequency(self, arguments: list[str]) -> None:
        self.plant.grid.frequency_set_hz = number(arguments, FREQUENCY_RANGE_HZ)

    def set_current_limit(self, arguments: list[str]) -> None:
        self.plant.grid.current_limit_a = number(arguments, CURRENT_RANGE_A)

    def measured_voltage(self, phase: int = 1) -> float:
        """What the output terminals carry: the plant's actual (slewing) voltage, 0 V while off."""
        return self.plant.grid.voltage_v[phase - 1] if self.plant.grid.output_on else 0.0

    def measured_frequency(self) -> float:
        return self.plant.grid.frequency_hz if self.plant.grid.output_on else 0.0

    def output_state(self) -> dict[str, object]:
        grid = self.plant.grid
        return {
            "output": grid.output_on,
            "voltage_v": [round(v, 3) for v in grid.voltage_set_v],
            "frequency_hz": round(grid.frequency_set_hz, 4),
        }


class VirtualChroma61845(VirtualGrid):
    """Chroma 61800-series dialect: output state and output relay apart, slew rates per millisecond."""

    identity = "Chroma ATE,61845 (virtual),VIRTUAL-0001,1.00"

    def register(self) -> None:
        self.relay_closed = False
        voltage = "[SOURce]:VOLTage[:LEVel][:IMMediate][:AMPLitude]:AC"
        self.add_setting(voltage, self.set_all_voltages, lambda: f"{self.plant.grid.voltage_set_v[0]:.2f}")
        self.add_setting(
            "[SOURce]:FREQuency[:IMMediate]",
            self.set_frequency,
            lambda: f"{self.plant.grid.frequency_set_hz:.3f}",
        )
        self.add_setting(
            "[SOURce]:CURRent:LIMit",
            self.set_current_limit,
            lambda: f"{self.plant.grid.current_limit_a:.2f}",
        )
        self.add_setting("OUTPut[:STATe]", self.set_output, lambda: flag(self.output_enabled))
        self.add_setting("OUTPut:RELay", self.set_relay, lambda: flag(self.relay_closed))
        self.add_setting(
            "OUTPut:SLEW:VOLTage:AC",
            self.set_voltage_slew,
            lambda: self.per_ms(self.plant.grid.voltage_slew_v_per_s),
        )
        self.add_setting(
            "OUTPut:SLEW:FREQuency",
            self.set_frequency_slew,
            lambda: self.per_ms(self.plant.grid.frequency_slew_hz_per_s),
        )
        for verb in ("FETCh", "MEASure"):
            self.add(f"{verb}[:SCALar]:VOLTage:ACDC?", lambda a, s: f"{self.measured_voltage():.2f}")
            self.add(f"{verb}[:SCALar]:FREQuency?", lambda a, s: f"{self.measured_frequency():.3f}")

    def reset(self) -> None:
        self.relay_closed = False
        super().reset()

    def energised(self) -> bool:
        return self.output_enabled and self.relay_closed

    def set_relay(self, arguments: list[str]) -> None:
        self.relay_closed = boolean(arguments)
        self.apply_output()

    def set_voltage_slew(self, arguments: list[str]) -> None:
        self.plant.grid.voltage_slew_v_per_s = self.slew(arguments)

    def set_frequency_slew(self, arguments: list[str]) -> None:
        self.plant.grid.frequency_slew_hz_per_s = self.slew(arguments)

    @staticmethod
    def slew(arguments: list[str]) -> float:
        """A slew rate sent per millisecond, kept per second as the plant wants it."""
        return number(arguments, (0.0, SLEW_MAX_PER_S / 1000.0), low_open=True) * 1000.0

    @staticmethod
    def per_ms(per_s: float) -> str:
        return f"{per_s / 1000.0:.4f}" if math.isfinite(per_s) else SCPI_INFINITY

    def output_state(self) -> dict[str, object]:
        return {**super().output_state(), "relay": self.relay_closed}


class VirtualChroma61800(VirtualChroma61845):
    """The same dialect under the series' name (driver "chroma-61800")."""

    identity = "Chroma ATE,61800 series (virtual),VIRTUAL-0001,1.00"


class VirtualKeysightAc6900(VirtualGrid):
    """Keysight AC6800/AC6900 dialect: NR3 replies, over-current protection state, soft voltage limits."""

    identity = "Keysight Technologies,AC6906H (virtual),VIRTUAL-0001,A.01.00"

    def register(self) -> None:
        self.current_protection = False
        self.voltage_limits = list(VOLTAGE_RANGE_V)  # stored and reported; the limit state is off, as after *RST
        nr3 = "{:+.5E}".format
        voltage = "[SOURce]:VOLTage[:LEVel][:IMMediate][:AMPLitude]"
        self.add_setting(voltage, self.set_all_voltages, lambda: nr3(self.plant.grid.voltage_set_v[0]))
        self.add_setting(
            "[SOURce]:FREQuency[:IMMediate]",
            self.set_frequency,
            lambda: nr3(self.plant.grid.frequency_set_hz),
        )
        current = "[SOURce]:CURRent[:LEVel][:IMMediate][:AMPLitude]"
        self.add_setting(current, self.set_current_limit, lambda: nr3(self.plant.grid.current_limit_a))
        self.add_setting(
            "[SOURce]:CURRent:PROTection:STATe",
            lambda a: setattr(self, "current_protection", boolean(a)),
            lambda: flag(self.current_protection),
        )
        self.add_setting(
            "[SOURce]:VOLTage:LIMit:LOWer", lambda a: self.set_limit(0, a), lambda: nr3(self.voltage_limits[0])
        )
        self.add_setting(
            "[SOURce]:VOLTage:LIMit:UPPer", lambda a: self.set_limit(1, a), lambda: nr3(self.voltage_limits[1])
        )
        self.add_setting("OUTPut[:STATe]", self.set_output, lambda: flag(self.output_enabled))
        for verb in ("FETCh", "MEASure"):
            self.add(f"{verb}[:SCALar]:VOLTage:AC?", lambda a, s: nr3(self.measured_voltage()))
            self.add(f"{verb}[:SCALar]:FREQuency?", lambda a, s: nr3(self.measured_frequency()))

    def set_limit(self, index: int, arguments: list[str]) -> None:
        self.voltage_limits[index] = number(arguments, VOLTAGE_RANGE_V)


class VirtualAmetekCi(VirtualGrid):
    """Ametek / California Instruments dialect: phases coupled or selected one at a time with INST:NSEL."""

    identity = "AMETEK Programmable Power,MX45-3Pi (virtual),VIRTUAL-0001,4.20"

    def register(self) -> None:
        self.coupled = True
        self.selected = 1
        self.current_protection = False
        self.add_setting("INSTrument:COUPle", self.set_coupling, lambda: "ALL" if self.coupled else "NONE")
        self.add_setting(
            "INSTrument:NSELect", lambda a: setattr(self, "selected", self.phase(a)), lambda: str(self.selected)
        )
        voltage = "[SOURce]:VOLTage[:LEVel][:IMMediate][:AMPLitude][:AC]"
        self.add_setting(voltage, self.set_voltage, lambda: f"{self.plant.grid.voltage_set_v[self.selected - 1]:.2f}")
        self.add_setting(
            "[SOURce]:FREQuency[:IMMediate]",
            self.set_frequency,
            lambda: f"{self.plant.grid.frequency_set_hz:.3f}",
        )
        self.add_setting("[SOURce]:PHASe[:IMMediate]", self.set_phase_angle, lambda: f"{self.selected_angle():.1f}")
        current = "[SOURce]:CURRent[:LEVel][:IMMediate][:AMPLitude]"
        self.add_setting(current, self.set_current_limit, lambda: f"{self.plant.grid.current_limit_a:.2f}")
        self.add_setting(
            "[SOURce]:CURRent:PROTection:STATe",
            lambda a: setattr(self, "current_protection", boolean(a)),
            lambda: flag(self.current_protection),
        )
        self.add_setting("OUTPut[:STATe]", self.set_output, lambda: flag(self.output_enabled))
        for verb in ("FETCh", "MEASure"):
            self.add(f"{verb}[:SCALar]:VOLTage:AC?", lambda a, s: f"{self.measured_voltage(self.selected):.2f}")
            self.add(f"{verb}[:SCALar]:FREQuency?", lambda a, s: f"{self.measured_frequency():.3f}")

    def reset(self) -> None:
        self.coupled, self.selected, self.current_protection = True, 1, False
        super().reset()

    @staticmethod
    def phase(arguments: list[str]) -> int:
        value = number(arguments, (1.0, float(PHASES)))
        if value != int(value):
            raise ScpiExecutionError(-222, "Data out of range")
        return int(value)

    def set_coupling(self, arguments: list[str]) -> None:
        choice = arguments[0].strip().upper() if len(arguments) == 1 else ""
        if choice not in ("ALL", "NONE"):
            raise ScpiExecutionError(-224, "Illegal parameter value")
        self.coupled = choice == "ALL"

    def set_voltage(self, arguments: list[str]) -> None:
        if self.coupled:
            self.set_all_voltages(arguments)
        else:
            self.plant.grid.voltage_set_v[self.selected - 1] = number(arguments, VOLTAGE_RANGE_V)

    def selected_angle(self) -> float:
        return self.plant.grid.phase_angle_deg[self.selected - 1]

    def set_phase_angle(self, arguments: list[str]) -> None:
        self.plant.grid.phase_angle_deg[self.selected - 1] = number(arguments, PHASE_RANGE_DEG)


GRID_DEVICES: dict[str, type[VirtualGrid]] = {
    "chroma-61800": VirtualChroma61800,
    "chroma-61845": VirtualChroma61845,
    "keysight-ac6900": VirtualKeysightAc6900,
    "ametek-ci": VirtualAmetekCi,
}
