"""The main job as a user runs it: a clean run of the whole catalogue (in shards, for CI time), and a run killed
with SIGKILL mid-way."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from tests.conftest import PROJECT, harness, read_results
from tests.test_dut_variants import only_on_variants

pytestmark = pytest.mark.slow


# Cases Part 5 keeps for other stations than the shipped DUT profile; tests/test_dut_variants.py runs them.
NOT_APPLICABLE_HERE = only_on_variants()
SHARDS = 6  # the catalogue runs as six `harness run` processes side by side, each with its own station


def test_clean_virtual_station_passes_every_case(tmp_path: Path, catalogue: list[dict[str, Any]]) -> None:
    ids = sorted(case["id"] for case in catalogue)
    shards = [ids[i::SHARDS] for i in range(SHARDS)]
    with ThreadPoolExecutor(SHARDS) as pool:
        runs = list(pool.map(lambda n: _run_shard(tmp_path / f"run{n}", shards[n]), range(SHARDS)))
    results = [record for run_dir, _ in runs for record in read_results(run_dir)]
    assert sorted(r["id"] for r in results) == ids
    failed = [(r["id"], r["verdict"], r["reason"]) for r in results if r["verdict"] not in ("pass", "not_applicable")]
    assert not failed, failed
    skipped = {r["id"] for r in results if r["verdict"] == "not_applicable"}
    assert skipped == NOT_APPLICABLE_HERE, {r["id"]: r["reason"] for r in results if r["id"] in skipped}
    for run_dir, result in runs:
        assert result.returncode == 0, result.stderr[-2000:]
        _check_run_dir(run_dir)


def _run_shard(run_dir: Path, ids: list[str]) -> tuple[Path, subprocess.CompletedProcess[str]]:
    return run_dir, harness("run", "-k", " or ".join(ids), "--out", str(run_dir))


def _check_run_dir(run_dir: Path) -> None:
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "complete"
    for record in read_results(run_dir):
        assert record["evidence"] and (run_dir / record["evidence"][0]).is_file()
        assert record["started_at"] and record["duration_s"] >= 0
    suite = ElementTree.parse(run_dir / "junit.xml").getroot()
    assert suite.iter("testcase") is not None
    html = (run_dir / "report.html").read_text()
    # Self-contained: nothing is loaded from elsewhere (URLs inside recorded messages are evidence, not resources).
    assert not re.search(r"""(src|href)=["']?https?:|url\(\s*["']?https?:""", html)
    assert any((run_dir / "allure-results").glob("*-result.json"))
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert "results.jsonl" in manifest["files"]


def test_kill_9_keeps_finished_cases_and_report_renders(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", "--out", str(run_dir)],
        cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            results = run_dir / "results.jsonl"
            if results.exists() and len(results.read_text().splitlines()) >= 3:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the run did not finish three test cases in time")
        assert _stations_of(process.pid), "no virtual station names this harness as its parent"
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the harness; the virtual station runs in a session of its own
        process.wait(10)
    assert _station_gone(process.pid, within_s=10), "the virtual station outlived the harness that started it"
    finished = read_results(run_dir)
    assert len(finished) >= 3 and all(r["verdict"] == "pass" for r in finished)
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"
    report = harness("report", str(run_dir))
    assert report.returncode == 0, report.stderr
    html = (run_dir / "report.html").read_text()
    for record in finished:
        assert record["id"] in html


def _station_gone(harness_pid: int, *, within_s: float) -> bool:
    """The station notices its harness is gone (it is reparented) and stops by itself."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not _stations_of(harness_pid):
            return True
        time.sleep(0.2)
    return False


def _stations_of(harness_pid: int) -> list[str]:
    marker = f"--parent-pid\0{harness_pid}\0".encode()
    return [entry.name for entry in Path("/proc").iterdir() if entry.name.isdigit() and marker in _cmdline(entry)]


def _cmdline(process_dir: Path) -> bytes:
    try:
        return (process_dir / "cmdline").read_bytes()
    except OSError:  # the process ended while we looked
        return b""
