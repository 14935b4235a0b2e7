"""Read a run directory tolerantly: a killed run leaves truncated lines and missing files, never a traceback."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

from harness.report import coerce
from harness.report.model import (
    TRACE_CAP,
    VERDICTS,
    CaseResult,
    DutInfo,
    EvidenceEntry,
    EvidenceFile,
    Finding,
    LabInfo,
    ProfileInfo,
    RunData,
    RunDirError,
    RunInfo,
    Step,
)

# A broken file can have thousands of bad lines; the report names the first few and counts the rest.
MAX_PROBLEMS_LISTED = 10
# Only these are parsed line by line; anything else a case lists (a pcapng, a TLS key log) is an attachment that the
# report links to but never reads: binary data parsed as JSONL would only produce pages of "invalid line" rows.
TRACE_SUFFIXES: Final = frozenset({".jsonl"})
# Entry fields that name another file of the run, by entry kind.
FILE_FIELDS: Final = {"attachment": ("path",), "v2g_session": ("pcap", "keylog")}


def load_run(run_dir: Path, *, trace_cap: int = TRACE_CAP) -> RunData:
    """Read run.json, results.jsonl and the evidence they name; raise RunDirError only if a required file is missing."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunDirError(f"run directory {run_dir} does not exist")
    run_path = run_dir / "run.json"
    results_path = run_dir / "results.jsonl"
    for required in (run_path, results_path):
        if not required.is_file():
            raise RunDirError(f"{required.name} is missing in {run_dir}: not a run directory, or the run never started")

    notices: list[str] = []
    run_bytes = _read_bytes(run_path, notices)
    results_bytes = _read_bytes(results_path, notices)
    run = _parse_run(run_bytes, notices)
    results = _parse_results(results_bytes, notices)

    evidence: dict[str, EvidenceFile] = {}
    for result in results:
        for rel in result.evidence:
            if rel not in evidence:
                evidence[rel] = _load_evidence(run_dir, rel, trace_cap)
        # A case that crashed never listed its attachments; the entries that name them still make them linkable.
        for rel in _referenced_files(evidence[path] for path in result.evidence):
            if rel not in evidence:
                evidence[rel] = _load_evidence(run_dir, rel, trace_cap)

    recomputed = dict.fromkeys(VERDICTS, 0)
    for result in results:
        recomputed[result.verdict] += 1
    if run.recorded_counts is not None and dict(run.recorded_counts) != recomputed:
        notices.append(
            "The counts in run.json differ from results.jsonl (stale after an interrupted run); "
            "this report counts results.jsonl."
        )

    return RunData(
        run_dir=run_dir,
        run=run,
        results=tuple(results),
        evidence=evidence,
        notices=tuple(notices),
        results_sha256=hashlib.sha256(results_bytes).hexdigest(),
        run_json_sha256=hashlib.sha256(run_bytes).hexdigest(),
    )


def _read_bytes(path: Path, notices: list[str]) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        # is_file() said it was there; a permission problem should still yield a (flagged) report.
        notices.append(f"{path.name} could not be read ({exc.strerror or exc}); treated as empty.")
        return b""


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    value: Any
    valid: bool
    last: bool


def _json_lines(data: bytes) -> Iterator[_Line]:
    """Yield the non-blank lines with their 1-based numbers, parsed when they are valid JSON."""
    # errors="replace": a kill can cut a multi-byte character in half. split("\n"), not splitlines(): JSON text may
    # hold a raw U+2028 or U+0085 inside a string, which splitlines() would treat as a line break.
    decoded = data.decode("utf-8", errors="replace")
    lines = [(n, t.rstrip("\r")) for n, t in enumerate(decoded.split("\n"), 1) if t.strip()]
    for index, (number, text) in enumerate(lines):
        last = index == len(lines) - 1
        try:
            yield _Line(number, text, json.loads(text), True, last)
        except (ValueError, RecursionError):
            yield _Line(number, text, None, False, last)


def _parse_run(data: bytes, notices: list[str]) -> RunInfo:
    try:
        raw = json.loads(data.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        notices.append("run.json is not valid JSON (cut short?); run details are unknown.")
        return RunInfo()
    if not isinstance(raw, dict):
        notices.append("run.json does not hold a JSON object; run details are unknown.")
        return RunInfo()
    lab, dut, profile = coerce.obj(raw.get("lab")), coerce.obj(raw.get("dut")), coerce.obj(raw.get("profile"))
    faults = raw.get("virtual_faults")
    return RunInfo(
        harness_version=coerce.text(raw.get("harness_version")),
        status=coerce.text(raw.get("status")) or "unknown",
        started_at=coerce.text(raw.get("started_at")),
        ended_at=coerce.text(raw.get("ended_at")),
        lab=LabInfo(
            name=coerce.text(lab.get("name")), kind=coerce.text(lab.get("kind")), file=coerce.text(lab.get("file"))
        ),
        dut=DutInfo(
            vendor=coerce.text(dut.get("vendor")),
            model=coerce.text(dut.get("model")),
            serial=coerce.text(dut.get("serial")),
            firmware=coerce.text(dut.get("firmware")),
            identity=coerce.text(dut.get("identity")),
            file=coerce.text(dut.get("file")),
            certification_profiles=coerce.texts(dut.get("certification_profiles")),
        ),
        profile=ProfileInfo(
            name=coerce.text(profile.get("name")),
            file=coerce.text(profile.get("file")),
            description=coerce.text(profile.get("description")),
        ),
        ocpp_version=coerce.text(raw.get("ocpp_version")),
        virtual_faults=(faults,) if isinstance(faults, str) and faults else coerce.texts(faults),
        command=coerce.text(raw.get("command")),
        recorded_counts=_counts(raw.get("counts")),
    )


def _parse_results(data: bytes, notices: list[str]) -> list[CaseResult]:
    results: list[CaseResult] = []
    skipped: list[str] = []
    for line in _json_lines(data):
        if not line.valid:
            if line.last:
                notices.append(
                    f"The last line of results.jsonl (line {line.number}) is incomplete and was ignored: "
                    "the harness probably stopped while writing it."
                )
            else:
                skipped.append(f"results.jsonl line {line.number} is not valid JSON; skipped.")
            continue
        if not isinstance(line.value, dict):
            skipped.append(f"results.jsonl line {line.number} is not a JSON object; skipped.")
            continue
        case_id = coerce.text(line.value.get("id"))
        if not case_id:
            skipped.append(f"results.jsonl line {line.number} has no test case id; skipped.")
            continue
        results.append(_parse_result(line.number, case_id, line.value))
    notices.extend(_limit(skipped))
    return results


def _parse_result(number: int, case_id: str, raw: Mapping[str, Any]) -> CaseResult:
    problems: list[str] = []
    verdict = coerce.text(raw.get("verdict")) or ""
    if verdict not in VERDICTS:
        # An unreadable verdict is the harness's failure, never the DUT's: count it as an error.
        problems.append(f"Unknown verdict {verdict!r} in results.jsonl line {number}; shown as error.")
        verdict = "error"
    findings: list[Finding] = []
    for item in coerce.items(raw.get("findings")):
        if isinstance(item, dict):
            findings.append(
                Finding(
                    severity=coerce.text(item.get("severity")) or "observation",
                    kind=coerce.text(item.get("kind")) or "",
                    message=coerce.text(item.get("message")) or "",
                    frame_seq=coerce.integer(item.get("frame_seq")),
                )
            )
        else:
            problems.append("A finding that is not a JSON object was skipped.")
    steps = [
        Step(t=coerce.number(item.get("t")), text=coerce.text(item.get("text")) or "")
        for item in coerce.items(raw.get("steps"))
        if isinstance(item, dict)
    ]
    evidence = coerce.texts(raw.get("evidence"))
    if len(evidence) != len(coerce.items(raw.get("evidence"))):
        problems.append("An evidence entry that is not a path was skipped.")
    return CaseResult(
        line=number,
        id=case_id,
        title=coerce.text(raw.get("title")) or "",
        standard=coerce.text(raw.get("standard")) or "",
        block=coerce.text(raw.get("block")) or "",
        use_cases=coerce.texts(raw.get("use_cases")),
        requirements=coerce.texts(raw.get("requirements")),
        verdict=verdict,
        reason=coerce.text(raw.get("reason")) or "",
        started_at=coerce.text(raw.get("started_at")),
        duration_s=coerce.number(raw.get("duration_s")),
        evidence=evidence,
        findings=tuple(findings),
        steps=tuple(steps),
        problems=tuple(problems),
        certification_profile=coerce.text(raw.get("certification_profile")) or "",
    )


def is_trace_path(rel: str) -> bool:
    """Whether a listed evidence path is a JSONL trace (parsed) rather than an attachment (only linked)."""
    return PurePosixPath(rel.replace("\\", "/")).suffix.lower() in TRACE_SUFFIXES


def _referenced_files(files: Iterable[EvidenceFile]) -> list[str]:
    """Paths that attachment and v2g_session entries name, in order of appearance; wrongly typed ones are skipped."""
    found: list[str] = []
    for file in files:
        for entry in file.entries:
            record = entry.record or {}
            for name in FILE_FIELDS.get(coerce.strict_text(record.get("kind")) or "", ()):
                path = coerce.strict_text(record.get(name))
                if path and path not in found:
                    found.append(path)
    return found


def _load_evidence(run_dir: Path, rel: str, cap: int) -> EvidenceFile:
    pure = PurePosixPath(rel.replace("\\", "/"))
    target = run_dir / pure
    attachment = not is_trace_path(rel)
    # Evidence paths come from a file we do not trust to be well-formed; never read outside the run directory.
    if pure.is_absolute() or ".." in pure.parts or not target.resolve().is_relative_to(run_dir.resolve()):
        return EvidenceFile(
            path=rel,
            exists=False,
            attachment=attachment,
            problems=("The path points outside the run directory; not read.",),
        )
    if not target.is_file():
        return EvidenceFile(path=rel, exists=False, attachment=attachment, problems=("The evidence file is missing.",))
    if attachment:
        return _stat_attachment(target, rel)
    try:
        data = target.read_bytes()
    except OSError as exc:
        return EvidenceFile(path=rel, exists=False, problems=(f"The evidence file could not be read: {exc}.",))

    entries: list[EvidenceEntry] = []
    problems: list[str] = []
    total = 0
    for line in _json_lines(data):
        if not line.valid and line.last:
            problems.append(f"The last line (line {line.number}) is incomplete and was ignored.")
            continue
        total += 1
        if line.valid and isinstance(line.value, dict):
            if len(entries) < cap:
                entries.append(EvidenceEntry(line=line.number, record=line.value))
            continue
        problems.append(f"Line {line.number} is not a JSON object; shown as a flagged row.")
        if len(entries) < cap:
            entries.append(EvidenceEntry(line=line.number, record=None, text=line.text))
    return EvidenceFile(
        path=rel,
        exists=True,
        sha256=hashlib.sha256(data).hexdigest(),
        entries=tuple(entries),
        total_entries=total,
        problems=tuple(_limit(problems)),
    )


def _stat_attachment(target: Path, rel: str) -> EvidenceFile:
    # Not hashed here: a capture can be large, and manifest.json already holds the SHA-256 of every file.
    try:
        size = target.stat().st_size
    except OSError as exc:
        return EvidenceFile(
            path=rel, exists=False, attachment=True, problems=(f"The attached file could not be read: {exc}.",)
        )
    return EvidenceFile(path=rel, exists=True, attachment=True, size=size)


def _limit(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS_LISTED:
        return problems
    extra = len(problems) - MAX_PROBLEMS_LISTED
    return [*problems[:MAX_PROBLEMS_LISTED], f"… and {extra} more such problems."]


def _counts(value: Any) -> dict[str, int] | None:
    if not isinstance(value, dict):
        return None
    return {verdict: count for verdict in VERDICTS if isinstance(count := value.get(verdict, 0), int)}
