"""Render RunData into the self-contained report.html: the view is prepared here, the template only lays it out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Final

import jinja2

import harness
from harness.report import coerce
from harness.report.attachments import AttachmentView, case_attachments
from harness.report.certification import certification_view
from harness.report.fmt import format_duration, format_time
from harness.report.model import CaseResult, EvidenceFile, Finding, RunData
from harness.report.trace import TraceRow, build_rows
from harness.report.v2g import SessionView, build_sessions

TEMPLATE: Final = "report.html.j2"
VERDICT_LABELS: Final = {
    "pass": "pass",
    "fail": "fail",
    "inconclusive": "inconclusive",
    "not_applicable": "not applicable",
    "error": "error",
}
# Traces of cases that need reading open by default; a passing trace is evidence kept at hand, closed.
OPEN_TRACE_VERDICTS: Final = frozenset({"fail", "error"})
_STATUS_DETAIL: Final = {
    "running": "run.json still says “running”: the harness stopped without finishing (killed, crashed, lost power) "
    "or is still running.",
    "interrupted": "The run was stopped before its end.",
}


@dataclass(frozen=True)
class FindingView:
    finding: Finding
    href: str


@dataclass(frozen=True)
class TraceView:
    evidence: EvidenceFile
    rows: tuple[TraceRow, ...]


@dataclass(frozen=True)
class CaseView:
    result: CaseResult
    anchor: str
    summary: str
    duration: str
    started: str
    trace_open: bool
    findings: tuple[FindingView, ...]
    steps: tuple[tuple[str, str], ...]
    traces: tuple[TraceView, ...]
    v2g_sessions: tuple[SessionView, ...]
    attachments: tuple[AttachmentView, ...]


@dataclass(frozen=True)
class Overall:
    verdict: str
    text: str


@dataclass(frozen=True)
class Timing:
    started: str
    ended: str
    duration: str


def render_html(data: RunData, *, generated_at: datetime) -> str:
    """The whole report as one HTML string."""
    counts = data.counts
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            data=data,
            run=data.run,
            counts=counts,
            total=len(data.results),
            overall=overall_verdict(counts, complete=data.complete),
            status_detail=_STATUS_DETAIL.get(data.run.status, f"run.json gives the status “{data.run.status}”."),
            timing=_timing(data),
            cases=_case_views(data),
            certification=certification_view(data.run.dut.certification_profiles, data.results),
            generated_at=format_time(generated_at.isoformat()),
            verdict_labels=VERDICT_LABELS,
            generator_version=harness.__version__,
        )
    )


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # PackageLoader finds the templates wherever the package is installed (wheel, editable, zip).
    return jinja2.Environment(
        loader=jinja2.PackageLoader("harness.report", "templates"),
        autoescape=True,  # select_autoescape would not match the ".j2" suffix
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def overall_verdict(counts: dict[str, int], *, complete: bool) -> Overall:
    """One line a reader can act on; a failure outweighs an error, an error outweighs inconclusive."""
    total = sum(counts.values())
    applicable = total - counts["not_applicable"]
    if not total:
        overall = Overall("none", "No test case was recorded.")
    elif counts["fail"]:
        overall = Overall("fail", f"Not conformant: {counts['fail']} of {applicable} applicable test cases failed.")
    elif counts["error"]:
        overall = Overall(
            "error",
            f"Not decided: {counts['error']} of {applicable} applicable test cases hit a harness or lab error.",
        )
    elif counts["inconclusive"]:
        overall = Overall(
            "inconclusive",
            f"Not decided: {counts['inconclusive']} of {applicable} applicable test cases were inconclusive.",
        )
    elif applicable:
        overall = Overall("pass", f"All {applicable} applicable test cases passed.")
    else:
        overall = Overall("not_applicable", "No recorded test case was applicable to this device.")
    if not complete and total:
        overall = Overall(overall.verdict, f"{overall.text} The run did not complete: only recorded cases count.")
    return overall


def anchor_for(case_id: str, used: set[str]) -> str:
    """A unique, URL-safe element id; a re-run of the same case gets `-2`, `-3`…"""
    base = "tc-" + re.sub(r"[^A-Za-z0-9_.-]", "_", case_id)
    anchor, n = base, 1
    while anchor in used:
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def _timing(data: RunData) -> Timing:
    started = coerce.timestamp(data.run.started_at)
    ended = coerce.timestamp(data.run.ended_at)
    if started is not None and ended is not None:
        duration = format_duration(_seconds(ended - started))
    elif started is not None and (last := _last_activity(data)) is not None:
        duration = f"unknown (last recorded result ended {format_duration(_seconds(last - started))} after the start)"
    else:
        duration = "unknown"
    ended_text = format_time(data.run.ended_at) if data.run.ended_at else "not recorded"
    return Timing(started=format_time(data.run.started_at), ended=ended_text, duration=duration)


def _seconds(delta: timedelta) -> float:
    return delta.total_seconds()


def _last_activity(data: RunData) -> datetime | None:
    ends = []
    for result in data.results:
        start = coerce.timestamp(result.started_at)
        if start is not None:
            ends.append(start + timedelta(seconds=result.duration_s or 0.0))
    try:
        return max(ends, default=None)
    except TypeError:  # naive and aware timestamps mixed
        return None


def _case_views(data: RunData) -> list[CaseView]:
    used: set[str] = set()
    return [_case_view(data, result, anchor_for(result.id, used)) for result in data.results]


def _case_view(data: RunData, result: CaseResult, anchor: str) -> CaseView:
    row_anchors: set[str] = set()
    trace_files = [
        file for path in result.evidence if (file := data.evidence.get(path)) is not None and not file.attachment
    ]
    traces = tuple(TraceView(evidence=file, rows=tuple(build_rows(file, anchor, row_anchors))) for file in trace_files)
    # After the traces: a sequence row links to a trace row only if that row got its anchor.
    sessions = build_sessions(trace_files, anchor, row_anchors, data.evidence)
    shown = {path for session in sessions for path in session.attachment_paths}
    findings = tuple(
        FindingView(
            finding=finding,
            href=f"#{target}"
            if finding.frame_seq is not None and (target := f"{anchor}-seq-{finding.frame_seq}") in row_anchors
            else "",
        )
        for finding in result.findings
    )
    return CaseView(
        result=result,
        anchor=anchor,
        summary=result.reason.strip().splitlines()[0] if result.reason.strip() else "",
        duration=format_duration(result.duration_s),
        started=format_time(result.started_at) if result.started_at else "—",
        trace_open=result.verdict in OPEN_TRACE_VERDICTS,
        findings=findings,
        steps=tuple(("" if step.t is None else f"{step.t:.3f}", step.text) for step in result.steps),
        traces=traces,
        v2g_sessions=sessions,
        attachments=case_attachments(result.evidence, trace_files, data.evidence, exclude=shown),
    )
