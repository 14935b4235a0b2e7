"""The V2G message sequence of a test case: one table per ISO 15118-20 session, from its evidence entries.

`v2g_exchange` entries (one per request/response pair) are grouped by their session id; the `v2g_session` entry
written when a session ends supplies the header. Exchanges without that entry (a case that crashed mid-session)
still get their table. Every field is read through `coerce`: a wrong or missing field is shown as a problem of the
row or session, never raised.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from harness.report import coerce
from harness.report.attachments import FileLink, link_to
from harness.report.fmt import format_duration, format_ms, format_time
from harness.report.model import EvidenceFile

EXCHANGE_KIND: Final = "v2g_exchange"
SESSION_KIND: Final = "v2g_session"
OUTCOME_LABELS: Final = {
    "ok": "ok",
    "late": "late",
    "no_response": "no response",
    "closed": "closed",
    "unexpected": "unexpected",
    "error": "error",
}
ENDED_BY_LABELS: Final = {
    "ev_close": "closed by the EV",
    "charger_close": "closed by the charger",
    "ev_reset": "connection reset by the EV",
    "charger_reset": "connection reset by the charger",
    "error": "ended by an error",
}
_T = TypeVar("_T")
# Closes and resets can be what a test case asked for; only an error (or an unknown value) is marked.
_MARKED_ENDINGS: Final = frozenset({"error"})


@dataclass(frozen=True)
class ExchangeView:
    """One request/response pair; `ok` is False for every outcome but "ok" (and for an unreadable one)."""

    number: int
    request: str
    request_href: str
    response: str
    response_href: str
    response_ms: str
    limit_ms: str
    timeout_ms: str
    over_limit: bool
    outcome: str
    ok: bool
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class SessionHeader:
    """The `v2g_session` entry, formatted; absent fields read "—"."""

    endpoint: str
    tls: str
    service: str
    control_mode: str
    ended_by: str
    ended_badly: bool
    started: str
    duration: str
    exchanges: int | None
    pcap: FileLink | None
    keylog: FileLink | None
    note: str


@dataclass(frozen=True)
class SessionView:
    session: str
    header: SessionHeader | None
    exchanges: tuple[ExchangeView, ...]
    problems: tuple[str, ...] = ()

    @property
    def attachment_paths(self) -> tuple[str, ...]:
        if self.header is None:
            return ()
        return tuple(link.path for link in (self.header.pcap, self.header.keylog) if link is not None)


@dataclass
class _Group:
    """The entries of one session while they are collected."""

    key: str
    exchanges: list[Mapping[str, Any]] = field(default_factory=list)
    session: Mapping[str, Any] | None = None


class _Fields:
    """Reads one entry's fields and keeps a note of each that is missing or of the wrong type."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.record = record
        self.problems: list[str] = []

    def get(self, name: str, read: Callable[[Any], _T | None], *, required: bool = False) -> _T | None:
        """The field as `read` returns it; absent or null is fine unless the field is required."""
        value = self.record.get(name)
        if value is None:
            if required:
                self.problems.append(f"{name} is {'null' if name in self.record else 'missing'}")
            return None
        result = read(value)
        if result is None:
            self.problems.append(f"{name} has the wrong type ({type(value).__name__})")
        return result


def build_sessions(
    traces: Sequence[EvidenceFile], anchor_prefix: str, anchors: set[str], evidence: Mapping[str, EvidenceFile]
) -> tuple[SessionView, ...]:
    """The sessions of one test case in order of first appearance; `anchors` are the trace rows that exist."""
    links = _Links(anchor_prefix, anchors)
    return tuple(_session_view(group, links, evidence) for group in _groups(traces))


def _groups(traces: Sequence[EvidenceFile]) -> list[_Group]:
    groups: list[_Group] = []
    open_groups: dict[str, _Group] = {}
    for trace in traces:
        for entry in trace.entries:
            record = entry.record
            kind = record.get("kind") if record is not None else None
            if record is None or kind not in (EXCHANGE_KIND, SESSION_KIND):
                continue
            key = coerce.text(record.get("session")) or ""
            group = open_groups.get(key)
            if group is None:
                group = open_groups[key] = _Group(key)
                groups.append(group)
            if kind == EXCHANGE_KIND:
                group.exchanges.append(record)
            else:
                group.session = record
                # The session is over: a later exchange under the same id belongs to a new session.
                del open_groups[key]
    return groups


@dataclass(frozen=True)
class _Links:
    prefix: str
    anchors: set[str]

    def to_seq(self, seq: int | None) -> str:
        target = f"{self.prefix}-seq-{seq}"
        return f"#{target}" if seq is not None and target in self.anchors else ""


def _session_view(group: _Group, links: _Links, evidence: Mapping[str, EvidenceFile]) -> SessionView:
    problems: list[str] = []
    if not group.key:
        problems.append("These entries carry no usable session id.")
    exchanges = tuple(_exchange(number, record, links) for number, record in enumerate(group.exchanges, 1))
    header = None
    if group.session is None:
        problems.append("No v2g_session entry: the end of this session was not recorded (the case may have stopped).")
    else:
        header, header_problems = _header(group.session, evidence)
        problems.extend(f"Session entry: {problem}." for problem in header_problems)
        if header.exchanges is not None and header.exchanges != len(exchanges):
            problems.append(
                f"The session entry counts {header.exchanges} exchanges; {len(exchanges)} are in the evidence shown."
            )
    return SessionView(session=group.key or "(no id)", header=header, exchanges=exchanges, problems=tuple(problems))


def _exchange(number: int, record: Mapping[str, Any], links: _Links) -> ExchangeView:
    fields = _Fields(record)
    request = fields.get("request", coerce.strict_text, required=True)
    response = fields.get("response", coerce.strict_text)
    request_seq = fields.get("request_seq", coerce.integer)
    response_seq = fields.get("response_seq", coerce.integer)
    response_time = fields.get("response_time_s", coerce.number)
    limit = fields.get("limit_s", coerce.number, required=True)
    timeout = fields.get("timeout_s", coerce.number)
    outcome = fields.get("outcome", coerce.strict_text, required=True)
    if outcome is not None and outcome not in OUTCOME_LABELS:
        fields.problems.append(f"unknown outcome {outcome!r}")
    if outcome in ("ok", "late") and response_time is None:
        fields.problems.append("an answered exchange without a response time")
    return ExchangeView(
        number=number,
        request=request or "?",
        request_href=links.to_seq(request_seq),
        response=response or "—",
        response_href=links.to_seq(response_seq) if response else "",
        response_ms=format_ms(response_time),
        limit_ms=format_ms(limit),
        timeout_ms=format_ms(timeout) if timeout is not None else "",
        over_limit=response_time is not None and limit is not None and response_time > limit,
        outcome=OUTCOME_LABELS.get(outcome or "", outcome or "?"),
        ok=outcome == "ok",
        problems=tuple(fields.problems),
    )


def _header(record: Mapping[str, Any], evidence: Mapping[str, EvidenceFile]) -> tuple[SessionHeader, list[str]]:
    fields = _Fields(record)  # read in display order, so the problems list in that order too
    endpoint = fields.get("endpoint", coerce.text, required=True)
    tls = fields.get("tls", _boolean, required=True)
    service = fields.get("service", coerce.strict_text)
    control_mode = fields.get("control_mode", coerce.strict_text)
    ended_by = fields.get("ended_by", coerce.strict_text, required=True)
    if ended_by is not None and ended_by not in ENDED_BY_LABELS:
        fields.problems.append(f"unknown ended_by {ended_by!r}")
    started = fields.get("started_wall", coerce.strict_text)
    duration = fields.get("duration_s", coerce.number)
    exchanges = fields.get("exchanges", coerce.integer)
    pcap = fields.get("pcap", coerce.strict_text)
    keylog = fields.get("keylog", coerce.strict_text)
    header = SessionHeader(
        endpoint=endpoint or "—",
        tls="—" if tls is None else ("yes" if tls else "no"),
        service=service or "—",
        control_mode=control_mode or "—",
        ended_by=ENDED_BY_LABELS.get(ended_by or "", ended_by or "end not recorded"),
        ended_badly=ended_by is None or ended_by in _MARKED_ENDINGS or ended_by not in ENDED_BY_LABELS,
        started=format_time(started),
        duration=format_duration(duration),
        exchanges=exchanges,
        pcap=link_to(pcap, evidence) if pcap else None,
        keylog=link_to(keylog, evidence) if keylog else None,
        note=fields.get("note", coerce.strict_text) or "",
    )
    return header, fields.problems


def _boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None
