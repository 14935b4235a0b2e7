"""The EV emulator and CAN fixtures reach the virtual station through the whole lab, as a test case would use them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.aio import LoopThread
from harness.config import load_dut, load_lab, resolve_default_dut
from harness.dut import VirtualDut
from harness.evidence import Evidence
from harness.lab import Bench
from harness.paths import DEFAULT_LAB


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[tuple[Bench, LoopThread]]:
    lab = load_lab(DEFAULT_LAB)
    dut = load_dut(resolve_default_dut(lab, DEFAULT_LAB))
    evidence = Evidence(tmp_path)
    loop = LoopThread()
    bench = Bench(lab, DEFAULT_LAB, dut, evidence, [], tmp_path)
    try:
        loop.run(bench.start(), 60)
        yield bench, loop
    finally:
        loop.run(bench.stop(), 90)
        loop.stop()
        evidence.close()


def station_plugged(bench: Bench, loop: LoopThread) -> bool:
    assert isinstance(bench.actions, VirtualDut)
    state = loop.run(bench.actions.state(), 10)
    return bool(state["evses"][0]["connectors"][0]["plugged"])


def wait_until(condition: object, limit_s: float = 5.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.1)
    return False


def test_ev_emulator_plugs_the_station_and_reads_its_pilot(bench: tuple[Bench, LoopThread]) -> None:
    lab_bench, loop = bench
    assert lab_bench.instruments is not None and not lab_bench.instrument_problems
    ev = lab_bench.instruments.get("ev_emulator")
    ev.set_plugged(True)
    ev.set_cp_state("B")
    assert wait_until(lambda: station_plugged(lab_bench, loop))
    assert ev.cp_state() == "B"
    duty, frequency = ev.pwm()
    assert (duty, frequency) == (5.0, 1000.0)  # its SECC asks for digital communication (ISO 15118) first
    occupied = [
        m for m in lab_bench.csms.channel.inbox
        if m.action == "StatusNotification" and m.payload.get("connectorStatus") == "Occupied"
    ]  # fmt: skip
    assert occupied, "the station did not report the plug-in over OCPP"
    report = ev.safe_state()
    assert report.ok
    assert wait_until(lambda: not station_plugged(lab_bench, loop))


def test_can_fixture_sees_the_emulator_status_frames(bench: tuple[Bench, LoopThread]) -> None:
    lab_bench, _ = bench
    assert lab_bench.instruments is not None
    status = lab_bench.instruments.get("can").receive_message("EVEMU_Status", 2.0)
    assert status is not None and "CpState" in status


def test_dc_setpoint_outside_the_envelope_is_refused(bench: tuple[Bench, LoopThread]) -> None:
    from instruments.errors import EnvelopeViolation

    lab_bench, _ = bench
    assert lab_bench.instruments is not None
    with pytest.raises(EnvelopeViolation):
        lab_bench.instruments.get("ev_emulator").set_dc_voltage(1200.0)
