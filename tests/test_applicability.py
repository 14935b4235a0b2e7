"""Applicability from the DUT profile: OCPP capabilities and ISO 15118-20 PICS, each with its reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.applicability import unmet_need
from harness.config import Dut, Lab, load_dut, load_lab
from tests.conftest import PROJECT

LAB = load_lab(PROJECT / "lab_setup/virtual.yaml")
DUT_FILE = PROJECT / "profiles/dut/virtual-station.yaml"


def dut_with(tmp_path: Path, **iso: Any) -> Dut:
    data = yaml.safe_load(DUT_FILE.read_text())
    if iso.get("drop"):
        del data["iso15118"]
    else:
        data["iso15118"].update(iso)
    path = tmp_path / "dut.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_dut(path)


def test_the_virtual_station_meets_every_iso_need() -> None:
    dut = load_dut(DUT_FILE)
    needs = ["iso15118", "iso15118.service.DC_BPT", "iso15118.family.AC", "iso15118.mode.Dynamic", "iso15118.id.EIM"]
    needs += ["iso15118.resume", "iso15118.dynamic_discharge", "iso15118.bidirectional", "iso15118.tls", "iso15118.tcp"]
    for need in needs:
        assert unmet_need(need, dut, LAB) is None, need


@pytest.mark.parametrize(
    ("change", "need", "reason"),
    [
        ({"drop": True}, "iso15118", "declares no ISO 15118-20 support"),
        ({"energy_services": ["DC"]}, "iso15118.family.AC", "does not declare ISO 15118-20 family AC"),
        ({"energy_services": ["DC", "AC"]}, "iso15118.bidirectional", "no bidirectional"),
        ({"control_modes": ["Scheduled"]}, "iso15118.mode.Dynamic", "mode Dynamic (declares Scheduled)"),
        ({"session_resume": False}, "iso15118.resume", "no session resumption"),
        ({"dynamic_discharge": "none"}, "iso15118.dynamic_discharge", "discharge in Dynamic mode"),
        ({"tls": "required"}, "iso15118.tcp", "TLS required"),
        ({"tls": "none"}, "iso15118.tls", "declares no TLS"),
    ],
)
def test_each_unmet_need_names_what_is_missing(tmp_path: Path, change: dict[str, Any], need: str, reason: str) -> None:
    reason_given = unmet_need(need, dut_with(tmp_path, **change), LAB)
    assert reason_given is not None and reason in reason_given


def test_a_lab_without_an_iso_link_makes_iso_cases_not_applicable() -> None:
    lab = Lab.model_validate({**LAB.model_dump(), "iso15118": None})
    assert "no iso15118 link" in (unmet_need("iso15118", load_dut(DUT_FILE), lab) or "")


def test_ocpp_capabilities_still_decide_ocpp_cases() -> None:
    dut = load_dut(DUT_FILE)
    assert unmet_need("remote_start_stop", dut, LAB) is None
    bare = dut.model_copy(update={"capabilities": []})
    assert "capability 'remote_start_stop'" in (unmet_need("remote_start_stop", bare, LAB) or "")
