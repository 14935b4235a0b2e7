"""What a run directory holds, as read by the loader: plain frozen dataclasses, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

VERDICTS: Final = ("pass", "fail", "inconclusive", "not_applicable", "error")
TRACE_CAP: Final = 2000


class RunDirError(Exception):
    """The run directory cannot be reported on at all (a required file is missing); the message is one line."""


@dataclass(frozen=True)
class LabInfo:
    name: str | None = None
    kind: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class DutInfo:
    vendor: str | None = None
    model: str | None = None
    serial: str | None = None
    firmware: str | None = None
    identity: str | None = None
    file: str | None = None
    certification_profiles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProfileInfo:
    name: str | None = None
    file: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class RunInfo:
    """run.json; every field optional because a killed run may have written only part of it."""

    harness_version: str | None = None
    status: str = "unknown"
    started_at: str | None = None
    ended_at: str | None = None
    lab: LabInfo = field(default_factory=LabInfo)
    dut: DutInfo = field(default_factory=DutInfo)
    profile: ProfileInfo = field(default_factory=ProfileInfo)
    ocpp_version: str | None = None
    virtual_faults: tuple[str, ...] = ()
    command: str | None = None
    recorded_counts: Mapping[str, int] | None = None


@dataclass(frozen=True)
class Finding:
    severity: str
    kind: str
    message: str
    frame_seq: int | None = None


@dataclass(frozen=True)
class Step:
    t: float | None
    text: str


@dataclass(frozen=True)
class CaseResult:
    """One line of results.jsonl; `line` is its 1-based line number, `verdict` is always one of VERDICTS."""

    line: int
    id: str
    title: str = ""
    standard: str = ""
    block: str = ""
    use_cases: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    verdict: str = "error"
    reason: str = ""
    started_at: str | None = None
    duration_s: float | None = None
    evidence: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    steps: tuple[Step, ...] = ()
    problems: tuple[str, ...] = ()
    certification_profile: str = ""


@dataclass(frozen=True)
class EvidenceEntry:
    """One line of an evidence file; `record` is None when the line is not valid JSON (then `text` holds it)."""

    line: int
    record: Mapping[str, Any] | None
    text: str = ""


@dataclass(frozen=True)
class EvidenceFile:
    """An evidence file as found: at most the trace cap of entries, plus what was wrong with it.

    An `attachment` (a packet capture, a TLS key log) is never parsed: it has no entries, only its size.
    """

    path: str
    exists: bool
    sha256: str | None = None
    entries: tuple[EvidenceEntry, ...] = ()
    total_entries: int = 0
    problems: tuple[str, ...] = ()
    attachment: bool = False
    size: int | None = None

    @property
    def capped(self) -> bool:
        return self.total_entries > len(self.entries)


@dataclass(frozen=True)
class RunData:
    """Everything load_run found in a run directory, with the notices about what it had to skip."""

    run_dir: Path
    run: RunInfo
    results: tuple[CaseResult, ...]
    evidence: Mapping[str, EvidenceFile]
    notices: tuple[str, ...] = ()
    results_sha256: str = ""
    run_json_sha256: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Verdict counts recomputed from results.jsonl (run.json's may be stale after a kill)."""
        counts = dict.fromkeys(VERDICTS, 0)
        for result in self.results:
            counts[result.verdict] += 1
        return counts

    @property
    def complete(self) -> bool:
        return self.run.status == "complete"
