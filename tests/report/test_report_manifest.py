"""manifest.json: the SHA-256 of every file in the run directory, including the rendered ones."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from harness.report import render_run


def test_manifest_hashes_every_file(complete_run: Path) -> None:
    rendered = render_run(complete_run)
    manifest = json.loads(rendered.manifest.read_text(encoding="utf-8"))
    assert set(manifest) == {"generated_at", "files"}
    files: dict[str, str] = manifest["files"]
    on_disk = sorted(
        p.relative_to(complete_run).as_posix()
        for p in complete_run.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    )
    assert list(files) == on_disk
    for expected in (
        "report.html",
        "junit.xml",
        "results.jsonl",
        "run.json",
        "evidence/TC_B_02_CS.jsonl",
        "allure-results/abc-result.json",
    ):
        assert expected in files
    for rel, digest in files.items():
        assert digest == hashlib.sha256((complete_run / rel).read_bytes()).hexdigest(), rel


def test_report_footer_carries_results_hash(complete_run: Path) -> None:
    rendered = render_run(complete_run)
    digest = hashlib.sha256((complete_run / "results.jsonl").read_bytes()).hexdigest()
    assert digest in rendered.html.read_text(encoding="utf-8")
    evidence = hashlib.sha256((complete_run / "evidence" / "TC_B_01_CS.jsonl").read_bytes()).hexdigest()
    assert evidence in rendered.html.read_text(encoding="utf-8")


def test_rerender_is_stable_and_replaces_files(complete_run: Path) -> None:
    first = render_run(complete_run)
    before = json.loads(first.manifest.read_text(encoding="utf-8"))["files"]
    second = render_run(complete_run)
    after = json.loads(second.manifest.read_text(encoding="utf-8"))["files"]
    assert "manifest.json" not in after
    assert {k: v for k, v in before.items() if k != "report.html"} == {
        k: v for k, v in after.items() if k != "report.html"
    }
