"""junit.xml: built from results.jsonl, valid XML, the right failure / error / skipped counts."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.report import render_run


def _suite(run_dir: Path) -> ET.Element:
    root = ET.parse(render_run(run_dir).junit).getroot()
    suites = root.findall("testsuite")
    assert root.tag == "testsuites" and len(suites) == 1
    return suites[0]


def test_suite_counts(complete_run: Path) -> None:
    suite = _suite(complete_run)
    assert suite.get("name") == "harness"
    assert suite.get("tests") == "6"
    assert suite.get("failures") == "2"  # fail + inconclusive
    assert suite.get("errors") == "1"
    assert suite.get("skipped") == "1"
    assert suite.get("time") == f"{6 * 1.234:.3f}"
    assert suite.get("timestamp") == "2026-11-22T10:00:00.123+00:00"
    cases = suite.findall("testcase")
    assert len(cases) == 6
    assert len(suite.findall("testcase/failure")) == 2
    assert len(suite.findall("testcase/error")) == 1
    assert len(suite.findall("testcase/skipped")) == 1


def test_testcase_content(complete_run: Path) -> None:
    cases = {case.get("name"): case for case in _suite(complete_run).findall("testcase")}
    failed = cases["TC_B_02_CS Title of TC_B_02_CS"]
    assert failed.get("classname") == "OCPP 2.0.1.B Provisioning"
    assert failed.get("time") == "1.234"
    failure = failed.find("failure")
    assert failure is not None
    assert failure.get("type") == "fail"
    assert failure.get("message") == "Reason for fail.\nSecond line of the reason."
    assert "[nonconformity] schema: Authorize idToken invalid" in (failure.text or "")
    requirements = [p.get("value") for p in failed.findall("properties/property[@name='requirement']")]
    assert requirements == ["B01.FR.01", "B01.FR.05"]
    assert failed.findtext("system-out") == "evidence/TC_B_02_CS.jsonl"
    inconclusive = cases["TC_E_01_CS Title of TC_E_01_CS"].find("failure")
    assert inconclusive is not None and inconclusive.get("type") == "inconclusive"
    error = cases["TC_D_01_CS Title of TC_D_01_CS"].find("error")
    assert error is not None and error.get("type") == "error"
    skipped = cases["TC_C_01_CS Title of TC_C_01_CS"].find("skipped")
    assert skipped is not None and skipped.get("message") == "The DUT does not declare LocalAuthList."
    assert cases["TC_B_01_CS Title of TC_B_01_CS"].find("failure") is None


def test_hostile_text_stays_valid_xml(make_run: Any, rb: Any) -> None:
    reason = 'Got <Reset> & "quotes" \x00\x07 ]]> end'
    line = json.dumps(rb.result("TC_<X>", "fail", reason=reason, title="a & b"))
    suite = _suite(make_run("{}", line + "\n"))
    case = suite.find("testcase")
    assert case is not None and case.get("name") == "TC_<X> a & b"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == 'Got <Reset> & "quotes" \ufffd\ufffd ]]> end'


def test_killed_run_junit_counts_recorded_cases(killed_run: Path) -> None:
    suite = _suite(killed_run)
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    props = {p.get("name"): p.get("value") for p in suite.findall("properties/property")}
    assert props["run.status"] == "running"
    assert props["virtual_faults"] == "seqno-gap"
