"""The run directory's durable records: run.json and results.jsonl (one line per case, appended and fsynced)."""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.verdict import Verdict


@dataclass
class CaseResult:
    id: str
    title: str
    standard: str
    block: str
    use_cases: list[str]
    requirements: list[str]
    verdict: str
    reason: str
    started_at: str
    duration_s: float
    evidence: list[str] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    nodeid: str = ""
    certification_profile: str = ""  # OCPP 2.0.1 Part 5 profile of the case; "" outside Part 6


class RunRecorder:
    """Owns run.json and results.jsonl for one run directory."""

    def __init__(self, run_dir: Path, run_info: dict[str, Any]) -> None:
        self.run_dir = run_dir
        run_dir.mkdir(parents=True, exist_ok=True)
        self.results_path = run_dir / "results.jsonl"
        self.run_path = run_dir / "run.json"
        self.counts: Counter[str] = Counter()
        self.info = {**run_info, "status": "running", "started_at": now_iso(), "counts": self._counts()}
        self._write_run()
        self.results_path.touch()

    def append(self, result: CaseResult) -> None:
        line = json.dumps(asdict(result), ensure_ascii=False) + "\n"
        with self.results_path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self.counts[result.verdict] += 1

    def finish(self, status: str) -> None:
        self.info.update(status=status, ended_at=now_iso(), counts=self._counts())
        self._write_run()

    def _counts(self) -> dict[str, int]:
        return {v.value: self.counts.get(v.value, 0) for v in Verdict}

    def _write_run(self) -> None:
        temporary = self.run_path.with_suffix(".json.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(self.info, handle, indent=2, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.run_path)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def read_verdicts(results_path: Path) -> list[str]:
    """Verdicts of the complete lines of a results file (a torn last line from a kill is ignored)."""
    verdicts: list[str] = []
    if not results_path.is_file():
        return verdicts
    for line in results_path.read_text(encoding="utf-8").splitlines():
        try:
            verdicts.append(str(json.loads(line)["verdict"]))
        except (json.JSONDecodeError, KeyError, TypeError):
            continue
    return verdicts


def exit_code_for(verdicts: list[str]) -> int:
    """The CLI contract: 0 all applicable passed, 1 any fail/inconclusive, 3 any harness or lab error."""
    if Verdict.ERROR.value in verdicts:
        return 3
    if Verdict.FAIL.value in verdicts or Verdict.INCONCLUSIVE.value in verdicts:
        return 1
    return 0
