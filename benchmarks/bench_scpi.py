"""How fast the instrument layer talks SCPI: checked settings and measurements against the virtual bench on loopback.

Run on demand: `python benchmarks/bench_scpi.py [N]`. Prints transactions per second and latency percentiles for a
checked grid setting (write, *OPC?, SYST:ERR?, read-back) and for a full analyser reading, both through the real
drivers and guards over pyvisa-py sockets.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project root: the tests' bench helpers

from harness.virtual.bench.analyser import ANALYSER_DEVICES
from harness.virtual.bench.grid import GRID_DEVICES
from harness.virtual.plant import Plant
from instruments.envelope import SafetyEnvelope
from instruments.guard import Arming
from instruments.guard_devices import GuardedAnalyzer
from instruments.guard_grid import GuardedGrid
from instruments.registry import DriverSpec, open_instrument
from tests.instruments.bench_helpers import serving

ENVELOPE = SafetyEnvelope(
    voltage_v=(184.0, 276.0), frequency_hz=(45.0, 55.0), current_a=32.0, power_w=12000.0,
    voltage_slew_v_per_s=100.0, frequency_slew_hz_per_s=5.0,
)  # fmt: skip


def timed(count: int, action: Callable[[int], object]) -> list[float]:
    latencies = []
    for index in range(count):
        start = time.perf_counter()
        action(index)
        latencies.append(time.perf_counter() - start)
    return latencies


def report(name: str, latencies: list[float]) -> None:
    ordered = sorted(latencies)
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    rate = len(latencies) / sum(latencies)
    mean = statistics.mean(latencies) * 1000
    print(f"{name:<34} {rate:8.0f}/s   p50 {p50:.2f} ms   p99 {p99:.2f} ms   mean {mean:.2f} ms")


def main(count: int) -> None:
    plant = Plant()
    with serving(GRID_DEVICES["chroma-61845"]("grid", plant)) as (grid_resource, _):
        grid = GuardedGrid(open_instrument(DriverSpec("grid", "chroma-61845", grid_resource)), ENVELOPE, Arming(False))
        report("grid: checked frequency setting", timed(count, lambda i: grid.set_frequency(49.9 + (i % 3) * 0.1)))
        grid.close()
    with serving(ANALYSER_DEVICES["yokogawa-wt5000"]("analyser", plant)) as (analyser_resource, _):
        driver = open_instrument(DriverSpec("analyser", "yokogawa-wt5000", analyser_resource))
        analyser = GuardedAnalyzer(driver)
        report("analyser: sigma reading", timed(count, lambda i: analyser.measure("sigma")))
        analyser.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
