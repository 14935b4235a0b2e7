"""render_run: the three files, the HTML content, escaping, and the trace table."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from harness.report import render_run
from harness.report.fmt import format_duration
from harness.report.html import overall_verdict

VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source", "track", "embed"}


class _TagBalance(HTMLParser):
    """Fails on a closing tag that does not match the open one: catches template slips and escaping holes."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.extend(value for name, value in attrs if name == "id" and value)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'} at {self.getpos()}")
        else:
            self.stack.pop()


def _check_html(html: str) -> _TagBalance:
    parser = _TagBalance()
    parser.feed(html)
    parser.close()
    assert parser.errors == []
    assert parser.stack == []
    assert len(parser.ids) == len(set(parser.ids)), "element ids must be unique"
    return parser


def _section(html: str, anchor: str) -> str:
    start = html.index(f'<section class="case" id="{anchor}">')
    return html[start : html.index("</section>", start)]


def test_render_writes_three_files_and_returns_counts(complete_run: Path) -> None:
    rendered = render_run(complete_run)
    assert rendered.html == complete_run / "report.html"
    assert rendered.junit == complete_run / "junit.xml"
    assert rendered.manifest == complete_run / "manifest.json"
    assert all(p.is_file() for p in (rendered.html, rendered.junit, rendered.manifest))
    assert rendered.counts == {"pass": 2, "fail": 1, "inconclusive": 1, "not_applicable": 1, "error": 1}
    assert rendered.complete
    assert not list(complete_run.glob(".*.tmp"))


def test_html_header_summary_and_table(complete_run: Path) -> None:
    render_run(complete_run, now=datetime(2026, 11, 22, 11, 0, tzinfo=UTC))
    html = (complete_run / "report.html").read_text(encoding="utf-8")
    _check_html(html)
    assert "<title>Conformance test report — VS-0001</title>" in html
    for text in ("Acme Charging", "Wallbox 22", "SN-42", "1.2.3", "Virtual lab", "lab_setup/virtual.yaml", "0.1.0"):
        assert text in html
    assert "2 min 06 s" in html  # ended_at - started_at = 125.5 s
    assert "Run interrupted" not in html
    assert "Deliberately faulted" not in html
    assert 'class="badge v-pass">pass</span><b>2</b>' in html
    assert 'class="badge v-fail">fail</span><b>1</b>' in html
    assert 'class="badge v-not_applicable">not applicable</span><b>1</b>' in html
    assert "Not conformant: 1 of 5 applicable test cases failed." in html
    table = html[html.index('<table class="cases">') : html.index("</table>", html.index('<table class="cases">'))]
    assert re.findall(r'href="#(tc-[^"]+)"', table) == [
        "tc-TC_B_01_CS",
        "tc-TC_B_02_CS",
        "tc-TC_C_01_CS",
        "tc-TC_D_01_CS",
        "tc-TC_E_01_CS",
        "tc-TC_B_01_CS-2",
    ]
    assert "Reason for fail." in table and "Second line" not in table  # first line only in the table
    assert "2026-11-22 11:00:00.000+00:00" in html  # generation time


def test_case_section_details_open_for_fail_closed_for_pass(complete_run: Path) -> None:
    render_run(complete_run)
    html = (complete_run / "report.html").read_text(encoding="utf-8")
    failed = _section(html, "tc-TC_B_02_CS")
    assert '<details class="trace" open>' in failed
    assert "Reason for fail.\nSecond line of the reason." in failed
    assert "<code>B01.FR.01</code><code>B01.FR.05</code>" in failed
    assert '<li class="sev-nonconformity"><span class="sev">nonconformity</span>' in failed
    assert '<a href="#tc-TC_B_02_CS-seq-3">(frame 3)</a>' in failed
    assert 'id="tc-TC_B_02_CS-seq-3"' in failed
    assert "Slow answer &lt;b&gt;bold&lt;/b&gt;" in failed
    assert "Sent ResetRequest type=Immediate" in failed
    passed = _section(html, "tc-TC_B_01_CS")
    assert '<details class="trace">' in passed and "open>" not in passed
    errored = _section(html, "tc-TC_D_01_CS")
    assert '<details class="trace" open>' in errored
    assert '<span class="tag">missing</span>' in errored
    assert "The evidence file is missing." in errored
    assert "Re-run passed." in _section(html, "tc-TC_B_01_CS-2")


def test_trace_rows(complete_run: Path) -> None:
    render_run(complete_run)
    failed = _section((complete_run / "report.html").read_text(encoding="utf-8"), "tc-TC_B_02_CS")
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", failed, flags=re.DOTALL)
    cells = [re.sub(r"<[^>]+>", "|", row) for row in rows]
    assert any("|0.000|" in c and "harness → DUT" in c and "CALL" in c and "Reset" in c for c in cells)
    assert any("|1.000|" in c and "DUT → harness" in c and "Authorize" in c for c in cells)
    assert any("|1.100|" in c and "CALLERROR" in c and "FormatViolation" in c for c in cells)
    assert 'class="row-action"' in failed and "Manual action: plug in EV on EVSE 1" in failed
    assert 'class="row-finding sev-nonconformity"' in failed
    assert "idToken is not a valid &lt;IdToken&gt; value" in failed
    assert 'class="row-note"' in failed
    # The CALL payload is pretty-printed with indent 2, not the whole frame.
    assert "{\n  &#34;type&#34;: &#34;Immediate&#34;\n}" in failed


def test_payload_script_is_escaped(complete_run: Path) -> None:
    render_run(complete_run)
    html = (complete_run / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_killed_run_report(killed_run: Path) -> None:
    rendered = render_run(killed_run)
    assert rendered.counts["pass"] == 1 and rendered.counts["fail"] == 1
    assert not rendered.complete
    html = rendered.html.read_text(encoding="utf-8")
    _check_html(html)
    assert "Run interrupted — 2 test cases recorded." in html
    assert "still says “running”" in html
    assert "<dt>Ended</dt><dd>not recorded</dd>" in html
    assert "unknown (last recorded result ended" in html
    assert "is incomplete and was ignored" in html
    assert "counts in run.json differ" in html
    assert "Deliberately faulted station" in html and "<code>seqno-gap</code>" in html
    assert "The run did not complete" in html


def test_malformed_frames_shown_verbatim_and_escaped(malformed_run: Path) -> None:
    html = render_run(malformed_run).html.read_text(encoding="utf-8")
    _check_html(html)
    section = _section(html, "tc-TC_M_01_CS")
    assert "<script>alert(2)" not in html
    assert "[2,&#34;abc&#34;,&#34;Heartbeat&#34;,{&#34;x&#34;:&#34;&lt;/pre&gt;&lt;script&gt;alert(2)" in section
    assert section.count('<span class="tag">malformed</span>') == 2
    assert 'class="row-invalid"' in section and "this line is not json &lt;oops&gt;" in section
    assert "Line 3 is not a JSON object" in section
    assert "CALLRESULT" in section


def test_trace_is_capped(tmp_path: Path, rb: Any) -> None:
    run_dir = tmp_path / "big"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps(rb.run_json()), encoding="utf-8")
    rb.write_jsonl(run_dir / "results.jsonl", [rb.result("TC_BIG", "pass", evidence=["evidence/big.jsonl"])])
    frames = [rb.frame(i, i * 0.01, "rx", [2, f"m{i}", "Heartbeat", {}]) for i in range(2050)]
    rb.write_jsonl(run_dir / "evidence" / "big.jsonl", frames)
    html = render_run(run_dir).html.read_text(encoding="utf-8")
    section = _section(html, "tc-TC_BIG")
    assert section.count("Heartbeat") == 2000
    assert "Showing the first 2000 of 2050 entries; the full trace is in" in section
    assert "evidence/big.jsonl" in section


def test_empty_results_render(make_run: Any) -> None:
    html = render_run(make_run("{}", "")).html.read_text(encoding="utf-8")
    _check_html(html)
    assert "No test case was recorded." in html


def test_overall_verdict_precedence() -> None:
    zero = dict.fromkeys(("pass", "fail", "inconclusive", "not_applicable", "error"), 0)
    assert overall_verdict({**zero, "pass": 3}, complete=True).verdict == "pass"
    assert overall_verdict({**zero, "pass": 3, "error": 1, "fail": 1}, complete=True).verdict == "fail"
    assert overall_verdict({**zero, "inconclusive": 1, "error": 1}, complete=True).verdict == "error"
    assert overall_verdict({**zero, "not_applicable": 2}, complete=True).verdict == "not_applicable"
    assert overall_verdict(zero, complete=False).verdict == "none"


def test_format_duration() -> None:
    assert format_duration(1.234) == "1.23 s"
    assert format_duration(124.5) == "2 min 05 s"
    assert format_duration(3725) == "1 h 02 min 05 s"
    assert format_duration(None) == "—"
