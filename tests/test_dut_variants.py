"""The cases Part 5 keeps for stations other than the shipped virtual DUT pass against the virtual station started
as such a station (tests/dut_variants.py); against the shipped DUT they are not applicable, with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import harness, read_results
from tests.dut_variants import write_variant

CASES: dict[str, list[str]] = {
    "two-evses-evse-reset": ["TC_B_25_CS", "TC_B_26_CS", "TC_B_27_CS", "TC_B_41_CS", "TC_K_24_CS", "TC_L_14_CS"],
    "without-smart-charging": ["TC_K_15_CS", "TC_K_38_CS"],
    "amperes-only": ["TC_K_12_CS", "TC_K_42_CS"],
    "cable-lock-before-authorization": ["TC_C_05_CS"],
    "two-evses-master-pass-ui": ["TC_C_47_CS", "TC_C_48_CS"],
    "two-evses-firmware-waits": ["TC_L_11_CS", "TC_L_12_CS", "TC_L_13_CS"],
    "installs-while-charging": ["TC_L_16_CS"],
    "fixed-cable": ["TC_E_27_CS", "TC_E_26_CS"],
    "no-energy-transfer-start": ["TC_E_38_CS"],
    "without-summary-inventory": ["TC_B_15_CS"],
    "combined-certificate": ["TC_A_13_CS"],
    "profile-1-without-csms-root": ["TC_A_20_CS"],
}
ALSO_ON_SHIPPED = {"TC_E_26_CS"}  # applies to the shipped DUT as well; the fixed-cable variant runs it too


def only_on_variants() -> set[str]:
    """The cases the shipped DUT leaves not applicable (Part 5), each proven on a variant above."""
    return {case for cases in CASES.values() for case in cases} - ALSO_ON_SHIPPED


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(CASES))
def test_variant_cases_pass(variant: str, tmp_path: Path) -> None:
    dut = write_variant(variant, tmp_path)
    result = harness("run", "--dut", str(dut), "-k", " or ".join(CASES[variant]), "--out", str(tmp_path / "run"))
    verdicts = {r["id"]: r for r in read_results(tmp_path / "run")}
    assert set(verdicts) == set(CASES[variant]), result.stdout[-2000:] + result.stderr[-2000:]
    for case, record in verdicts.items():
        assert record["verdict"] == "pass", f"{case} on {variant}: {record['verdict']}: {record['reason']}"
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow
def test_shipped_dut_leaves_them_not_applicable(tmp_path: Path) -> None:
    cases = sorted(only_on_variants())
    result = harness("run", "-k", " or ".join(cases), "--out", str(tmp_path / "run"))
    records = read_results(tmp_path / "run")
    assert {r["id"] for r in records} == set(cases), result.stdout[-2000:] + result.stderr[-2000:]
    for record in records:
        assert record["verdict"] == "not_applicable", f"{record['id']}: {record['verdict']}: {record['reason']}"
        assert "Part 5" in record["reason"]
    assert result.returncode == 0, result.stderr[-2000:]
