"""What a test case may ask of an instrument: small protocols, no SCPI, no vendor names.

Sign convention everywhere: active power P is positive when the station imports from the grid (charging),
negative when it exports (discharging); Q is positive when the station absorbs reactive power (inductive).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from instruments.envelope import SafetyEnvelope

CpState = Literal["A", "B", "C", "D", "E", "F"]
Element = int | Literal["sigma"]


@dataclass(frozen=True)
class Identity:
    """The `*IDN?` answer split into its four fields (IEEE 488.2 §10.14)."""

    manufacturer: str
    model: str
    serial: str
    firmware: str

    @classmethod
    def parse(cls, idn: str) -> Identity:
        parts = [p.strip() for p in idn.strip().split(",")] + ["", "", "", ""]
        return cls(parts[0], parts[1], parts[2], parts[3])

    def __str__(self) -> str:
        fields = (("serial", self.serial), ("firmware", self.firmware))
        details = [f"{label} {value}" for label, value in fields if value]
        name = f"{self.manufacturer} {self.model}".strip()
        return f"{name} ({', '.join(details)})" if details else name


@dataclass(frozen=True)
class ElementReading:
    """One measuring element (a phase, or sigma for the sum) at one instant."""

    voltage_v: float
    current_a: float
    active_power_w: float
    reactive_power_var: float
    apparent_power_va: float
    power_factor: float
    frequency_hz: float
    voltage_thd_pct: float
    current_thd_pct: float


@dataclass(frozen=True)
class EnergyReading:
    """What the analyser's integrator accumulated since it was last reset."""

    import_wh: float
    export_wh: float
    elapsed_s: float

    @property
    def net_wh(self) -> float:
        return self.import_wh - self.export_wh


@dataclass(frozen=True)
class ProfilePoint:
    """One segment of a stepped or ramped grid profile: reach these values, then hold them."""

    hold_s: float
    voltage_v: float | None = None
    frequency_hz: float | None = None
    ramp: bool = False


class Instrument(Protocol):
    """What every driver offers: identity, its safe state, and closing the connection."""

    name: str

    def identify(self) -> Identity: ...

    def safe_state(self) -> object:
        """Bring the instrument to its explicit safe state (nominal values, output off, relay open)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class PowerAnalyzer(Instrument, Protocol):
    def elements(self) -> int: ...

    def measure(self, element: Element = "sigma") -> ElementReading: ...

    def start_integration(self) -> None:
        """Reset the energy integrator and start it."""
        ...

    def stop_integration(self) -> None: ...

    def energy(self, element: Element = "sigma") -> EnergyReading: ...


@runtime_checkable
class GridSimulator(Instrument, Protocol):
    def phases(self) -> int: ...

    def set_voltage(self, volts: float, phase: int | None = None) -> None:
        """AC RMS voltage, line to neutral; `phase=None` sets every phase."""
        ...

    def set_frequency(self, hertz: float) -> None: ...

    def set_phase_angle(self, phase: int, degrees: float) -> None: ...

    def set_voltage_slew(self, volts_per_s: float) -> None: ...

    def set_frequency_slew(self, hertz_per_s: float) -> None: ...

    def set_current_limit(self, amps: float) -> None: ...

    def output(self, on: bool) -> None: ...

    def output_state(self) -> bool: ...

    def read_voltage(self) -> float: ...

    def read_frequency(self) -> float: ...

    def configure_protection(self, envelope: SafetyEnvelope) -> dict[str, float]:
        """Set the instrument's own protection limits from the envelope; return them as read back."""
        ...


@runtime_checkable
class DcSource(Instrument, Protocol):
    def set_voltage(self, volts: float) -> None: ...

    def set_current_limit(self, amps: float) -> None:
        """Positive (sourcing) current limit."""
        ...

    def set_sink_current_limit(self, amps: float) -> None:
        """Current the unit may absorb when it acts as a load (bidirectional sources)."""
        ...

    def output(self, on: bool) -> None: ...

    def output_state(self) -> bool: ...

    def read_voltage(self) -> float: ...

    def read_current(self) -> float: ...

    def configure_protection(self, envelope: SafetyEnvelope) -> dict[str, float]:
        """Set the instrument's own protection limits from the envelope; return them as read back."""
        ...


@runtime_checkable
class EvEmulator(Instrument, Protocol):
    def set_plugged(self, plugged: bool) -> None:
        """Proximity: connect or disconnect the plug."""
        ...

    def set_cp_state(self, state: CpState) -> None: ...

    def cp_state(self) -> CpState: ...

    def pwm(self) -> tuple[float, float]:
        """The control-pilot PWM the station drives: (duty cycle in %, frequency in Hz)."""
        ...

    def set_dc_voltage(self, volts: float) -> None:
        """The battery voltage the emulated EV presents (DC charging)."""
        ...


@dataclass(frozen=True)
class CanFrame:
    arbitration_id: int
    data: bytes
    extended: bool = False
    timestamp: float = 0.0


@runtime_checkable
class CanBus(Protocol):
    name: str

    def send(self, frame: CanFrame) -> None: ...

    def receive(self, timeout_s: float) -> CanFrame | None: ...

    def send_message(self, message: str, signals: dict[str, float]) -> None:
        """Encode `signals` into the DBC message `message` and send it (needs a DBC)."""
        ...

    def receive_message(self, message: str, timeout_s: float) -> dict[str, float] | None:
        """The next frame of the DBC message `message`, decoded, or None after `timeout_s`."""
        ...

    def close(self) -> None: ...


def pwm_to_current_a(duty_pct: float) -> float | None:
    """IEC 61851-1 Annex A: the current a PWM duty cycle offers; None where the duty offers no AC current."""
    if 10.0 <= duty_pct <= 85.0:
        return duty_pct * 0.6
    if 85.0 < duty_pct <= 96.0:
        return (duty_pct - 64.0) * 2.5
    return None


def current_to_pwm_pct(amps: float) -> float:
    """The inverse of `pwm_to_current_a` for 6 A ≤ I ≤ 80 A."""
    if amps <= 51.0:
        return amps / 0.6
    return amps / 2.5 + 64.0
