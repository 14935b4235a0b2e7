"""load_run: recomputed counts, tolerance of killed runs and bad data, RunDirError for what cannot be reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.report import RunDirError, load_run


def test_counts_are_recomputed_from_results(complete_run: Path) -> None:
    data = load_run(complete_run)
    assert data.counts == {"pass": 2, "fail": 1, "inconclusive": 1, "not_applicable": 1, "error": 1}
    assert [r.id for r in data.results].count("TC_B_01_CS") == 2
    assert data.complete
    assert data.notices == ()


def test_killed_run_ignores_truncated_last_line_and_says_so(killed_run: Path) -> None:
    data = load_run(killed_run)
    assert [r.id for r in data.results] == ["TC_B_01_CS", "TC_B_02_CS"]
    assert not data.complete
    assert data.run.ended_at is None
    assert any("last line of results.jsonl (line 3) is incomplete" in n for n in data.notices)
    assert any("counts in run.json differ" in n for n in data.notices)
    boot = data.evidence["evidence/TC_B_01_CS.jsonl"]
    assert boot.total_entries == 2
    assert any("last line (line 3) is incomplete" in p for p in boot.problems)


def test_missing_evidence_is_flagged_not_raised(complete_run: Path) -> None:
    evidence = load_run(complete_run).evidence["evidence/TC_D_01_CS.jsonl"]
    assert not evidence.exists
    assert evidence.problems == ("The evidence file is missing.",)


def test_evidence_path_outside_run_dir_is_not_read(make_run: Any, rb: Any) -> None:
    line = json.dumps(rb.result("TC_X", "pass", evidence=["../secret.jsonl", "/etc/passwd"]))
    data = load_run(make_run("{}", line + "\n"))
    for path in ("../secret.jsonl", "/etc/passwd"):
        assert not data.evidence[path].exists
        assert "outside the run directory" in data.evidence[path].problems[0]


def test_bad_lines_are_skipped_with_notices(make_run: Any, rb: Any) -> None:
    lines = [
        "not json at all",
        "[1, 2, 3]",
        json.dumps({"title": "no id"}),
        json.dumps(rb.result("TC_OK", "pass", duration_s="slow", findings="none", steps=[1, {"t": "x", "text": 5}])),
        json.dumps(rb.result("TC_ODD", "maybe", findings=[{"severity": 1}, "oops"], evidence=["a.jsonl", 7])),
        "",
        json.dumps(rb.result("TC_LAST", "fail")),
    ]
    data = load_run(make_run("{}", "\n".join(lines) + "\n"))
    assert [r.id for r in data.results] == ["TC_OK", "TC_ODD", "TC_LAST"]
    assert any("line 1 is not valid JSON" in n for n in data.notices)
    assert any("line 2 is not a JSON object" in n for n in data.notices)
    assert any("line 3 has no test case id" in n for n in data.notices)
    ok, odd, _ = data.results
    assert ok.duration_s is None and ok.findings == () and ok.steps[0].t is None and ok.steps[0].text == "5"
    assert odd.verdict == "error"
    assert any("Unknown verdict 'maybe'" in p for p in odd.problems)
    assert odd.evidence == ("a.jsonl",)
    assert len(odd.findings) == 1
    assert data.counts["error"] == 1 and data.counts["fail"] == 1


def test_unreadable_run_json_still_loads(make_run: Any, rb: Any) -> None:
    data = load_run(make_run('{"status": "runn', json.dumps(rb.result("TC_A", "pass")) + "\n"))
    assert data.run.status == "unknown"
    assert any("run.json is not valid JSON" in n for n in data.notices)
    assert data.counts["pass"] == 1


def test_wrongly_typed_run_json_fields_are_ignored(make_run: Any) -> None:
    run_text = json.dumps({"status": 3, "lab": "x", "dut": None, "virtual_faults": "drop", "counts": [1]})
    data = load_run(make_run(run_text, ""))
    assert data.run.status == "3"
    assert data.run.lab.name is None
    assert data.run.virtual_faults == ("drop",)
    assert data.run.recorded_counts is None
    assert data.results == ()


@pytest.mark.parametrize(
    ("run_text", "results_text", "missing"),
    [("{}", None, "results.jsonl"), (None, "", "run.json")],
)
def test_missing_required_file_raises_run_dir_error(
    make_run: Any, run_text: str | None, results_text: str | None, missing: str
) -> None:
    run_dir = make_run(run_text, results_text)
    with pytest.raises(RunDirError) as excinfo:
        load_run(run_dir)
    message = str(excinfo.value)
    assert message.startswith(f"{missing} is missing")
    assert "\n" not in message


def test_missing_run_dir_raises_run_dir_error(tmp_path: Path) -> None:
    with pytest.raises(RunDirError, match="does not exist"):
        load_run(tmp_path / "nope")


def test_unicode_line_separators_inside_strings_do_not_split_lines(make_run: Any, rb: Any) -> None:
    first = json.dumps(rb.result("TC_U", "fail", reason="a\u2028b\x85c — ü"), ensure_ascii=False)
    # A kill in the middle of a multi-byte character: the tail is not valid UTF-8.
    tail = '{"id": "TC_V", "reason": "é'.encode()[:-1]
    run_dir = make_run("{}", None)
    (run_dir / "results.jsonl").write_bytes(first.encode() + b"\r\n" + tail)
    data = load_run(run_dir)
    assert [r.id for r in data.results] == ["TC_U"]
    assert data.results[0].reason == "a\u2028b\x85c — ü"
    assert any("(line 2) is incomplete" in n for n in data.notices)
