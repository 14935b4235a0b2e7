"""The CLI contract as a user meets it: listing, schemas, bad input (exit 2, one line), report of a run dir."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import PROJECT, harness

PART6_REQUIREMENTS = {
    entry["id"]: entry["requirements"]
    for entry in yaml.safe_load((PROJECT / "harness/ocpp/v201/part6_cs.yaml").read_text(encoding="utf-8"))
}


def test_list_json_has_the_contract_fields(catalogue: list[dict[str, Any]]) -> None:
    assert len(catalogue) >= 25
    for case in catalogue:
        assert {"id", "title", "standard", "requirements", "profiles"} <= set(case)
        assert case["id"].startswith("TC_")
        assert case["standard"] in ("OCPP 2.0.1", "ISO 15118-20", "Measured behaviour")
        if case["standard"] == "OCPP 2.0.1":
            assert case["id"].endswith("_CS")  # the charging-station cases of the official catalogue
        elif case["standard"] == "ISO 15118-20":
            assert case["id"].startswith(("TC_SECC_CMN_VTB_", "TC_SECC_DC_VTB_", "TC_SECC_AC_VTB_")), case["id"]
        else:
            assert case["instruments"], case["id"]
        # Part 6 cites no requirement for a few cases (TC_K_03_CS, TC_P_03_CS): only those may cite none.
        assert case["requirements"] or not PART6_REQUIREMENTS.get(case["id"], True), case["id"]
    ids = [case["id"] for case in catalogue]
    assert len(ids) == len(set(ids))


def test_list_by_profile() -> None:
    result = harness("list", "--profile", "provisioning", "--json")
    assert result.returncode == 0
    assert {case["id"][:5] for case in json.loads(result.stdout)} == {"TC_B_"}


def test_schema_prints_json_schema() -> None:
    for kind in ("lab", "dut", "profile"):
        result = harness("schema", kind)
        assert result.returncode == 0
        assert "properties" in json.loads(result.stdout)


def _one_line_error(result: Any, *needles: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_malformed_lab_file(tmp_path: Path) -> None:
    lab = tmp_path / "lab.yaml"
    lab.write_text("name: bench\nkind: virtual\ncsms:\n  port: seventy\nvirtual_station: {}\n")
    _one_line_error(harness("run", "--lab", str(lab), "--out", str(tmp_path / "run")), "lab.yaml", "csms.port")
    assert not (tmp_path / "run").exists()


def test_malformed_dut_file(tmp_path: Path) -> None:
    dut = tmp_path / "dut.yaml"
    text = (
        (PROJECT / "profiles/dut/virtual-station.yaml")
        .read_text()
        .replace("station_identity: VS-0001", "station_identity: 'bad id/with slash'")
    )
    dut.write_text(text)
    _one_line_error(harness("run", "--dut", str(dut)), "dut.yaml", "ocpp.station_identity")


def test_unknown_fault_and_profile() -> None:
    _one_line_error(harness("run", "--virtual-fault", "no-such-fault"), "no-such-fault")
    _one_line_error(harness("run", "--profile", "no-such-profile"), "no-such-profile")


def test_report_of_missing_dir(tmp_path: Path) -> None:
    _one_line_error(harness("report", str(tmp_path / "nothing")))


def test_virtual_station_lists_faults() -> None:
    result = harness("virtual-station", "--list-faults")
    assert result.returncode == 0
    names = result.stdout.split()
    assert len(names) >= 10 and all(name == name.strip() and " " not in name for name in names)
