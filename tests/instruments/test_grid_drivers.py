"""Grid-simulator drivers against pyvisa-sim devices: the exact SCPI strings each capability method sends.

The simulated devices (tests/instruments/sim/*.yaml) only know the commands the vendor sections of the drivers
confirm; anything else lands in their error queue, so a misspelt header surfaces as ScpiError here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from instruments.envelope import SafetyEnvelope
from instruments.errors import InstrumentError, ScpiError, UnsupportedByDriver
from instruments.registry import DriverSpec, open_instrument
from tests.instruments.bench_helpers import sim_resource

CHECKED = ["*OPC?", "SYST:ERR?"]  # what follows every setting: wait for completion, drain the error queue
ENVELOPE = SafetyEnvelope(
    voltage_v=(184.0, 253.0),
    frequency_hz=(47.0, 52.0),
    current_a=32.0,
    power_w=11000.0,
    voltage_slew_v_per_s=10.0,
    frequency_slew_hz_per_s=2.0,
)
SIM_FILES = {
    "chroma-61800": "chroma_61800",
    "chroma-61845": "chroma_61800",
    "keysight-ac6900": "keysight_ac6900",
    "ametek-ci": "ametek_ci",
}


class Opened:
    """A driver on its simulated device plus the journal lines it produced since `clear()`."""

    def __init__(self, driver_name: str, **options: Any) -> None:
        self.lines: list[tuple[str, str]] = []
        resource, backend = sim_resource(SIM_FILES[driver_name])
        spec = DriverSpec(
            role="grid",
            driver=driver_name,
            resource=resource,
            name="grid",
            backend=backend,
            options=options,
            journal=lambda _name, direction, text: self.lines.append((direction, text)),
        )
        self.driver = open_instrument(spec)

    def sent(self) -> list[str]:
        return [text for direction, text in self.lines if direction == "tx"]

    def clear(self) -> None:
        self.lines.clear()


@pytest.fixture
def opened() -> Iterator[Callable[..., Opened]]:
    made: list[Opened] = []

    def make(driver_name: str, **options: Any) -> Opened:
        made.append(Opened(driver_name, **options))
        made[-1].clear()
        return made[-1]

    yield make
    for item in made:
        item.driver.close()


@pytest.mark.parametrize("driver_name", sorted(SIM_FILES))
def test_open_clears_status_and_identifies(driver_name: str) -> None:
    item = Opened(driver_name)
    try:
        assert item.sent() == ["*CLS", "*OPC?"]
        assert item.driver.identify().serial == "SIM-0001"
        assert item.driver.phases() == 3
    finally:
        item.driver.close()


CASES: list[tuple[str, str, Callable[[Any], object], list[str]]] = [
    # Chroma 61800 / 61845
    ("chroma-61800", "voltage", lambda d: d.set_voltage(230.0),
     ["SOUR:VOLT:LEV:IMM:AMPL:AC 230.00", *CHECKED, "SOUR:VOLT:LEV:IMM:AMPL:AC?"]),
    ("chroma-61800", "frequency", lambda d: d.set_frequency(50.5), ["SOUR:FREQ 50.500", *CHECKED, "SOUR:FREQ?"]),
    ("chroma-61845", "current limit", lambda d: d.set_current_limit(16),
     ["SOUR:CURR:LIM 16.00", *CHECKED, "SOUR:CURR:LIM?"]),
    ("chroma-61800", "voltage slew", lambda d: d.set_voltage_slew(10.0),
     ["OUTP:SLEW:VOLT:AC 0.0100", *CHECKED, "OUTP:SLEW:VOLT:AC?"]),
    ("chroma-61800", "frequency slew", lambda d: d.set_frequency_slew(2.0),
     ["OUTP:SLEW:FREQ 0.0020", *CHECKED, "OUTP:SLEW:FREQ?"]),
    ("chroma-61800", "output on", lambda d: d.output(True),
     ["OUTP:RELAY ON", *CHECKED, "OUTP:RELAY?", "OUTP:STAT ON", *CHECKED, "OUTP:STAT?"]),
    ("chroma-61800", "output off", lambda d: d.output(False),
     ["OUTP:STAT OFF", *CHECKED, "OUTP:STAT?", "OUTP:RELAY OFF", *CHECKED, "OUTP:RELAY?"]),
    ("chroma-61800", "output state", lambda d: d.output_state(), ["OUTP:STAT?"]),
    ("chroma-61800", "read voltage", lambda d: d.read_voltage(), ["FETC:VOLT:ACDC?"]),
    ("chroma-61800", "read frequency", lambda d: d.read_frequency(), ["FETC:FREQ?"]),
    ("chroma-61800", "protection", lambda d: d.configure_protection(ENVELOPE),
     ["SOUR:CURR:LIM 32.00", *CHECKED, "SOUR:CURR:LIM?",
      "OUTP:SLEW:VOLT:AC 0.0100", *CHECKED, "OUTP:SLEW:VOLT:AC?",
      "OUTP:SLEW:FREQ 0.0020", *CHECKED, "OUTP:SLEW:FREQ?"]),
    # Keysight AC6800 / AC6900
    ("keysight-ac6900", "voltage", lambda d: d.set_voltage(230.0), ["SOUR:VOLT 230.00", *CHECKED, "SOUR:VOLT?"]),
    ("keysight-ac6900", "frequency", lambda d: d.set_frequency(50.5), ["SOUR:FREQ 50.500", *CHECKED, "SOUR:FREQ?"]),
    ("keysight-ac6900", "current limit", lambda d: d.set_current_limit(16), ["CURR 16.00", *CHECKED, "CURR?"]),
    ("keysight-ac6900", "output on", lambda d: d.output(True), ["OUTP ON", *CHECKED, "OUTP?"]),
    ("keysight-ac6900", "read voltage", lambda d: d.read_voltage(), ["MEAS:VOLT:AC?"]),
    ("keysight-ac6900", "read frequency", lambda d: d.read_frequency(), ["MEAS:FREQ?"]),
    ("keysight-ac6900", "protection", lambda d: d.configure_protection(ENVELOPE),
     ["CURR 32.00", *CHECKED, "CURR?", "CURR:PROT:STAT ON", *CHECKED, "CURR:PROT:STAT?",
      "VOLT:LIM:LOW 184.00", *CHECKED, "VOLT:LIM:LOW?", "VOLT:LIM:UPP 253.00", *CHECKED, "VOLT:LIM:UPP?"]),
    # Ametek / California Instruments
    ("ametek-ci", "voltage", lambda d: d.set_voltage(230.0),
     ["INST:COUP ALL", *CHECKED, "VOLT:AC 230.00", *CHECKED, "VOLT:AC?"]),
    ("ametek-ci", "frequency", lambda d: d.set_frequency(50.5), ["FREQ 50.500", *CHECKED, "FREQ?"]),
    ("ametek-ci", "phase angle", lambda d: d.set_phase_angle(2, -120.0),
     ["INST:NSEL 2", *CHECKED, "PHAS -120.0", *CHECKED, "PHAS?"]),
    ("ametek-ci", "current limit", lambda d: d.set_current_limit(16), ["CURR 16.00", *CHECKED, "CURR?"]),
    ("ametek-ci", "output on", lambda d: d.output(True), ["OUTP ON", *CHECKED, "OUTP?"]),
    ("ametek-ci", "read voltage", lambda d: d.read_voltage(), ["INST:NSEL 1", *CHECKED, "FETC:VOLT:AC?"]),
    ("ametek-ci", "read frequency", lambda d: d.read_frequency(), ["FETC:FREQ?"]),
    ("ametek-ci", "protection", lambda d: d.configure_protection(ENVELOPE),
     ["CURR 32.00", *CHECKED, "CURR?", "CURR:PROT:STAT ON", *CHECKED, "CURR:PROT:STAT?"]),
]  # fmt: skip


@pytest.mark.parametrize(("driver_name", "what", "call", "expected"), CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_sends_exactly(
    opened: Callable[..., Opened], driver_name: str, what: str, call: Callable[[Any], object], expected: list[str]
) -> None:
    item = opened(driver_name)
    call(item.driver)
    assert item.sent() == expected


@pytest.mark.parametrize(
    ("driver_name", "expected"),
    [
        ("chroma-61800", ["OUTP:STAT OFF", *CHECKED, "OUTP:STAT?", "OUTP:RELAY OFF", *CHECKED, "OUTP:RELAY?"]),
        ("keysight-ac6900", ["OUTP OFF", *CHECKED, "OUTP?"]),
        ("ametek-ci", ["OUTP OFF", *CHECKED, "OUTP?"]),
    ],
)
def test_safe_state_switches_the_output_off_and_opens_the_relay(
    opened: Callable[..., Opened], driver_name: str, expected: list[str]
) -> None:
    item = opened(driver_name)
    item.driver.output(True)
    item.clear()
    item.driver.safe_state()
    assert item.sent() == expected
    assert item.driver.output_state() is False


def test_safe_state_opens_the_relay_even_when_output_off_fails(opened: Callable[..., Opened]) -> None:
    item = opened("chroma-61800")
    driver = item.driver
    real_command = driver.command

    def failing(command: str) -> None:
        if command == "OUTP:STAT OFF":
            raise ScpiError(driver.name, command, ['-221,"Settings conflict"'])
        real_command(command)

    driver.command = failing
    with pytest.raises(ScpiError, match="OUTP:STAT OFF"):
        driver.safe_state()
    assert item.sent()[-4:] == ["OUTP:RELAY OFF", *CHECKED, "OUTP:RELAY?"]


def test_read_backs_are_parsed(opened: Callable[..., Opened]) -> None:
    chroma, keysight = opened("chroma-61800"), opened("keysight-ac6900")
    assert chroma.driver.read_voltage() == pytest.approx(230.1)
    assert chroma.driver.read_frequency() == pytest.approx(50.001)
    assert keysight.driver.read_voltage() == pytest.approx(230.1)  # NR3: +2.30100E+02
    assert chroma.driver.configure_protection(ENVELOPE) == pytest.approx(
        {"current_limit_a": 32.0, "voltage_slew_v_per_s": 10.0, "frequency_slew_hz_per_s": 2.0}
    )


def test_chroma_slew_unit_option_sends_per_second(opened: Callable[..., Opened]) -> None:
    item = opened("chroma-61800", slew_unit="s")
    item.driver.set_frequency_slew(2.0)
    assert item.sent() == ["OUTP:SLEW:FREQ 2.0000", *CHECKED, "OUTP:SLEW:FREQ?"]


def test_single_phase_ametek_needs_no_coupling(opened: Callable[..., Opened]) -> None:
    item = opened("ametek-ci", phases=1)
    item.driver.set_voltage(230.0, phase=1)
    assert item.sent() == ["VOLT:AC 230.00", *CHECKED, "VOLT:AC?"]


@pytest.mark.parametrize("driver_name", ["chroma-61800", "keysight-ac6900", "ametek-ci"])
def test_unknown_command_surfaces_as_scpi_error(opened: Callable[..., Opened], driver_name: str) -> None:
    item = opened(driver_name)
    with pytest.raises(ScpiError) as caught:
        item.driver.command("SOUR:FREQUENCY:BOGUS 50")
    assert caught.value.errors[0].startswith("-113")


@pytest.mark.parametrize("driver_name", ["chroma-61800", "keysight-ac6900", "ametek-ci"])
def test_value_the_instrument_refuses_surfaces_as_scpi_error(opened: Callable[..., Opened], driver_name: str) -> None:
    item = opened(driver_name)
    with pytest.raises(ScpiError):
        item.driver.set_frequency(2000.0)
    assert item.sent()[-1] == "SYST:ERR?"  # raised after the drain, before any read-back


@pytest.mark.parametrize(
    ("driver_name", "call"),
    [
        ("chroma-61800", lambda d: d.set_phase_angle(2, -120.0)),
        ("chroma-61800", lambda d: d.set_voltage(230.0, phase=2)),
        ("keysight-ac6900", lambda d: d.set_phase_angle(2, -120.0)),
        ("keysight-ac6900", lambda d: d.set_voltage(230.0, phase=2)),
        ("keysight-ac6900", lambda d: d.set_voltage_slew(10.0)),
        ("keysight-ac6900", lambda d: d.set_frequency_slew(2.0)),
        ("ametek-ci", lambda d: d.set_voltage(230.0, phase=2)),
        ("ametek-ci", lambda d: d.set_voltage_slew(10.0)),
        ("ametek-ci", lambda d: d.set_frequency_slew(2.0)),
    ],
)
def test_unconfirmed_commands_are_refused_before_sending(
    opened: Callable[..., Opened], driver_name: str, call: Callable[[Any], object]
) -> None:
    item = opened(driver_name)
    with pytest.raises(UnsupportedByDriver, match="not at hand"):
        call(item.driver)
    assert item.sent() == []


def test_bad_phase_and_options_are_caller_errors(opened: Callable[..., Opened]) -> None:
    item = opened("ametek-ci")
    with pytest.raises(ValueError, match=r"phase must be 1\.\.3"):
        item.driver.set_phase_angle(4, 0.0)
    with pytest.raises(ValueError, match="phases"):
        opened("ametek-ci", phases=2)
    with pytest.raises(ValueError, match="slew_unit"):
        opened("chroma-61800", slew_unit="min")


def test_on_off_reply_that_is_neither_is_an_instrument_error() -> None:
    from instruments.drivers.grid.common import parse_state

    assert parse_state("grid", "OUTP?", "+1") is True
    assert parse_state("grid", "OUTP?", "OFF") is False
    with pytest.raises(InstrumentError, match="not an on/off state"):
        parse_state("grid", "OUTP?", "2")
