"""Guards of the DC source, the EV emulator, the power analyser and the CAN bus."""

from __future__ import annotations

from instruments.capabilities import (
    CanBus,
    CanFrame,
    CpState,
    DcSource,
    Element,
    ElementReading,
    EnergyReading,
    EvEmulator,
    Identity,
    PowerAnalyzer,
)
from instruments.envelope import SafetyEnvelope
from instruments.errors import InstrumentError
from instruments.guard import Arming, SafeStateReport, Serialised, attempt

STALE_REPEATS = 3  # this many identical full readings in a row, with energy flowing, means a frozen analyser


class GuardedDcSource(Serialised):
    """A DcSource checked against the envelope's DC limits."""

    def __init__(self, driver: DcSource, envelope: SafetyEnvelope, arming: Arming) -> None:
        self.driver, self.envelope, self.arming = driver, envelope, arming
        self.name = driver.name
        super().__init__()

    def identify(self) -> Identity:
        with self._using():
            return self.driver.identify()

    def set_voltage(self, volts: float) -> None:
        self.envelope.check_dc_voltage(volts)
        with self._using():
            self.driver.set_voltage(volts)

    def set_current_limit(self, amps: float) -> None:
        self.envelope.check_dc_current(amps)
        with self._using():
            self.driver.set_current_limit(amps)

    def set_sink_current_limit(self, amps: float) -> None:
        self.envelope.check_dc_current(amps)
        with self._using():
            self.driver.set_sink_current_limit(amps)

    def output(self, on: bool) -> None:
        if on:
            self.arming.require(f"{self.name}: output on")
        with self._using():
            self.driver.output(on)

    def output_state(self) -> bool:
        with self._using():
            return self.driver.output_state()

    def read_voltage(self) -> float:
        with self._using():
            return self.driver.read_voltage()

    def read_current(self) -> float:
        with self._using():
            return self.driver.read_current()

    def protect(self) -> dict[str, float]:
        with self._using():
            return self.driver.configure_protection(self.envelope)

    def safe_state(self) -> SafeStateReport:
        report = SafeStateReport(self.name, [], [])
        with self._using():
            attempt(report, "output off, voltage 0", self.driver.safe_state)
        return report

    def _close_driver(self) -> None:
        self.driver.close()


class GuardedEvEmulator(Serialised):
    """An EvEmulator whose DC voltage is checked against the envelope."""

    def __init__(self, driver: EvEmulator, envelope: SafetyEnvelope) -> None:
        self.driver, self.envelope = driver, envelope
        self.name = driver.name
        super().__init__()

    def identify(self) -> Identity:
        with self._using():
            return self.driver.identify()

    def set_plugged(self, plugged: bool) -> None:
        with self._using():
            self.driver.set_plugged(plugged)

    def set_cp_state(self, state: CpState) -> None:
        with self._using():
            self.driver.set_cp_state(state)

    def cp_state(self) -> CpState:
        with self._using():
            return self.driver.cp_state()

    def pwm(self) -> tuple[float, float]:
        with self._using():
            return self.driver.pwm()

    def set_dc_voltage(self, volts: float) -> None:
        self.envelope.check_dc_voltage(volts)
        with self._using():
            self.driver.set_dc_voltage(volts)

    def protect(self) -> dict[str, float]:
        return {}

    def safe_state(self) -> SafeStateReport:
        report = SafeStateReport(self.name, [], [])
        with self._using():
            attempt(report, "CP state A, unplugged", self.driver.safe_state)
        return report

    def _close_driver(self) -> None:
        self.driver.close()


class GuardedAnalyzer(Serialised):
    """A PowerAnalyzer that refuses to pass on frozen readings: a stuck analyser is a lab error, not a verdict."""

    def __init__(self, driver: PowerAnalyzer) -> None:
        self.driver = driver
        self.name = driver.name
        super().__init__()
        self._last: dict[Element, tuple[ElementReading, int]] = {}

    def identify(self) -> Identity:
        with self._using():
            return self.driver.identify()

    def elements(self) -> int:
        return self.driver.elements()

    def measure(self, element: Element = "sigma") -> ElementReading:
        with self._using():
            reading = self.driver.measure(element)
        previous, repeats = self._last.get(element, (None, 0))
        repeats = repeats + 1 if reading == previous else 1
        self._last[element] = (reading, repeats)
        if repeats >= STALE_REPEATS and reading.voltage_v != 0.0:
            raise InstrumentError(
                f"{self.name}: {repeats} identical readings in a row from element {element}: the analyser is stale"
            )
        return reading

    def start_integration(self) -> None:
        with self._using():
            self.driver.start_integration()

    def stop_integration(self) -> None:
        with self._using():
            self.driver.stop_integration()

    def energy(self, element: Element = "sigma") -> EnergyReading:
        with self._using():
            return self.driver.energy(element)

    def protect(self) -> dict[str, float]:
        return {}

    def safe_state(self) -> SafeStateReport:
        report = SafeStateReport(self.name, [], [])
        with self._using():
            attempt(report, "integration stopped", self.driver.safe_state)
        return report

    def _close_driver(self) -> None:
        self.driver.close()


class GuardedCan(Serialised):
    """A CanBus behind the same lifecycle as the other instruments (a bus has no output to make safe)."""

    def __init__(self, driver: CanBus) -> None:
        self.driver = driver
        self.name = driver.name
        super().__init__()

    def identify(self) -> Identity:
        return Identity("CAN interface", self.name, "", "")

    def send(self, frame: CanFrame) -> None:
        with self._using():
            self.driver.send(frame)

    def receive(self, timeout_s: float) -> CanFrame | None:
        with self._using():
            return self.driver.receive(timeout_s)

    def send_message(self, message: str, signals: dict[str, float]) -> None:
        with self._using():
            self.driver.send_message(message, signals)

    def receive_message(self, message: str, timeout_s: float) -> dict[str, float] | None:
        with self._using():
            return self.driver.receive_message(message, timeout_s)

    def protect(self) -> dict[str, float]:
        return {}

    def safe_state(self) -> SafeStateReport:
        return SafeStateReport(self.name, ["nothing to make safe"], [])

    def _close_driver(self) -> None:
        self.driver.close()
