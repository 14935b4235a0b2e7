"""Closed loop: each grid driver over a real socket to its virtual grid simulator, which drives the shared plant."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from harness.virtual.bench.grid import GRID_DEVICES, VirtualChroma61800, VirtualChroma61845
from harness.virtual.bench.scpi_server import Behaviour
from harness.virtual.plant import Plant
from instruments.errors import ScpiError, UnsupportedByDriver
from instruments.registry import BUILT_IN, DriverSpec, open_instrument
from tests.instruments.bench_helpers import BackgroundLoop, serving, step_plant

GRID_DRIVERS = sorted(GRID_DEVICES)
SLEWING = {"chroma-61800", "chroma-61845"}  # the drivers with confirmed slew commands
GRID_SCPI_ERROR = Behaviour(error_after_command=(-221, "Settings conflict"), failing_headers=("FREQ",))


@contextmanager
def bench(
    driver_name: str, behaviour: Behaviour | None = None, journal: Path | None = None
) -> Iterator[tuple[Any, Plant, BackgroundLoop]]:
    """The driver `driver_name`, opened over TCP on its virtual device, and the plant that device drives."""
    plant = Plant()
    device = GRID_DEVICES[driver_name]("grid", plant, behaviour)
    with serving(device, journal) as (resource, background):
        driver = open_instrument(DriverSpec(role="grid", driver=driver_name, resource=resource, backend="@py"))
        try:
            yield driver, plant, background
        finally:
            driver.close()


def test_every_built_in_grid_driver_has_a_virtual_device() -> None:
    assert set(GRID_DEVICES) == {name for name, (role, _) in BUILT_IN.items() if role == "grid"}
    assert "virtual" in VirtualChroma61800.identity and "61800" in VirtualChroma61800.identity
    assert "61845" in VirtualChroma61845.identity


@pytest.mark.parametrize("driver_name", GRID_DRIVERS)
def test_setpoints_and_output_reach_the_plant(driver_name: str) -> None:
    with bench(driver_name) as (driver, plant, background):
        assert "(virtual)" in driver.identify().model
        driver.set_voltage(240.0)
        driver.set_frequency(50.2)
        driver.set_current_limit(16.0)
        assert plant.grid.voltage_set_v == [240.0] * 3
        assert plant.grid.frequency_set_hz == pytest.approx(50.2)
        assert plant.grid.current_limit_a == pytest.approx(16.0)
        assert plant.grid.output_on is False
        assert driver.read_voltage() == 0.0  # nothing on the terminals while the output is off

        driver.output(True)
        assert plant.grid.output_on is True and driver.output_state() is True
        step_plant(background, plant, 0.5)
        assert driver.read_voltage() == pytest.approx(240.0)
        assert driver.read_frequency() == pytest.approx(50.2)
        assert plant.frequency_hz() == pytest.approx(50.2)

        driver.output(False)
        assert plant.grid.output_on is False and driver.output_state() is False


@pytest.mark.parametrize("driver_name", GRID_DRIVERS)
def test_frequency_follows_the_slew_rate(driver_name: str) -> None:
    with bench(driver_name) as (driver, plant, background):
        driver.set_frequency(50.0)
        driver.output(True)
        step_plant(background, plant, 0.5)
        if driver_name not in SLEWING:
            with pytest.raises(UnsupportedByDriver):
                driver.set_frequency_slew(2.0)
            return
        driver.set_frequency_slew(2.0)
        assert plant.grid.frequency_slew_hz_per_s == pytest.approx(2.0)
        driver.set_frequency(55.0)
        step_plant(background, plant, 1.0)
        assert plant.grid.frequency_hz == pytest.approx(52.0)  # 2 Hz in 1 s, not the whole 5 Hz step
        assert driver.read_frequency() == pytest.approx(52.0)
        step_plant(background, plant, 2.0)
        assert driver.read_frequency() == pytest.approx(55.0)


@pytest.mark.parametrize("driver_name", sorted(SLEWING))
def test_voltage_follows_the_slew_rate(driver_name: str) -> None:
    with bench(driver_name) as (driver, plant, background):
        driver.output(True)
        driver.set_voltage_slew(10.0)
        driver.set_voltage(250.0)
        step_plant(background, plant, 1.0)
        assert driver.read_voltage() == pytest.approx(240.0)
        assert plant.voltage_v(3) == pytest.approx(240.0)


def test_ametek_phase_angle_reaches_the_plant() -> None:
    with bench("ametek-ci") as (driver, plant, _background):
        driver.set_phase_angle(3, 110.0)
        assert plant.grid.phase_angle_deg == [0.0, -120.0, 110.0]


@pytest.mark.parametrize("driver_name", GRID_DRIVERS)
def test_out_of_range_value_is_refused_and_not_applied(driver_name: str) -> None:
    with bench(driver_name) as (driver, plant, _background):
        with pytest.raises(ScpiError, match="-222"):
            driver.set_frequency(2000.0)
        with pytest.raises(ScpiError, match="-222"):
            driver.set_voltage(400.0)
        assert plant.grid.frequency_set_hz == 50.0 and plant.grid.voltage_set_v == [230.0] * 3


@pytest.mark.parametrize("driver_name", GRID_DRIVERS)
def test_grid_scpi_error_fault_fails_every_frequency_setting(driver_name: str) -> None:
    with bench(driver_name, GRID_SCPI_ERROR) as (driver, _plant, _background):
        driver.set_voltage(230.0)  # other settings are untouched by the fault
        with pytest.raises(ScpiError, match="-221"):
            driver.set_frequency(50.1)


@pytest.mark.parametrize("driver_name", GRID_DRIVERS)
def test_safe_state_is_journalled_with_the_output_state(driver_name: str, tmp_path: Path) -> None:
    journal = tmp_path / "bench.jsonl"
    with bench(driver_name, journal=journal) as (driver, plant, _background):
        driver.output(True)
        driver.safe_state()
        assert plant.grid.output_on is False
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    states = [entry["state"] for entry in entries if "state" in entry]
    assert states[-1]["output"] is False
    assert states[-1]["frequency_hz"] == 50.0 and states[-1]["voltage_v"] == [230.0] * 3
    if driver_name in SLEWING:
        assert states[-1]["relay"] is False
        assert any(state["relay"] for state in states)
