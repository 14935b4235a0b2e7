"""The bench's safe state on every exit path, proven against the virtual bench's own journal of what it received."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROJECT, harness, read_results

MEASURED_CASE = "TC_BEH_MTR_02"


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def journal(run_dir: Path) -> list[dict[str, Any]]:
    path = run_dir / "virtual-bench.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip().endswith("}")]


def grid_states(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["state"] for e in entries if e.get("instrument") == "grid" and "state" in e]


def wait_for_grid_output_on(run_dir: Path, process: subprocess.Popen[str], limit_s: float = 120) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if any(state.get("output") for state in grid_states(journal(run_dir))):
            return
        assert process.poll() is None, "the run ended before the grid simulator was switched on"
        time.sleep(0.2)
    raise AssertionError("the measured case never switched the grid simulator on")


def assert_everything_off(run_dir: Path) -> None:
    entries = journal(run_dir)
    states = grid_states(entries)
    assert states, "the virtual grid simulator received nothing"
    assert states[-1]["output"] is False, f"grid output left {states[-1]}"
    if "relay" in states[-1]:
        assert states[-1]["relay"] is False
    commands = [e["command"] for e in entries if e.get("instrument") == "grid" and "command" in e]
    # The safe state is explicit, not a side effect of the process ending: the off command was received.
    assert any("OUTP" in c.upper() for c in commands[-6:]), commands[-6:]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_mid_case_leaves_every_output_off(signum: signal.Signals, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", "-k", MEASURED_CASE, "--out", str(run_dir)],
        cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        # A test suite started in the background by a non-interactive shell inherits SIGINT ignored (POSIX), and
        # so would the harness: give it the disposition an operator's terminal gives it.
        preexec_fn=_default_sigint,
    )  # fmt: skip
    try:
        wait_for_grid_output_on(run_dir, process)
        process.send_signal(signum)
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 3, output
    assert_everything_off(run_dir)
    results = read_results(run_dir)
    assert [r["verdict"] for r in results if r["id"] == MEASURED_CASE] == ["error"], results
    assert "interrupted" in results[0]["reason"]


@pytest.mark.slow
def test_normal_end_leaves_every_output_off(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = harness("run", "-k", MEASURED_CASE, "--out", str(run_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    assert any(state.get("output") for state in grid_states(journal(run_dir))), "the case never energised the grid"
    assert_everything_off(run_dir)


@pytest.mark.slow
def test_failed_case_leaves_every_output_off(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = harness("run", "-k", MEASURED_CASE, "--virtual-fault", "energy-register-drifts", "--out", str(run_dir))
    assert result.returncode == 1, result.stdout + result.stderr
    assert_everything_off(run_dir)


@pytest.mark.slow
def test_lab_error_mid_case_leaves_every_output_off(tmp_path: Path) -> None:
    """The analyser freezes after the grid was switched on: the case errors, the bench still ends safe."""
    run_dir = tmp_path / "run"
    result = harness("run", "-k", MEASURED_CASE, "--virtual-fault", "analyser-stale-reading", "--out", str(run_dir))
    assert result.returncode == 3, result.stdout + result.stderr
    assert any(state.get("output") for state in grid_states(journal(run_dir))), "the case never energised the grid"
    assert_everything_off(run_dir)
