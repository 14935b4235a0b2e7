"""The bench's safety envelope: every setpoint is checked here before a single byte goes to an instrument."""

from __future__ import annotations

from dataclasses import dataclass

from instruments.errors import EnvelopeViolation


@dataclass(frozen=True)
class SafetyEnvelope:
    """Limits of one bench. Voltages are AC RMS line to neutral unless named dc_."""

    voltage_v: tuple[float, float]
    frequency_hz: tuple[float, float]
    current_a: float
    power_w: float
    voltage_slew_v_per_s: float
    frequency_slew_hz_per_s: float
    dc_voltage_v: float = 0.0
    dc_current_a: float = 0.0
    nominal_voltage_v: float = 230.0
    nominal_frequency_hz: float = 50.0

    def check_voltage(self, volts: float) -> None:
        self._within("AC voltage", volts, self.voltage_v, "V")

    def check_frequency(self, hertz: float) -> None:
        self._within("frequency", hertz, self.frequency_hz, "Hz")

    def check_current(self, amps: float) -> None:
        self._within("AC current limit", amps, (0.0, self.current_a), "A")

    def check_power(self, watts: float) -> None:
        self._within("power", abs(watts), (0.0, self.power_w), "W")

    def check_voltage_slew(self, volts_per_s: float) -> None:
        self._within("voltage slew rate", volts_per_s, (0.0, self.voltage_slew_v_per_s), "V/s", low_open=True)

    def check_frequency_slew(self, hertz_per_s: float) -> None:
        self._within("frequency slew rate", hertz_per_s, (0.0, self.frequency_slew_hz_per_s), "Hz/s", low_open=True)

    def check_dc_voltage(self, volts: float) -> None:
        self._within("DC voltage", volts, (0.0, self.dc_voltage_v), "V")

    def check_dc_current(self, amps: float) -> None:
        self._within("DC current limit", amps, (0.0, self.dc_current_a), "A")

    def check_phase_angle(self, degrees: float) -> None:
        self._within("phase angle", degrees, (-360.0, 360.0), "°")

    @staticmethod
    def _within(what: str, value: float, bounds: tuple[float, float], unit: str, *, low_open: bool = False) -> None:
        low, high = bounds
        if value != value:  # NaN compares false both ways and would slip through
            raise EnvelopeViolation(f"{what} is not a number; refused")
        too_low = value <= low if low_open else value < low
        if too_low or value > high:
            lower = f"above {low:g}" if low_open else f"{low:g}"
            raise EnvelopeViolation(
                f"{what} {value:g} {unit} is outside the bench's safety envelope ({lower} to {high:g} {unit}); refused"
            )

    def describe(self) -> list[str]:
        """The envelope as lines for `harness lab check` and the run record."""
        return [
            f"AC voltage      {self.voltage_v[0]:g} to {self.voltage_v[1]:g} V (nominal {self.nominal_voltage_v:g} V)",
            f"frequency       {self.frequency_hz[0]:g} to {self.frequency_hz[1]:g} Hz "
            f"(nominal {self.nominal_frequency_hz:g} Hz)",
            f"AC current      ≤ {self.current_a:g} A",
            f"power           ≤ {self.power_w:g} W",
            f"dV/dt           ≤ {self.voltage_slew_v_per_s:g} V/s",
            f"df/dt           ≤ {self.frequency_slew_hz_per_s:g} Hz/s",
            f"DC voltage      ≤ {self.dc_voltage_v:g} V",
            f"DC current      ≤ {self.dc_current_a:g} A",
        ]
