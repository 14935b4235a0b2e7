"""Render a run directory into report.html, junit.xml and manifest.json.

Works on partial runs (the harness killed mid-run): bad lines and missing evidence become notices in the report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from harness.report.html import render_html
from harness.report.junit import render_junit
from harness.report.loader import load_run
from harness.report.manifest import MANIFEST_NAME, build_manifest, manifest_json
from harness.report.model import VERDICTS, CaseResult, RunData, RunDirError

__all__ = ["VERDICTS", "CaseResult", "RenderedRun", "RunData", "RunDirError", "load_run", "render_run"]

REPORT_NAME = "report.html"
JUNIT_NAME = "junit.xml"


@dataclass(frozen=True)
class RenderedRun:
    """Where the rendered files are, the verdict counts from results.jsonl, and what the loader had to skip."""

    html: Path
    junit: Path
    manifest: Path
    counts: dict[str, int]
    complete: bool
    notices: tuple[str, ...]


def render_run(run_dir: Path, *, now: datetime | None = None) -> RenderedRun:
    """Write report.html, junit.xml, then manifest.json (which hashes the other two) into run_dir."""
    run_dir = Path(run_dir)
    data = load_run(run_dir)
    generated_at = now or datetime.now(UTC)
    html_path = _write(run_dir / REPORT_NAME, render_html(data, generated_at=generated_at).encode("utf-8"))
    junit_path = _write(run_dir / JUNIT_NAME, render_junit(data))
    manifest = build_manifest(run_dir, generated_at=generated_at)
    manifest_path = _write(run_dir / MANIFEST_NAME, manifest_json(manifest).encode("utf-8"))
    return RenderedRun(
        html=html_path,
        junit=junit_path,
        manifest=manifest_path,
        counts=data.counts,
        complete=data.complete,
        notices=data.notices,
    )


def _write(path: Path, content: bytes) -> Path:
    # Write-then-rename: a report killed half-way must not replace a good one with a torn file.
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return path
