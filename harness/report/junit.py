"""Write junit.xml from results.jsonl (not from pytest): one testsuite, one testcase per recorded result."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Final

from harness.report.model import CaseResult, EvidenceFile, Finding, RunData

SUITE_NAME: Final = "harness"
# XML 1.0 forbids most control characters even as references; a DUT can put anything in a frame we quote.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FAILURE_VERDICTS: Final = frozenset({"fail", "inconclusive"})


def render_junit(data: RunData) -> bytes:
    """The JUnit XML document (UTF-8, with declaration)."""
    counts = data.counts
    total_time = sum(result.duration_s or 0.0 for result in data.results)
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": SUITE_NAME,
            "tests": str(len(data.results)),
            "failures": str(counts["fail"] + counts["inconclusive"]),
            "errors": str(counts["error"]),
            "skipped": str(counts["not_applicable"]),
            "time": f"{total_time:.3f}",
            "timestamp": _clean(data.run.started_at or ""),
        },
    )
    suite_properties = {
        "run.status": data.run.status,
        "harness.version": data.run.harness_version,
        "dut.identity": data.run.dut.identity,
        "dut.firmware": data.run.dut.firmware,
        "ocpp.version": data.run.ocpp_version,
        "virtual_faults": ",".join(data.run.virtual_faults) or None,
    }
    properties = ET.SubElement(suite, "properties")
    for name, value in suite_properties.items():
        if value:
            ET.SubElement(properties, "property", {"name": name, "value": _clean(value)})
    for result in data.results:
        suite.append(_testcase(result, data.evidence))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _testcase(result: CaseResult, evidence: Mapping[str, EvidenceFile]) -> ET.Element:
    classname = ".".join(part for part in (result.standard, result.block) if part) or SUITE_NAME
    case = ET.Element(
        "testcase",
        {
            "classname": _clean(classname),
            "name": _clean(f"{result.id} {result.title}".strip()),
            "time": f"{result.duration_s or 0.0:.3f}",
        },
    )
    properties = ET.SubElement(case, "properties")
    ET.SubElement(properties, "property", {"name": "verdict", "value": result.verdict})
    for requirement in result.requirements:
        ET.SubElement(properties, "property", {"name": "requirement", "value": _clean(requirement)})
    for use_case in result.use_cases:
        ET.SubElement(properties, "property", {"name": "use_case", "value": _clean(use_case)})

    message = _clean(result.reason.strip() or result.verdict)
    details = "\n".join([message, *(_finding_line(finding) for finding in result.findings)])
    if result.verdict in _FAILURE_VERDICTS:
        ET.SubElement(case, "failure", {"message": message, "type": result.verdict}).text = _clean(details)
    elif result.verdict == "error":
        ET.SubElement(case, "error", {"message": message, "type": "error"}).text = _clean(details)
    elif result.verdict == "not_applicable":
        ET.SubElement(case, "skipped", {"message": message})
    if result.evidence:
        ET.SubElement(case, "system-out").text = _clean("\n".join(_evidence_lines(result, evidence)))
    return case


def _evidence_lines(result: CaseResult, evidence: Mapping[str, EvidenceFile]) -> list[str]:
    """One line per evidence path; an attachment that exists in the [[ATTACHMENT|path]] form CI servers pick up.

    The path stays relative to the run directory, which is where junit.xml is: an absolute path would break as soon
    as the run directory is archived or moved.
    """
    lines = []
    for path in result.evidence:
        found = evidence.get(path)
        lines.append(f"[[ATTACHMENT|{path}]]" if found is not None and found.attachment and found.exists else path)
    return lines


def _finding_line(finding: Finding) -> str:
    kind = f"{finding.kind}: " if finding.kind else ""
    return f"[{finding.severity}] {kind}{finding.message}"


def _clean(text: str) -> str:
    return _ILLEGAL_XML.sub("\ufffd", text)
