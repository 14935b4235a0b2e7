"""The per-profile certification summary: which claimed profiles had every applicable case pass."""

from __future__ import annotations

from harness.report.certification import certification_view
from harness.report.model import CaseResult


def _result(case_id: str, profile: str, verdict: str) -> CaseResult:
    return CaseResult(line=1, id=case_id, verdict=verdict, certification_profile=profile)


def test_profiles_are_judged_on_their_applicable_cases() -> None:
    results = (
        _result("TC_B_01_CS", "core", "pass"),
        _result("TC_A_07_CS", "advanced_security", "not_applicable"),
        _result("TC_K_01_CS", "smart_charging", "pass"),
        _result("TC_K_02_CS", "smart_charging", "fail"),
        _result("TC_H_01_CS", "reservation", "error"),
        _result("TC_SECC_CMN_VTB_SDP_001", "", "fail"),  # outside Part 6: not in any profile
    )
    claimed = ("core", "advanced_security", "smart_charging", "reservation")
    view = certification_view(claimed, results)
    assert view is not None
    standing = {s.profile: s for s in view.standings}
    assert standing["core"].status == "pass" and standing["core"].applicable == 1
    assert standing["advanced_security"].status == "open" and standing["advanced_security"].not_applicable == 1
    assert standing["smart_charging"].status == "fail" and standing["smart_charging"].failed == ("TC_K_02_CS",)
    assert standing["reservation"].status == "open" and standing["reservation"].undecided == ("TC_H_01_CS",)
    assert view.line == "Core"


def test_no_ocpp_case_means_no_certification_view() -> None:
    assert certification_view(("core",), (_result("TC_SECC_CMN_VTB_SDP_001", "", "pass"),)) is None
