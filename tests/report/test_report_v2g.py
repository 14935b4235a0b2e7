"""ISO 15118-20 evidence in the report: the per-session message sequence, V2GTP trace rows, attachments."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from harness.report import load_run, render_run
from harness.report.fmt import format_ms

CASE = "TC_V2G_01"
PCAP = "evidence/TC_V2G_01/S1.pcapng"
KEYLOG = "evidence/TC_V2G_01/tls.keylog"


class _Ids(HTMLParser):
    """Collects element ids and fails on unbalanced tags (an escaping hole or a template slip)."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids.extend(value for name, value in attrs if name == "id" and value)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        else:
            self.errors.append(f"</{tag}> at {self.getpos()}")


def _render(run_dir: Path) -> tuple[str, set[str]]:
    html = render_run(run_dir).html.read_text(encoding="utf-8")
    parser = _Ids()
    parser.feed(html)
    parser.close()
    assert parser.errors == [] and parser.stack == []
    assert len(parser.ids) == len(set(parser.ids))
    return html, set(parser.ids)


def _section(html: str, case_id: str) -> str:
    start = html.index(f'<section class="case" id="tc-{case_id}">')
    return html[start : html.index("</section>", start)]


def _sessions(section: str) -> list[str]:
    start = section.index("<h4>V2G message sequence</h4>")
    end = section.index('<details class="trace"', start)
    return section[start:end].split('<div class="v2g">')[1:]


def _rows(block: str) -> list[list[str]]:
    body = block[block.index("<tbody>") : block.index("</tbody>")]
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def _trace_row(section: str, seq: int) -> str:
    start = section.index(f'id="tc-{CASE}-seq-{seq}"')
    return section[start : section.index("</tr>", start)]


def _write_case(run_dir: Path, rb: Any, case_id: str, entries: list[Any], evidence: list[str] | None = None) -> None:
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps(rb.run_json()), encoding="utf-8")
    listed = evidence if evidence is not None else [f"evidence/{case_id}.jsonl"]
    rb.write_jsonl(run_dir / "results.jsonl", [rb.result(case_id, "fail", evidence=listed)])
    rb.write_jsonl(run_dir / "evidence" / f"{case_id}.jsonl", entries)


def test_sequence_table_times_limits_and_outcomes(v2g_run: Path) -> None:
    html, _ = _render(v2g_run)
    first, _second = _sessions(_section(html, CASE))
    assert _rows(first) == [
        ["1", "SessionSetupReq", "SessionSetupRes", "12.3", "1500", "ok"],
        ["2", "ServiceDiscoveryReq", "ServiceDiscoveryRes", "1620", "1500", "late"],
        ["3", "DC_ChargeLoopReq", "—", "—", "1500", "no response"],
    ]
    assert first.count('<tr class="v2g-bad">') == 2
    assert '<td class="num over">1620</td>' in first
    assert '<span class="tag">late</span>' in first and '<span class="tag">no response</span>' in first
    assert '<span class="ok">ok</span>' in first
    assert 'title="EV message timeout: 2000 ms"' in first


def test_sequence_names_link_to_their_trace_rows(v2g_run: Path) -> None:
    html, ids = _render(v2g_run)
    links = [href for block in _sessions(_section(html, CASE)) for href in re.findall(r'href="#([^"]+)"', block)]
    assert links == [f"tc-{CASE}-seq-{n}" for n in (1, 2, 4, 5, 7, 12)]
    assert set(links) <= ids


def test_session_header_and_capture_link_relative_to_the_report(v2g_run: Path) -> None:
    html, _ = _render(v2g_run)
    first = _sessions(_section(html, CASE))[0]
    header = " ".join(re.sub(r"<[^>]+>", " ", first[: first.index("</p>")]).split())
    for text in ("Session S1", "[fe80::1%veth0]:50000", "TLS no", "DC_BPT / Dynamic", "closed by the EV", "3.20 s"):
        assert text in header
    assert "3 exchanges" in header and "key log: none" in header
    hrefs = re.findall(r'href="([^"#][^"]*)"', first)
    assert hrefs == [PCAP]
    # report.html sits in the run directory, so the link resolves against it.
    assert (v2g_run / hrefs[0]).read_bytes().startswith(b"\x0a\x0d\x0d\x0a")


def test_exchanges_without_session_entry_get_their_own_table(v2g_run: Path) -> None:
    html, _ = _render(v2g_run)
    second = _sessions(_section(html, CASE))[1]
    assert 'Session <span class="mono">S2</span>' in second
    assert '<span class="tag">no session record</span>' in second
    assert "the end of this session was not recorded" in second
    assert _rows(second) == [["1", "SessionSetupReq", "—", "—", "1500", "closed"]]


def test_attachment_without_session_is_listed_as_evidence_link(v2g_run: Path) -> None:
    html, _ = _render(v2g_run)
    section = _section(html, CASE)
    listed = section[section.index("<h4>Attachments</h4>") : section.index("</ul>", section.index("<h4>Attachments"))]
    assert f'<a href="{KEYLOG}" class="mono">{KEYLOG}</a>' in listed
    assert "TLS key log of the harness" in listed
    assert PCAP not in listed  # already linked from its session's header


def test_attachments_in_evidence_are_not_parsed_as_jsonl(v2g_run: Path) -> None:
    data = load_run(v2g_run)
    pcap = data.evidence[PCAP]
    assert pcap.attachment and pcap.exists
    assert pcap.entries == () and pcap.total_entries == 0 and pcap.problems == ()
    assert pcap.size == (v2g_run / PCAP).stat().st_size
    assert not data.evidence[f"evidence/{CASE}.jsonl"].attachment
    html, _ = _render(v2g_run)
    assert 'class="row-invalid"' not in html and "is not a JSON object" not in html
    assert html.count('<details class="trace"') == 1


def test_v2g_frame_rows_show_name_payload_type_session_document_and_hex(v2g_run: Path) -> None:
    html, _ = _render(v2g_run)
    section = _section(html, CASE)
    setup = _trace_row(section, 1)
    assert "V2GTP 0x8002" in setup and "session S1" in setup and "<td>SessionSetupReq</td>" in setup
    assert "&#34;EVCCID&#34;: &#34;WMIV1234567890ABCDEX&#34;" in setup
    assert '<details class="raw"><summary>raw V2GTP frame, 42 bytes</summary><pre>01fe800200000022\n8000dbab' in setup
    assert "malformed" not in setup
    undecodable = _trace_row(section, 5)
    assert 'class="malformed"' in undecodable and "<td>undecodable</td>" in undecodable
    assert "payload did not decode: EXI header expected" in undecodable
    raw_send = _trace_row(section, 12)
    assert "<td>raw bytes</td>" in raw_send and "malformed" not in raw_send


def test_junit_marks_attachments(v2g_run: Path) -> None:
    case = ET.parse(render_run(v2g_run).junit).getroot().find("testsuite/testcase")
    assert case is not None
    assert (case.findtext("system-out") or "").splitlines() == [
        f"evidence/{CASE}.jsonl",
        f"[[ATTACHMENT|{PCAP}]]",
        f"[[ATTACHMENT|{KEYLOG}]]",
    ]


def test_missing_capture_is_flagged_not_linked(v2g_run: Path) -> None:
    (v2g_run / PCAP).unlink()
    html, _ = _render(v2g_run)
    first = _sessions(_section(html, CASE))[0]
    assert (
        f'<span class="mono">{PCAP}</span> <span class="tag" title="The evidence file is missing.">missing</span>'
        in first
    )
    assert f'href="{PCAP}"' not in html
    system_out = ET.parse(v2g_run / "junit.xml").getroot().findtext("testsuite/testcase/system-out") or ""
    assert PCAP in system_out.splitlines()  # listed, but not offered as an attachment


def test_malformed_v2g_entries_do_not_crash(tmp_path: Path, rb: Any) -> None:
    entries = [
        rb.v2g_frame(1, 1.0, "rx", b"", malformed="inverse version 0x00 is not 0xFE"),
        {
            "seq": 2,
            "kind": "frame",
            "channel": "v2gtp",
            "direction": "rx",
            "raw": "zz",
            "document": "text",
            "malformed": True,
        },
        {"seq": 3, "kind": "v2g_exchange"},
        {
            "seq": 4,
            "kind": "v2g_exchange",
            "session": "S1",
            "request": 5,
            "response": ["x"],
            "request_seq": "1",
            "response_time_s": "fast",
            "limit_s": None,
            "timeout_s": True,
            "outcome": "exploded",
        },
        {"seq": 5, "kind": "v2g_exchange", "session": {"id": "S1"}, "request": "X", "outcome": "ok", "limit_s": 1},
        {
            "seq": 6,
            "kind": "v2g_session",
            "session": "S1",
            "tls": "no",
            "endpoint": None,
            "duration_s": "long",
            "ended_by": 3,
            "exchanges": "many",
            "pcap": 7,
            "keylog": "../../etc/passwd",
        },
        {"seq": 7, "kind": "attachment", "path": None, "text": 5},
        {"seq": 8, "kind": "v2g_session"},
        [1, 2],
    ]
    run_dir = tmp_path / "bad"
    listed: list[Any] = ["evidence/TC_BAD.jsonl", "evidence/TC_BAD/gone.pcapng", 7]  # 7: not a path at all
    _write_case(run_dir, rb, "TC_BAD", entries, listed)
    html, _ = _render(run_dir)
    section = _section(html, "TC_BAD")
    blocks = _sessions(section)
    assert len(blocks) == 2  # the entries without a usable session id (first seen), then S1
    unknown, s1 = blocks
    for problem in (
        "request has the wrong type (int)",
        "response has the wrong type (list)",
        "request_seq has the wrong type (str)",
        "response_time_s has the wrong type (str)",
        "limit_s is null",
        "unknown outcome &#39;exploded&#39;",
        "Session entry: tls has the wrong type (str).",
        "Session entry: endpoint is null.",
        "Session entry: ended_by has the wrong type (int).",
        "Session entry: pcap has the wrong type (int).",
        "Session entry: exchanges has the wrong type (str).",
    ):
        assert problem in s1
    assert _rows(s1)[0][:5] == ["1", "?", "—", "—", "—"]
    assert '<span class="tag">malformed</span>' in s1
    # A key log path that leaves the run directory is named, never linked.
    assert 'href="../' not in html and "outside the run directory" in s1
    assert "These entries carry no usable session id." in unknown
    assert "request is missing" in unknown and "an answered exchange without a response time" in unknown
    assert "Session entry: ended_by is missing." in unknown
    # The frames: a bad header and a raw field that is not hex are flagged, not dropped.
    assert "<td>malformed V2GTP</td>" in section and "raw is not hex: zz" in section
    assert 'gone.pcapng</span> <span class="tag"' in section
    assert "An evidence entry that is not a path was skipped." in section


def test_session_id_reused_after_its_end_starts_a_new_table(tmp_path: Path, rb: Any) -> None:
    def exchange(seq: int) -> dict[str, Any]:
        fields = {"session": "S1", "request": f"Req{seq}", "limit_s": 1.5, "outcome": "no_response"}
        entry: dict[str, Any] = rb.v2g_entry(seq, float(seq), "v2g_exchange", **fields)
        return entry

    ended = rb.v2g_entry(2, 2.0, "v2g_session", session="S1", endpoint="x", tls=True, ended_by="charger_reset")
    run_dir = tmp_path / "reuse"
    _write_case(run_dir, rb, "TC_RE", [exchange(1), ended, exchange(3)])
    html, _ = _render(run_dir)
    first, second = _sessions(_section(html, "TC_RE"))
    assert "TLS yes" in first and "connection reset by the charger" in first and "Req1" in first
    assert "no session record" in second and "Req3" in second


def test_attachment_named_only_in_entries_is_linked(tmp_path: Path, rb: Any) -> None:
    """A case that crashed before its end never listed its capture; the attachment entry still finds it."""
    run_dir = tmp_path / "crashed"
    entries = [rb.v2g_entry(1, 1.0, "attachment", path="evidence/TC_C/S1.pcapng", text="capture")]
    _write_case(run_dir, rb, "TC_C", entries)
    (run_dir / "evidence" / "TC_C").mkdir()
    (run_dir / "evidence" / "TC_C" / "S1.pcapng").write_bytes(b"\x00" * 2048)
    html, _ = _render(run_dir)
    section = _section(html, "TC_C")
    assert '<a href="evidence/TC_C/S1.pcapng" class="mono">evidence/TC_C/S1.pcapng</a>' in section
    assert "(2.0 KiB)" in section and "— capture" in section
    assert "V2G message sequence" not in section


def test_format_ms_keeps_three_significant_digits() -> None:
    assert format_ms(0.0123) == "12.3"
    assert format_ms(0.000456) == "0.456"
    assert format_ms(1.62) == "1620"
    assert format_ms(0.25) == "250"
    assert format_ms(0) == "0"
    assert format_ms(None) == "—"
