"""Turn evidence entries into message-trace rows: direction, message type, action, pretty payload."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

from harness.ocpp.framing import MessageType
from harness.report import coerce
from harness.report.model import EvidenceEntry, EvidenceFile

# One certificate or firmware blob must not make the report unreadable; the evidence file keeps it whole.
MAX_BODY_CHARS: Final = 20_000
DIRECTIONS: Final = {"rx": "DUT → harness", "tx": "harness → DUT"}
# Record keys that the trace already shows in its own columns.
_ENVELOPE_KEYS: Final = frozenset({"seq", "mono", "wall", "channel", "kind", "direction"})
V2G_CHANNEL: Final = "v2gtp"
_V2GTP_HEADER_HEX: Final = 16  # the 8-byte V2GTP header
_HEX_PER_LINE: Final = 64  # 32 bytes: short enough to read, long enough to keep a DC_ChargeLoopReq on a few lines
_HEX: Final = re.compile(r"(?:[0-9a-fA-F]{2})*")


@dataclass(frozen=True)
class TraceRow:
    """One row of a trace table; `kind` selects the rendering (frame, finding, action, note, other, invalid)."""

    kind: str
    seq: str
    offset: str
    direction: str = ""
    direction_class: str = ""
    message_type: str = ""
    message_id: str = ""
    action: str = ""
    body: str = ""
    label: str = ""
    severity: str = ""
    malformed: bool = False
    anchor: str = ""
    raw_hex: str = ""
    raw_label: str = ""


def build_rows(evidence: EvidenceFile, anchor_prefix: str, used_anchors: set[str]) -> list[TraceRow]:
    """Rows for one evidence file; anchors `<prefix>-seq-<n>` are handed out once per test case section."""
    base_mono, base_wall = _bases(evidence.entries)
    rows = []
    for entry in evidence.entries:
        row = _row(entry, base_mono, base_wall)
        anchor = f"{anchor_prefix}-seq-{row.seq}" if row.seq.isdigit() else ""
        if anchor and anchor not in used_anchors:
            used_anchors.add(anchor)
            row = replace(row, anchor=anchor)
        rows.append(row)
    return rows


def _bases(entries: tuple[EvidenceEntry, ...]) -> tuple[float | None, datetime | None]:
    """The reference instants: the first entry that has a monotonic time, and the first that has a wall time."""
    base_mono: float | None = None
    base_wall: datetime | None = None
    for entry in entries:
        if entry.record is None:
            continue
        if base_mono is None:
            base_mono = coerce.number(entry.record.get("mono"))
        if base_wall is None:
            base_wall = coerce.timestamp(entry.record.get("wall"))
        if base_mono is not None and base_wall is not None:
            break
    return base_mono, base_wall


def _offset(record: Mapping[str, Any], base_mono: float | None, base_wall: datetime | None) -> str:
    # The monotonic clock is what the recorder trusts; wall time is a fallback for entries written without it.
    mono = coerce.number(record.get("mono"))
    if mono is not None and base_mono is not None:
        return f"{mono - base_mono:.3f}"
    wall = coerce.timestamp(record.get("wall"))
    if wall is not None and base_wall is not None:
        try:
            return f"{(wall - base_wall).total_seconds():.3f}"
        except TypeError:  # one naive and one aware timestamp
            return ""
    return ""


def _row(entry: EvidenceEntry, base_mono: float | None, base_wall: datetime | None) -> TraceRow:
    record = entry.record
    if record is None:
        return TraceRow(kind="invalid", seq="", offset="", label=f"invalid line {entry.line}", body=_cap(entry.text))
    seq_number = coerce.integer(record.get("seq"))
    seq = "" if seq_number is None else str(seq_number)
    offset = _offset(record, base_mono, base_wall)
    kind = record.get("kind")
    if kind == "frame":
        return _frame_row(record, seq, offset)
    if kind == "finding":
        severity = coerce.strict_text(record.get("severity")) or "observation"
        return TraceRow(
            kind="finding",
            seq=seq,
            offset=offset,
            severity=severity,
            label=f"finding: {severity}",
            body=coerce.strict_text(record.get("message")) or coerce.strict_text(record.get("text")) or "",
        )
    if kind in ("action", "note"):
        return TraceRow(
            kind=kind, seq=seq, offset=offset, label=kind, body=coerce.strict_text(record.get("text")) or ""
        )
    if kind == "instrument":
        return _instrument_row(record, seq, offset)
    if kind == "measurement":
        source = coerce.strict_text(record.get("source")) or "measurement"
        return TraceRow(
            kind="other", seq=seq, offset=offset, label=f"measurement: {source}", body=_pretty(record.get("values"))
        )
    rest = {key: value for key, value in record.items() if key not in _ENVELOPE_KEYS}
    return TraceRow(
        kind="other",
        seq=seq,
        offset=offset,
        label=" / ".join(filter(None, (coerce.strict_text(record.get("channel")), coerce.strict_text(kind)))),
        direction=DIRECTIONS.get(coerce.strict_text(record.get("direction")) or "", ""),
        body=_pretty(rest),
    )


def _instrument_row(record: Mapping[str, Any], seq: str, offset: str) -> TraceRow:
    """One SCPI line or CAN frame: the direction names the instrument, not the DUT."""
    instrument = coerce.strict_text(record.get("instrument")) or "instrument"
    direction = coerce.strict_text(record.get("direction")) or ""
    arrows = {"tx": f"harness → {instrument}", "rx": f"{instrument} → harness"}
    return TraceRow(
        kind="other",
        seq=seq,
        offset=offset,
        label=f"instrument {instrument}" if direction in arrows else f"instrument {instrument}: {direction}",
        direction=arrows.get(direction, ""),
        body=coerce.strict_text(record.get("text")) or "",
    )


def _frame_row(record: Mapping[str, Any], seq: str, offset: str) -> TraceRow:
    direction = coerce.strict_text(record.get("direction")) or ""
    raw = record.get("raw")
    text = raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)
    channel = coerce.strict_text(record.get("channel")) or "ocpp"
    common: dict[str, Any] = {
        "kind": "frame",
        "seq": seq,
        "offset": offset,
        "direction": DIRECTIONS.get(direction, direction),
        "direction_class": direction if direction in DIRECTIONS else "",
    }
    if channel == V2G_CHANNEL:
        return _v2g_frame_row(record, common)
    if channel != "ocpp":
        return TraceRow(
            **common,
            message_type=channel,
            action=coerce.strict_text(record.get("action")) or "",
            body=_pretty_text(text),
        )
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):
        frame = None
        malformed = True
    else:
        malformed = False
    type_number = coerce.integer(record.get("message_type"))
    if type_number is None:
        type_number = _frame_type(frame)
    message_id, action, payload, well_formed = _split_frame(frame)
    return TraceRow(
        **common,
        message_type=_type_name(type_number),
        message_id=message_id,
        action=coerce.strict_text(record.get("action")) or action,
        body=_cap(text) if malformed else _pretty(payload if well_formed else frame),
        malformed=malformed or not well_formed,
    )


def _v2g_frame_row(record: Mapping[str, Any], common: dict[str, Any]) -> TraceRow:
    """A V2GTP frame: message name, payload type and session, the decoded document, and the bytes as hex."""
    header_problem = _problem_text(record.get("malformed"))
    decode_error = _problem_text(record.get("decode_error"))
    message = coerce.strict_text(record.get("message"))
    payload_type = coerce.text(record.get("payload_type"))
    session = coerce.text(record.get("session"))
    raw = record.get("raw")
    hex_ok = isinstance(raw, str) and _HEX.fullmatch(raw) is not None
    parts = []
    if header_problem is not None:
        parts.append(f"malformed V2GTP header: {header_problem}")
    if decode_error is not None:
        parts.append(f"payload did not decode: {decode_error}")
    if not hex_ok:
        parts.append(f"raw is not hex: {_cap(raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False))}")
    if record.get("document") is not None:
        parts.append(_pretty(record.get("document")))
    elif record.get("raw_send") is True and header_problem is None:
        parts.append("sent as-is by a negative test, not as a built frame")
    hex_block = _hex_block(raw) if isinstance(raw, str) and hex_ok else ""
    body = "\n\n".join(parts)
    return TraceRow(
        **common,
        message_type=f"V2GTP {payload_type}" if payload_type else "V2GTP",
        message_id=f"session {session}" if session else "",
        action=_v2g_name(record, message, header_problem, decode_error),
        # Nothing decoded: the bytes are the body; otherwise they sit folded under the document.
        body=body or hex_block,
        raw_hex=hex_block if body else "",
        raw_label=f"raw V2GTP frame, {len(raw) // 2} bytes" if isinstance(raw, str) and hex_ok else "",
        malformed=header_problem is not None or decode_error is not None or not hex_ok,
    )


def _v2g_name(record: Mapping[str, Any], message: str | None, header_problem: str | None, error: str | None) -> str:
    if header_problem is not None:
        return "malformed V2GTP"
    if message:
        return message
    if record.get("raw_send") is True:
        return "raw bytes"
    if error is not None:
        return "undecodable"
    return "not decoded"


def _problem_text(value: Any) -> str | None:
    """The text of a problem field; present but not a string (true, a number, an object) still counts as one."""
    if value is None or value is False:
        return None
    text = coerce.strict_text(value)
    return text if text is not None else json.dumps(value, ensure_ascii=False)


def _hex_block(raw: str) -> str:
    """The frame as hex: the V2GTP header on a line of its own, then the payload 32 bytes a line."""
    digits = raw.lower()
    payload = digits[_V2GTP_HEADER_HEX:]
    lines = [
        digits[:_V2GTP_HEADER_HEX],
        *(payload[i : i + _HEX_PER_LINE] for i in range(0, len(payload), _HEX_PER_LINE)),
    ]
    return _cap("\n".join(line for line in lines if line))


def _frame_type(frame: Any) -> int | None:
    if isinstance(frame, list) and frame and isinstance(frame[0], int) and not isinstance(frame[0], bool):
        return frame[0]
    return None


def _split_frame(frame: Any) -> tuple[str, str, Any, bool]:
    """(message id, action, payload, well formed) of an OCPP-J frame; the payload is the whole frame if malformed."""
    kind = _frame_type(frame)
    if kind is None or not isinstance(frame, list) or len(frame) < 2 or not isinstance(frame[1], str):
        return "", "", frame, False
    message_id = frame[1]
    if kind in (MessageType.CALL, MessageType.SEND) and len(frame) == 4 and isinstance(frame[2], str):
        return message_id, frame[2], frame[3], True
    if kind == MessageType.CALLRESULT and len(frame) == 3:
        return message_id, "", frame[2], True
    if kind in (MessageType.CALLERROR, MessageType.CALLRESULTERROR) and len(frame) == 5:
        return message_id, "", {"errorCode": frame[2], "errorDescription": frame[3], "errorDetails": frame[4]}, True
    return message_id, "", frame, False


def _type_name(number: int | None) -> str:
    if number is None:
        return "?"
    try:
        return MessageType(number).name
    except ValueError:
        return f"type {number}"


def _pretty(value: Any) -> str:
    try:
        return _cap(json.dumps(value, indent=2, ensure_ascii=False))
    except (ValueError, RecursionError):
        return _cap(repr(value))


def _pretty_text(text: str) -> str:
    try:
        return _pretty(json.loads(text))
    except (ValueError, RecursionError):
        return _cap(text)


def _cap(text: str) -> str:
    if len(text) <= MAX_BODY_CHARS:
        return text
    return f"{text[:MAX_BODY_CHARS]}\n… ({len(text) - MAX_BODY_CHARS} more characters in the evidence file)"
