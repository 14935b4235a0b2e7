"""Each power-analyser driver against its virtual analyser over a real socket, on a plant drawing known power."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.virtual.bench.analyser import ANALYSER_DEVICES
from harness.virtual.bench.scpi_server import Behaviour
from harness.virtual.plant import GridSupport, Plant, PlantLoad
from instruments.errors import InstrumentTimeout, ScpiError
from instruments.registry import DriverSpec, open_instrument
from tests.instruments.bench_helpers import BackgroundLoop, serving, step_plant

DRIVERS = sorted(ANALYSER_DEVICES)
# Four standard deviations of the virtual analyser's noise (0.1 % of its 300 V / 50 A / 15 kW ranges), per element.
U_TOL, I_TOL, P_TOL = 1.2, 0.2, 60.0


class FixedLoad(PlantLoad):
    """A station drawing a constant P and Q, whatever the grid does."""

    def __init__(self, power_w: float, reactive_var: float = 0.0) -> None:
        self.power_w = power_w
        self.reactive_var = reactive_var

    def follow_grid(self, support: GridSupport, frequency_hz: float, voltage_pu: float) -> None:
        return None

    def step(self, dt_s: float) -> None:
        return None


class PlantClock:
    """Simulated seconds: the time base of the drivers that integrate energy in software."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Bench:
    analyser: Any
    plant: Plant
    load: FixedLoad
    loop: BackgroundLoop
    clock: PlantClock
    wire: list[tuple[str, str]]

    def run(self, seconds: int) -> None:
        """Advance the plant second by second, reading Σ each second (a free energy sample for polled drivers)."""
        for _ in range(seconds):
            step_plant(self.loop, self.plant, 1.0)
            self.clock.now += 1.0
            self.analyser.measure("sigma")


@contextmanager
def bench(
    driver: str,
    power_w: float = 9000.0,
    reactive_var: float = 1500.0,
    *,
    behaviour: Behaviour | None = None,
    stale: bool = False,
    timeout_s: float = 1.0,
    journal: Path | None = None,
) -> Iterator[Bench]:
    plant, load, clock = Plant(), FixedLoad(power_w, reactive_var), PlantClock()
    plant.meters.append(load)
    device = ANALYSER_DEVICES[driver]("analyser", plant, behaviour, stale=stale, seed=7)
    wire: list[tuple[str, str]] = []
    with serving(device, journal) as (resource, loop):
        spec = DriverSpec(
            "analyser",
            driver,
            resource,
            backend="@py",
            timeout_s=timeout_s,
            journal=lambda name, direction, text: wire.append((direction, text)),
            options={"clock": clock},
        )
        analyser = open_instrument(spec)
        try:
            yield Bench(analyser, plant, load, loop, clock, wire)
        finally:
            analyser.close()


@pytest.mark.parametrize("driver", DRIVERS)
def test_each_element_is_one_phase_within_noise(driver: str) -> None:
    with bench(driver) as b:
        b.plant.grid.output_on = True
        b.plant.grid.voltage_set_v = [240.0, 230.0, 220.0]
        step_plant(b.loop, b.plant, 0.2)
        for k, u in enumerate([240.0, 230.0, 220.0], start=1):
            s = math.hypot(3000.0, 500.0)
            reading = b.analyser.measure(k)
            assert reading.voltage_v == pytest.approx(u, abs=U_TOL)
            assert reading.active_power_w == pytest.approx(3000.0, abs=P_TOL)
            assert reading.reactive_power_var == pytest.approx(500.0, abs=P_TOL)
            assert reading.apparent_power_va == pytest.approx(s, abs=P_TOL)
            assert reading.current_a == pytest.approx(s / u, abs=I_TOL)
            assert reading.power_factor == pytest.approx(3000.0 / s, abs=0.004)
            assert reading.frequency_hz == pytest.approx(50.0, abs=0.005)
            assert 1.0 < reading.voltage_thd_pct < 2.5 < reading.current_thd_pct


@pytest.mark.parametrize("driver", DRIVERS)
def test_sigma_sums_power_and_averages_voltage(driver: str) -> None:
    with bench(driver) as b:
        sigma = b.analyser.measure("sigma")
        assert sigma.active_power_w == pytest.approx(9000.0, abs=2 * P_TOL)
        assert sigma.reactive_power_var == pytest.approx(1500.0, abs=2 * P_TOL)
        assert sigma.apparent_power_va == pytest.approx(3 * math.hypot(3000.0, 500.0), abs=2 * P_TOL)
        assert sigma.power_factor == pytest.approx(sigma.active_power_w / sigma.apparent_power_va, abs=1e-4)
        assert sigma.voltage_v == pytest.approx(230.0, abs=U_TOL)
        assert sigma.frequency_hz == pytest.approx(50.0, abs=0.005)


@pytest.mark.parametrize("driver", DRIVERS)
def test_36_s_at_10_kw_integrate_to_100_wh(driver: str) -> None:
    with bench(driver, 10000.0, 0.0) as b:
        b.run(2)
        b.analyser.start_integration()
        b.run(36)
        total, phase_2 = b.analyser.energy(), b.analyser.energy(2)
        b.analyser.stop_integration()
        assert total.import_wh == pytest.approx(100.0, rel=0.005)
        assert total.export_wh == pytest.approx(0.0, abs=0.01)
        assert total.elapsed_s == pytest.approx(36.0, abs=0.5)
        assert phase_2.import_wh == pytest.approx(100.0 / 3, rel=0.005)


@pytest.mark.parametrize("driver", DRIVERS)
def test_export_is_counted_apart_and_a_restart_resets(driver: str) -> None:
    with bench(driver, -7200.0, 0.0) as b:
        b.analyser.start_integration()
        b.run(5)
        b.analyser.start_integration()  # while running: stop, reset, start again
        b.run(36)
        total = b.analyser.energy()
        assert total.export_wh == pytest.approx(72.0, rel=0.005)
        assert total.import_wh == pytest.approx(0.0, abs=0.01)
        assert total.net_wh == pytest.approx(-72.0, rel=0.005)


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_stale_analyser_repeats_its_first_answer(driver: str) -> None:
    with bench(driver, stale=True) as b:
        first = b.analyser.measure(1)
        b.load.power_w = 3000.0
        step_plant(b.loop, b.plant, 2.0)
        assert b.analyser.measure(1) == first
        assert b.analyser.measure("sigma").active_power_w == pytest.approx(3 * first.active_power_w, abs=2 * P_TOL)


@pytest.mark.parametrize("driver", ["yokogawa-wt1800", "yokogawa-wt5000"])
def test_a_stale_analyser_energy_never_moves(driver: str) -> None:
    with bench(driver, stale=True) as b:
        b.analyser.start_integration()
        before = b.analyser.energy()
        b.run(10)
        assert b.analyser.energy() == before


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_reply_slower_than_the_timeout_is_an_instrument_timeout(driver: str) -> None:
    with pytest.raises(InstrumentTimeout), bench(driver, behaviour=Behaviour(reply_delay_s=0.6), timeout_s=0.2):
        pass


@pytest.mark.parametrize("driver", DRIVERS)
def test_a_dropped_connection_is_regained_without_the_caller_noticing(driver: str, tmp_path: Path) -> None:
    """The server closes the socket instead of its 8th, 16th, ... answer; the session reconnects and asks again."""
    journal = tmp_path / "bench.jsonl"
    with bench(driver, behaviour=Behaviour(drop_after_queries=8), timeout_s=0.3, journal=journal) as b:
        readings = [b.analyser.measure("sigma") for _ in range(6)]
        assert all(r.active_power_w == pytest.approx(9000.0, abs=2 * P_TOL) for r in readings)
        lost = [text for direction, text in b.wire if direction == "error"]
    assert lost and all("the instrument closed the connection" in text for text in lost)
    events = [json.loads(line).get("event", "") for line in journal.read_text().splitlines()]
    assert sum(event.endswith("opened") for event in events) == len(lost) + 1


@pytest.mark.parametrize("driver", DRIVERS)
def test_an_error_after_each_setting_fails_the_configuration(driver: str) -> None:
    failing = Behaviour(error_after_command=(-222, "Data out of range"))
    with pytest.raises(ScpiError) as caught, bench(driver, behaviour=failing):
        pass
    assert '-222,"Data out of range"' in caught.value.errors
