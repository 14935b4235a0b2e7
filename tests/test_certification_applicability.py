"""Part 5 applicability: a DUT that claims only Core gets `not_applicable`, with the profile named, for every case
of an optional certification profile; Core cases and cases outside Part 6 are unaffected."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.applicability import unmet_certification
from harness.config import ConfigError, load_dut
from harness.ocpp.v201.inventory import PROFILE_LABELS, inventory
from tests.conftest import PROJECT

SHIPPED_DUT = PROJECT / "profiles/dut/virtual-station.yaml"


def _dut(tmp_path: Path, profiles: list[str]) -> Path:
    data = yaml.safe_load(SHIPPED_DUT.read_text())
    data["certification"] = {"profiles": profiles}
    path = tmp_path / "dut.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_core_only_makes_every_optional_profile_case_not_applicable(tmp_path: Path) -> None:
    dut = load_dut(_dut(tmp_path, ["core"]))
    for case_id, entry in inventory().items():
        reason = unmet_certification(case_id, dut)
        if entry.profile == "core":
            assert reason is None or "Part 5 makes the case conditional" in reason, case_id
        else:
            assert reason is not None and PROFILE_LABELS[entry.profile] in reason, case_id


def test_cases_outside_part6_are_not_judged_by_profile(tmp_path: Path) -> None:
    dut = load_dut(_dut(tmp_path, ["core"]))
    assert unmet_certification("TC_SECC_CMN_VTB_SDP_001", dut) is None
    assert unmet_certification("TC_BEH_MTR_02", dut) is None


def test_core_cannot_be_left_out(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="every certification includes core"):
        load_dut(_dut(tmp_path, ["smart_charging"]))
