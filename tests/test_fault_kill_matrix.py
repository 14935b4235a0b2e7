"""The fault-kill matrix: every test case fails against at least one named fault of the virtual station, and every
fault is caught, with a verdict of `fail` (never `error`: a faulty station is the DUT's problem, not ours).

KILLS names, per fault, the cases that fault must make fail; the whole catalogue must be covered. Each fault's
run is limited to those cases so the matrix stays inside the CI budget; `harness run --virtual-fault NAME` runs the
whole catalogue against one fault.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import harness, read_results

KILLS: dict[str, list[str]] = {
    "boot-pending-allows-start": ["TC_B_02_CS"],
    "boot-rejected-retries-early": ["TC_B_03_CS"],
    "no-status-after-boot": ["TC_B_01_CS", "TC_B_20_CS"],
    "getvariables-unknown-component-as-variable": ["TC_B_32_CS"],
    "device-model-errors-rejected": ["TC_B_33_CS", "TC_B_34_CS", "TC_B_35_CS", "TC_B_36_CS"],
    "setvariables-not-applied": ["TC_B_06_CS", "TC_B_07_CS", "TC_B_09_CS", "TC_J_01_CS"],
    "setvariables-batch-only-first": ["TC_B_10_CS"],
    "setvariables-readonly-accepted": ["TC_B_39_CS"],
    "reset-not-performed": ["TC_B_20_CS", "TC_B_22_CS"],
    "reset-onidle-interrupts-transaction": ["TC_B_21_CS"],
    "authorize-ignored": ["TC_C_02_CS", "TC_C_06_CS", "TC_C_07_CS"],
    "seqno-gap": ["TC_E_03_CS", "TC_E_06_CS"],
    "wrong-trigger-reason-on-plug": ["TC_E_09_CS", "TC_E_04_CS"],
    "no-meter-values-in-transaction": ["TC_J_02_CS", "TC_J_07_CS"],
    "energy-register-resets": ["TC_J_09_CS"],
    "remote-start-ignored": ["TC_F_01_CS", "TC_F_02_CS"],
    "remote-stop-ignored": ["TC_F_08_CS"],
    "remote-stop-unknown-accepted": ["TC_F_09_CS"],
    "availability-no-status": ["TC_G_03_CS", "TC_G_05_CS"],
    "availability-not-applied": ["TC_G_04_CS"],
    "status-not-sent-on-plug": ["TC_G_01_CS", "TC_G_02_CS"],
    "timestamp-without-timezone": ["TC_B_01_CS"],
    "malformed-frame": ["TC_B_01_CS"],
    "two-calls-in-flight": ["TC_B_01_CS"],
    "slow-response": ["TC_F_20_CS"],
    "heartbeat-interval-ignored": ["TC_B_01_CS"],
    "energy-register-drifts": ["TC_BEH_MTR_02"],
}
# Station faults no case measures yet, and the catalogue that will.
AWAITING_CASES: dict[str, str] = {
    "ignores-grid": "the grid-code catalogue (droop, Q(U)) measures it; tests/virtual/test_faults.py proves the fault",
}
# Faults of the virtual bench: the case that uses the instrument must end in `error` (our lab), never `fail`.
LAB_FAULTS: dict[str, tuple[str, set[str]]] = {
    "analyser-stale-reading": ("TC_BEH_MTR_02", {"error"}),
    "analyser-scpi-error": ("TC_BEH_MTR_02", {"error"}),
    "analyser-slow-response": ("TC_BEH_MTR_02", {"error"}),
    "analyser-drops-socket": ("TC_BEH_MTR_02", {"error", "pass"}),
    "grid-scpi-error": ("TC_BEH_MTR_02", {"error"}),
}


def test_matrix_names_every_fault_and_covers_the_catalogue(catalogue: list[dict[str, Any]]) -> None:
    listed = harness("virtual-station", "--list-faults").stdout.split()
    assert sorted(listed) == sorted([*KILLS, *AWAITING_CASES, *LAB_FAULTS]), "every fault needs a row"
    killed = {case for cases in KILLS.values() for case in cases}
    ids = {case["id"] for case in catalogue}
    assert killed <= ids, f"KILLS names cases that do not exist: {sorted(killed - ids)}"
    assert ids <= killed, f"no fault makes these cases fail: {sorted(ids - killed)}"


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(KILLS))
def test_fault_is_caught_as_fail(fault: str, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    expected = KILLS[fault]
    result = harness("run", "--virtual-fault", fault, "-k", " or ".join(expected), "--out", str(run_dir))
    verdicts = {r["id"]: r for r in read_results(run_dir)}
    assert set(verdicts) == set(expected)
    for case in expected:
        record = verdicts[case]
        assert record["verdict"] == "fail", f"{case} against {fault}: {record['verdict']}: {record['reason']}"
        assert record["reason"] and record["reason"] != "all steps and validations conformed"
    assert result.returncode == 1, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(LAB_FAULTS))
def test_lab_fault_is_an_error_never_a_fail(fault: str, tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    case, allowed = LAB_FAULTS[fault]
    result = harness("run", "--virtual-fault", fault, "-k", case, "--out", str(run_dir))
    (record,) = read_results(run_dir)
    assert record["verdict"] in allowed, f"{case} against {fault}: {record['verdict']}: {record['reason']}"
    if record["verdict"] == "error":
        assert result.returncode == 3, result.stdout + result.stderr
        assert "lab error" in record["reason"]
    else:  # recovered: the evidence must still show what happened to the instrument
        evidence = (run_dir / record["evidence"][0]).read_text()
        assert "reconnecting" in evidence
