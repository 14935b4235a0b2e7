"""The scpi-dc-source driver against the virtual DC source over a real 127.0.0.1 socket, on a shared plant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.virtual.bench.dc_source import DC_SOURCE_DEVICES, VirtualDcSource
from harness.virtual.bench.scpi_server import Behaviour
from harness.virtual.plant import Plant
from instruments.drivers.dc.generic_scpi import GenericScpiDcSource
from instruments.envelope import SafetyEnvelope
from instruments.errors import ScpiError
from instruments.registry import DriverSpec, open_instrument
from tests.instruments.bench_helpers import BackgroundLoop, serving

ENVELOPE = SafetyEnvelope(
    voltage_v=(184.0, 276.0),
    frequency_hz=(45.0, 55.0),
    current_a=32.0,
    power_w=12000.0,
    voltage_slew_v_per_s=100.0,
    frequency_slew_hz_per_s=5.0,
    dc_voltage_v=500.0,
    dc_current_a=50.0,
)


class Bench:
    def __init__(self, plant: Plant, device: VirtualDcSource, driver: GenericScpiDcSource, loop: BackgroundLoop):
        self.plant, self.device, self.driver, self.loop = plant, device, driver, loop


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    plant = Plant()
    device = DC_SOURCE_DEVICES["scpi-dc-source"]("dc_source", plant, Behaviour())
    with serving(device, tmp_path / "journal.jsonl") as (resource, loop):
        spec = DriverSpec(
            role="dc_source",
            driver="scpi-dc-source",
            resource=resource,
            options={"sink_current_command": "SINK:CURR"},
        )
        driver = open_instrument(spec)
        assert isinstance(driver, GenericScpiDcSource)
        try:
            yield Bench(plant, device, driver, loop)
        finally:
            driver.close()


def test_protection_setpoints_and_output_reach_the_plant(bench: Bench) -> None:
    driver, dc = bench.driver, bench.plant.dc
    assert driver.identify().model == "Virtual DC source"
    assert driver.configure_protection(ENVELOPE) == {"ovp_v": 500.0, "ocp_a": 50.0}
    driver.set_voltage(400)
    driver.set_current_limit(30)
    driver.set_sink_current_limit(20)
    assert (dc.voltage_set_v, dc.current_limit_a, dc.sink_limit_a) == (400.0, 30.0, 20.0)
    assert driver.read_voltage() == 0.0  # output still off
    driver.output(True)
    assert dc.output_on and driver.output_state()
    assert driver.read_voltage() == pytest.approx(400.0)


def test_current_follows_the_load_within_the_limits(bench: Bench) -> None:
    driver = bench.driver
    driver.configure_protection(ENVELOPE)
    driver.set_voltage(400)
    driver.set_current_limit(30)
    driver.set_sink_current_limit(20)
    driver.output(True)
    bench.loop.call(setattr, bench.device, "load_current_a", 45.0)
    assert driver.read_current() == pytest.approx(30.0)  # held at the source limit
    bench.loop.call(setattr, bench.device, "load_current_a", -12.5)
    assert driver.read_current() == pytest.approx(-12.5)  # sinking (V2G towards the battery emulator)


def test_ovp_below_the_setpoint_trips_the_output_off_and_latches(bench: Bench) -> None:
    driver, dc = bench.driver, bench.plant.dc
    driver.configure_protection(ENVELOPE)
    driver.set_voltage(400)
    driver.output(True)
    driver.command("VOLT:PROT 300.000")  # as if someone lowered OVP at the front panel
    assert not dc.output_on
    assert driver.output_state() is False
    assert driver.query("VOLT:PROT:TRIP?") == "1"
    with pytest.raises(ScpiError, match="-221"):
        driver.output(True)
    assert not dc.output_on


def test_ocp_trips_when_the_current_exceeds_it(bench: Bench) -> None:
    driver, dc = bench.driver, bench.plant.dc
    driver.configure_protection(ENVELOPE)
    driver.set_voltage(400)
    driver.set_current_limit(50)
    bench.loop.call(setattr, bench.device, "load_current_a", 45.0)
    driver.output(True)
    driver.command("CURR:PROT 40.000")
    assert not dc.output_on
    assert driver.query("CURR:PROT:TRIP?") == "1"


def test_safe_state_leaves_the_plant_off_at_zero_volts(bench: Bench) -> None:
    driver, dc = bench.driver, bench.plant.dc
    driver.configure_protection(ENVELOPE)
    driver.set_voltage(450)
    driver.output(True)
    driver.safe_state()
    assert not dc.output_on
    assert dc.voltage_set_v == 0.0
    assert driver.read_voltage() == 0.0


def test_out_of_range_and_unknown_commands_queue_scpi_errors(bench: Bench) -> None:
    with pytest.raises(ScpiError, match="-222"):
        bench.driver.set_voltage(1500)
    with pytest.raises(ScpiError, match="-113"):
        bench.driver.command("SOUR:POW 10")
    assert bench.plant.dc.voltage_set_v == 0.0


def test_reset_restores_defaults_in_place() -> None:
    plant = Plant()
    dc = plant.dc
    device = VirtualDcSource("dc", plant)
    for header, arguments in (("VOLT", ["100"]), ("OUTP", ["ON"]), ("VOLT:PROT", ["50"])):
        device.execute(header, arguments)
    assert device.tripped == "OV" and not dc.output_on
    device.execute("*RST", [])
    assert plant.dc is dc
    assert (dc.output_on, dc.voltage_set_v, device.tripped, device.ovp_v) == (False, 0.0, "", 1000.0)
