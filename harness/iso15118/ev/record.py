"""What one V2G session leaves in the evidence: every frame raw and decoded, every exchange with its timing.

Entry kinds (read by the report): `frame` on channel `v2gtp` (raw hex of the whole frame, plus the decoded
document when it decoded), `v2g_exchange` (request, response, response time against the limit, outcome) and one
`v2g_session` when the session ends.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from harness.evidence import Evidence
from harness.iso15118.exi.codec import grammar
from harness.iso15118.exi.jsonform import to_json
from harness.verdict import Finding, Severity


@dataclass
class ExchangeRecord:
    """One request and what came back, as the report and the timing verdicts see it."""

    request: str
    response: str | None
    response_time_s: float | None
    limit_s: float
    timeout_s: float
    outcome: str
    request_seq: int | None = None
    response_seq: int | None = None


@dataclass
class SessionRecorder:
    """Records into `evidence` (when given) and keeps the exchanges for the session's own checks."""

    name: str
    evidence: Evidence | None
    exchanges: list[ExchangeRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    started_mono: float = field(default_factory=time.monotonic)

    def frame(
        self,
        direction: str,
        raw: bytes,
        *,
        payload_type: int | None = None,
        namespace: str | None = None,
        document: dict[str, Any] | None = None,
        **extra: Any,
    ) -> int | None:
        if self.evidence is None:
            return None
        fields: dict[str, Any] = {"session": self.name, **extra}
        if payload_type is not None:
            fields["payload_type"] = f"0x{payload_type:04X}"
        if document is not None and namespace is not None:
            fields["message"] = next(iter(document))
            fields["document"] = _json(namespace, document)
        return self.evidence.frame(direction, raw.hex(), channel="v2gtp", **fields)

    def exchange(self, record: ExchangeRecord) -> None:
        self.exchanges.append(record)
        if self.evidence is not None:
            self.evidence.record(
                "v2g_exchange",
                session=self.name,
                request=record.request,
                response=record.response,
                request_seq=record.request_seq,
                response_seq=record.response_seq,
                response_time_s=None if record.response_time_s is None else round(record.response_time_s, 6),
                limit_s=record.limit_s,
                timeout_s=record.timeout_s,
                outcome=record.outcome,
            )

    def finding(self, severity: Severity, kind: str, message: str, frame_seq: int | None = None) -> Finding:
        if self.evidence is not None:
            found = self.evidence.finding(severity, kind, message, frame_seq)
        else:
            found = Finding(severity, kind, message, frame_seq)
        self.findings.append(found)
        return found

    def note(self, text: str) -> None:
        if self.evidence is not None:
            self.evidence.note(f"{self.name}: {text}")

    def summary(self, **fields: Any) -> None:
        if self.evidence is not None:
            duration = round(time.monotonic() - self.started_mono, 3)
            self.evidence.record(
                "v2g_session", session=self.name, duration_s=duration, exchanges=len(self.exchanges), **fields
            )


def _json(namespace: str, document: dict[str, Any]) -> Any:
    try:
        return to_json(grammar(namespace), document)
    except Exception as exc:  # evidence must never lose a frame because its pretty form failed
        return {"unrenderable": str(exc)}
