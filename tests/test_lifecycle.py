"""Arming a real bench and the signal handling that routes every exit through the safe state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from harness.config import Lab, load_lab
from harness.lifecycle import arming_for, signals_deferred, terminate_as_interrupt
from harness.paths import DEFAULT_LAB, LAB_DIR
from tests.conftest import PROJECT

REAL_LAB = LAB_DIR / "example-real-lab.yaml"


def real_lab_with(*roles: str) -> Lab:
    lab = load_lab(REAL_LAB)
    return lab.model_copy(update={"instruments": {r: e for r, e in lab.instruments.items() if r in roles}})


def test_a_virtual_bench_needs_no_arming() -> None:
    arming = arming_for(load_lab(DEFAULT_LAB), armed_by_flag=False)
    assert not arming.required and arming.armed


def test_a_real_bench_without_energising_instruments_needs_no_arming() -> None:
    arming = arming_for(real_lab_with("analyser"), armed_by_flag=False)
    assert not arming.required and arming.armed


def test_the_arm_flag_arms_a_real_bench() -> None:
    arming = arming_for(real_lab_with("grid", "analyser"), armed_by_flag=True)
    assert arming.required and arming.armed


def test_without_a_terminal_a_real_bench_stays_unarmed() -> None:
    code = (
        "from pathlib import Path; from harness.config import load_lab; from harness.lifecycle import arming_for; "
        f"print(arming_for(load_lab(Path({str(REAL_LAB)!r})), armed_by_flag=False).armed)"
    )
    # A new session has no controlling terminal, like a CI job or a service.
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=60,
        start_new_session=True, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    assert result.stdout.strip() == "False", result.stdout + result.stderr
    assert "stays unarmed" in result.stderr


def test_sigterm_becomes_keyboard_interrupt() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    try:
        terminate_as_interrupt()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs as soon as the call returns
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_signals_are_held_off_during_the_safe_state() -> None:
    previous = signal.getsignal(signal.SIGTERM)
    try:
        terminate_as_interrupt()
        with signals_deferred() as received:
            os.kill(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGINT)
        assert received == [signal.SIGTERM, signal.SIGINT]
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_real_lab_file_example_validates() -> None:
    assert Path(REAL_LAB).exists()
    lab = load_lab(REAL_LAB)
    assert lab.kind == "real" and {"grid", "analyser", "ev_emulator"} <= set(lab.instruments)
