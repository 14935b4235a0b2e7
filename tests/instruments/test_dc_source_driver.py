"""The generic SCPI DC source driver against a pyvisa-sim model: the exact strings it sends, and its refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from instruments.capabilities import DcSource, Identity
from instruments.drivers.dc.generic_scpi import GenericScpiDcSource
from instruments.envelope import SafetyEnvelope
from instruments.errors import EnvelopeViolation, InstrumentError, ScpiError, UnsupportedByDriver
from instruments.registry import DriverSpec, open_instrument
from tests.instruments.bench_helpers import sim_resource

CHECKED = ["*OPC?", "SYST:ERR?"]  # what follows every setting

Lines = list[tuple[str, str]]


def envelope(dc_voltage_v: float = 500.0, dc_current_a: float = 50.0) -> SafetyEnvelope:
    return SafetyEnvelope(
        voltage_v=(184.0, 276.0),
        frequency_hz=(45.0, 55.0),
        current_a=32.0,
        power_w=12000.0,
        voltage_slew_v_per_s=100.0,
        frequency_slew_hz_per_s=5.0,
        dc_voltage_v=dc_voltage_v,
        dc_current_a=dc_current_a,
    )


def open_source(lines: Lines, **options: Any) -> GenericScpiDcSource:
    resource, backend = sim_resource("scpi_dc_source")
    spec = DriverSpec(
        role="dc_source",
        driver="scpi-dc-source",
        resource=resource,
        name="dc",
        backend=backend,
        options=options,
        journal=lambda name, direction, text: lines.append((direction, text)),
    )
    driver = open_instrument(spec)
    assert isinstance(driver, GenericScpiDcSource)
    return driver


def sent(lines: Lines) -> list[str]:
    return [text for direction, text in lines if direction == "tx"]


@pytest.fixture
def lines() -> Lines:
    return []


@pytest.fixture
def source(lines: Lines) -> Iterator[GenericScpiDcSource]:
    driver = open_source(lines)
    lines.clear()
    yield driver
    driver.close()


def test_open_clears_status_and_satisfies_the_capability() -> None:
    lines: Lines = []
    driver = open_source(lines)
    try:
        assert sent(lines) == ["*CLS", "*OPC?"]
        assert isinstance(driver, DcSource)
        assert driver.name == "dc"
        assert driver.identify() == Identity("Sim Power", "DCS-1000", "SN0042", "2.1")
    finally:
        driver.close()


def test_set_voltage_sends_sour_volt_then_reads_it_back(source: GenericScpiDcSource, lines: Lines) -> None:
    source.set_voltage(400)
    assert sent(lines) == ["SOUR:VOLT 400.000", *CHECKED, "SOUR:VOLT?"]
    assert lines[-1] == ("rx", "400.000")


def test_set_current_limit_sends_sour_curr(source: GenericScpiDcSource, lines: Lines) -> None:
    source.set_current_limit(25.5)
    assert sent(lines) == ["SOUR:CURR 25.500", *CHECKED, "SOUR:CURR?"]


def test_output_on_and_off(source: GenericScpiDcSource, lines: Lines) -> None:
    source.output(True)
    assert sent(lines) == ["OUTP ON", *CHECKED, "OUTP?"]
    assert source.output_state() is True
    lines.clear()
    source.output(False)
    assert sent(lines) == ["OUTP OFF", *CHECKED, "OUTP?"]
    assert source.output_state() is False


def test_measurements(source: GenericScpiDcSource, lines: Lines) -> None:
    assert source.read_voltage() == pytest.approx(399.87)
    assert source.read_current() == pytest.approx(-12.5)
    assert sent(lines) == ["MEAS:VOLT?", "MEAS:CURR?"]


def test_configure_protection_sets_ovp_and_ocp_from_the_envelope(source: GenericScpiDcSource, lines: Lines) -> None:
    assert source.configure_protection(envelope(500, 50)) == {"ovp_v": 500.0, "ocp_a": 50.0}
    assert sent(lines) == ["VOLT:PROT 500.000", *CHECKED, "VOLT:PROT?", "CURR:PROT 50.000", *CHECKED, "CURR:PROT?"]


def test_after_protection_setpoints_outside_the_envelope_are_refused_unsent(
    source: GenericScpiDcSource, lines: Lines
) -> None:
    source.configure_protection(envelope(500, 50))
    lines.clear()
    with pytest.raises(EnvelopeViolation, match="DC voltage 600 V"):
        source.set_voltage(600)
    with pytest.raises(EnvelopeViolation, match="DC current limit 80 A"):
        source.set_current_limit(80)
    assert lines == []


def test_an_envelope_without_dc_limits_is_refused(source: GenericScpiDcSource, lines: Lines) -> None:
    with pytest.raises(InstrumentError, match="allows no DC output"):
        source.configure_protection(envelope(0, 0))
    assert lines == []


def test_safe_state_is_output_off_then_zero_volts(source: GenericScpiDcSource, lines: Lines) -> None:
    source.set_voltage(300)
    source.output(True)
    lines.clear()
    source.safe_state()
    assert sent(lines) == ["OUTP OFF", *CHECKED, "OUTP?", "SOUR:VOLT 0.000", *CHECKED, "SOUR:VOLT?"]
    assert source.output_state() is False


def test_sink_limit_without_a_configured_header_is_unsupported(source: GenericScpiDcSource, lines: Lines) -> None:
    with pytest.raises(UnsupportedByDriver, match="sink_current_command"):
        source.set_sink_current_limit(20)
    assert lines == []


def test_sink_limit_uses_the_configured_header() -> None:
    lines: Lines = []
    driver = open_source(lines, sink_current_command="SINK:CURR")
    try:
        lines.clear()
        driver.set_sink_current_limit(20)
        assert sent(lines) == ["SINK:CURR 20.000", *CHECKED, "SINK:CURR?"]
    finally:
        driver.close()


def test_sink_limit_as_a_negative_number_when_configured() -> None:
    lines: Lines = []
    driver = open_source(lines, sink_current_command="SINK:CURR", sink_current_negative=True)
    try:
        lines.clear()
        driver.set_sink_current_limit(20)
        assert sent(lines) == ["SINK:CURR -20.000", *CHECKED, "SINK:CURR?"]
    finally:
        driver.close()


def test_a_header_the_instrument_does_not_know_raises_its_error() -> None:
    lines: Lines = []
    driver = open_source(lines, sink_current_command="CURR:NEG")
    try:
        with pytest.raises(ScpiError, match="-113"):
            driver.set_sink_current_limit(20)
    finally:
        driver.close()


def test_a_setpoint_the_instrument_rejects_raises_its_error(source: GenericScpiDcSource) -> None:
    with pytest.raises(ScpiError, match=r"SOUR:VOLT 1500\.000"):
        source.set_voltage(1500)


@pytest.mark.parametrize("bad", ["", "SINK:CURR;*RST", "SINK:CURR?", 7])
def test_a_malformed_sink_header_option_is_refused_at_open(bad: object) -> None:
    with pytest.raises(InstrumentError, match="sink_current_command"):
        open_source([], sink_current_command=bad)
