"""The harness's view of the bench: opened by name from the lab file, protected, refused out of envelope, made safe."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.config import load_lab
from harness.lab_instruments import LabInstruments
from harness.paths import DEFAULT_LAB
from harness.virtual.bench.assemble import BenchRequest, VirtualBench
from harness.virtual.faults import FaultSet
from harness.virtual.plant import Plant
from instruments.errors import EnvelopeViolation, InstrumentError
from instruments.guard import Arming
from tests.conftest import harness
from tests.instruments.bench_helpers import BackgroundLoop


class NoStation:
    """The EV emulator's view of a station that is not there (these tests use only SCPI instruments)."""

    def plug(self, evse_id: int) -> None: ...

    def unplug(self, evse_id: int) -> None: ...

    def set_ev_suspended(self, evse_id: int, suspended: bool) -> None: ...

    def digital_communication(self, evse_id: int) -> bool:
        return False

    def offered_current_a(self, evse_id: int) -> float:
        return 0.0

    def is_plugged(self, evse_id: int) -> bool:
        return False


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[tuple[LabInstruments, Path, Plant]]:
    """The default lab's SCPI instruments, served in-process, opened through the harness as a run would."""
    lab = load_lab(DEFAULT_LAB)
    scpi = {role: entry for role, entry in lab.instruments.items() if role in ("grid", "analyser", "dc_source")}
    lab = lab.model_copy(update={"instruments": scpi})
    drivers = {role: entry.driver for role, entry in scpi.items()}
    journal = tmp_path / "bench.jsonl"
    plant = Plant()
    background = BackgroundLoop()
    virtual = VirtualBench(BenchRequest(drivers, journal), plant, FaultSet(), NoStation())
    resources = background.run(virtual.start())
    instruments = LabInstruments(lab, DEFAULT_LAB, None, Arming(required=False), resources)
    try:
        instruments.open_all()
        yield instruments, journal, plant
    finally:
        instruments.safe_state_all()
        background.run(virtual.stop())
        background.stop()


def received(journal: Path, instrument: str) -> list[str]:
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    return [e["command"] for e in lines if e.get("instrument") == instrument and "command" in e]


def test_every_instrument_answers_and_reads_back_its_protection(bench: tuple[LabInstruments, Path, Plant]) -> None:
    instruments, _, _ = bench
    assert set(instruments.opened) == {"grid", "analyser", "dc_source"}
    for opened in instruments.opened.values():
        assert "virtual" in str(opened.identity).lower()
    assert instruments.opened["grid"].protection


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("set_frequency", (60.0,)),
        ("set_voltage", (300.0,)),
        ("set_frequency_slew", (50.0,)),
        ("set_current_limit", (80.0,)),
    ],
)
def test_out_of_envelope_setpoint_sends_nothing(
    bench: tuple[LabInstruments, Path, Plant], method: str, args: tuple[Any, ...]
) -> None:
    instruments, journal, plant = bench
    before = received(journal, "grid")
    with pytest.raises(EnvelopeViolation):
        getattr(instruments.get("grid"), method)(*args)
    assert received(journal, "grid") == before, "a refused setpoint reached the instrument"
    assert plant.grid.frequency_set_hz == 50.0


def test_dc_out_of_envelope_sends_nothing(bench: tuple[LabInstruments, Path, Plant]) -> None:
    instruments, journal, _ = bench
    before = received(journal, "dc_source")
    with pytest.raises(EnvelopeViolation):
        instruments.get("dc_source").set_voltage(900.0)
    assert received(journal, "dc_source") == before


def test_safe_state_switches_everything_off_and_closes(bench: tuple[LabInstruments, Path, Plant]) -> None:
    instruments, _, plant = bench
    grid = instruments.get("grid")
    grid.set_frequency(51.0)
    grid.output(True)
    assert plant.grid.output_on
    reports = instruments.safe_state_all()
    assert all(report.ok for report in reports), reports
    assert not plant.grid.output_on
    assert plant.grid.frequency_set_hz == 50.0  # ramped to nominal before switching off
    assert not plant.dc.output_on
    with pytest.raises(InstrumentError, match="closed"):
        grid.output(True)


def test_lab_check_prints_identities_and_the_envelope() -> None:
    result = harness("lab", "check", "--lab", str(DEFAULT_LAB), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    for role in ("grid simulator", "power analyser", "DC source"):
        assert f"ok   {role}" in result.stdout
    assert "safety envelope in force" in result.stdout
    assert "NOT SAFE" not in result.stdout


def test_lab_check_of_an_unreachable_bench_says_which_failed(tmp_path: Path) -> None:
    lab = tmp_path / "lab.yaml"
    lab.write_text(
        "name: Unreachable\nkind: real\ncsms: {port: 9000}\n"
        "instruments: {analyser: {driver: yokogawa-wt5000, resource: 'TCPIP::127.0.0.1::1::SOCKET', "
        "accuracy_pct: 0.1, timeout_s: 1}}\n"
        "envelope: {voltage_v: [184, 276], frequency_hz: [47, 52], current_a: 32, power_w: 12000,"
        " voltage_slew_v_per_s: 100, frequency_slew_hz_per_s: 5}\n"
        f"default_dut: {DEFAULT_LAB.parent.parent / 'profiles/dut/virtual-station.yaml'}\n"
    )
    result = harness("lab", "check", "--lab", str(lab), timeout=60)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "FAIL power analyser" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
