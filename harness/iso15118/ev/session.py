"""The EV's side of one ISO 15118-20 session: send a request, time and check the answer, follow the sequence.

`request()` is the conformant path: the body is encoded, framed, sent; the answer must come back within the EV's
message timeout, decode, be the matching response for this session, and arrive within the charger's performance
time (a late answer is a non-conformity finding, no answer is a failure). The session's state then moves along
the shared transition table (`harness.iso15118.sequence`).

The raw API (`send_document`, `send_payload`, `send_raw`, `answer_to`, `wait_for_close`, `reset`) exists for
negative tests: it sends what a faulty EV would and observes how the charger reacts, without the checks above.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from harness.iso15118.ev.parameters import EvParameters
from harness.iso15118.ev.record import ExchangeRecord, SessionRecorder
from harness.iso15118.ev.requests import Offer
from harness.iso15118.exi.codec import decode, encode
from harness.iso15118.exi.errors import ExiDecodeError, ExiEncodeError, ExiUnsupported
from harness.iso15118.messages.base import ModelError
from harness.iso15118.messages.lookup import model_for
from harness.iso15118.sequence import (
    MESSAGES,
    Message,
    Outcome,
    State,
    accepts,
    next_state,
    outcome_of,
)
from harness.iso15118.timing import Timers
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.errors import FrameTimeout, PeerClosed, TransportError, V2gtpError
from harness.iso15118.transport.v2gtp import V2gtpFrame, build_raw_frame
from harness.verdict import LabError, Nonconformity, Severity

NEW_SESSION_ID = bytes(8)  # all zero: the EV asks for a new session


@dataclass(frozen=True)
class Response:
    """A decoded answer: its root element, content, response code and how long the charger took."""

    message: str
    root: str
    body: dict[str, Any]
    time_s: float
    outcome: str
    seq: int | None

    @property
    def code(self) -> str:
        return str(self.body.get("ResponseCode", ""))

    @property
    def ok(self) -> bool:
        return self.code.startswith("OK")


class EvSession:
    """One session over an open connection; `async with` closes the connection and writes the session summary."""

    def __init__(
        self,
        connection: V2gConnection,
        ev: EvParameters,
        timers: Timers,
        recorder: SessionRecorder,
        *,
        after_close: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.connection = connection
        self.after_close = after_close  # e.g. writes the packet capture; returns fields for the session summary
        self.ev = ev
        self.timers = timers
        self.recorder = recorder
        self.state = State.CONNECTED
        self.family = ev.service.family
        self.session_id = NEW_SESSION_ID
        self.offer = Offer()
        self.last_message: str | None = None
        self.last_response_mono: float | None = None
        self.ended_by: str | None = None
        self._sent_mono = 0.0  # when the last request left our socket: response times count from here

    async def __aenter__(self) -> EvSession:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close(error=exc is not None)

    # ------------------------------------------------------------ the conformant path

    def header(self) -> dict[str, Any]:
        return {"SessionID": self.session_id, "TimeStamp": int(time.time())}

    async def request(
        self,
        message: str,
        body: dict[str, Any],
        *,
        header: dict[str, Any] | None = None,
        deliberate: bool = False,
    ) -> Response:
        """Send `message` with `body` and return the checked answer.

        `deliberate` marks a request the sequence table does not allow here (a negative test); without it such a
        request is our own mistake, raised as a lab error before anything is sent.
        """
        pair = MESSAGES[message]
        if not deliberate and not accepts(self.state, self.family, message):
            raise LabError(f"harness sequence error: {message} is not sent in state {self.state}")
        content = dict(body) if pair.namespace == "app" else {"Header": header or self.header(), **body}
        document = {pair.request: content}
        try:
            payload = encode(pair.namespace, document)
        except ExiEncodeError as exc:
            raise LabError(f"our {pair.request} does not encode: {exc}") from None
        request_seq = await self._send(pair.payload_type, payload, pair.namespace, document)
        response = await self.read_response(pair, body, request_seq)
        self._advance(pair, response)
        return response

    async def expect_ok(self, message: str, body: dict[str, Any], what: str | None = None) -> Response:
        """`request`, and anything but an OK response code is the charger's non-conformity."""
        response = await self.request(message, body)
        if not response.ok:
            raise Nonconformity(f"{what or response.root}: ResponseCode {response.code or '(none)'}, expected OK")
        return response

    async def read_response(self, pair: Message, request_body: dict[str, Any], request_seq: int | None) -> Response:
        """Wait for the answer to the request just sent and check it; the clock started when it left."""
        timing = self.timers.for_message(pair.name)
        sent = self._sent_mono
        record = ExchangeRecord(pair.request, None, None, timing.performance_s, timing.evcc_timeout_s, "error")
        record.request_seq = request_seq
        try:
            frame = await self.connection.receive_frame(timeout=timing.evcc_timeout_s)
        except FrameTimeout:
            record.outcome = "no_response"
            self.recorder.exchange(record)
            raise FrameTimeout(
                f"no {pair.response} within V2G_EVCC_Msg_Timeout ({timing.evcc_timeout_s:g} s) after {pair.request}"
            ) from None
        except PeerClosed:
            record.outcome = "closed"
            self.recorder.exchange(record)
            self.ended_by = "charger_close"
            raise PeerClosed(f"the charger closed the connection instead of answering {pair.request}") from None
        except V2gtpError as exc:
            record.outcome = "unexpected"
            self.recorder.frame("rx", exc.data, malformed=str(exc.problem))
            self.recorder.exchange(record)
            raise V2gtpError(exc.problem, f"answer to {pair.request}: {exc}", exc.data) from None
        elapsed = time.monotonic() - sent
        self.last_response_mono = time.monotonic()
        record.response_time_s = elapsed
        try:
            root, body, seq = self._decode_answer(pair, frame)
        except Nonconformity:
            record.outcome = "unexpected"
            self.recorder.exchange(record)
            raise
        record.response, record.response_seq = root, seq
        late = elapsed > timing.performance_s + self.timers.tolerance_s
        record.outcome = "late" if late else "ok"
        self.recorder.exchange(record)
        if late:
            self.recorder.finding(
                Severity.NONCONFORMITY,
                "v2g_timing",
                f"{root} came {elapsed * 1000:.0f} ms after {pair.request}; V2G_SECC_Msg_Performance_Time for "
                f"{pair.name} is {timing.performance_s * 1000:.0f} ms",
                seq,
            )
        self.last_message = pair.name
        return Response(pair.name, root, body, elapsed, outcome_of(pair.name, request_body, body), seq)

    def _decode_answer(self, pair: Message, frame: V2gtpFrame) -> tuple[str, dict[str, Any], int | None]:
        """Decode and check one answer: payload type, EXI, root element, schema facets, session ID."""
        raw = frame.to_bytes()
        try:
            document = decode(pair.namespace, frame.payload)
        except ExiUnsupported as exc:
            self.recorder.frame("rx", raw, payload_type=int(frame.payload_type), decode_error=str(exc))
            raise LabError(f"our EXI decoder cannot read this {pair.response}: {exc}") from None
        except ExiDecodeError as exc:
            seq = self.recorder.frame("rx", raw, payload_type=int(frame.payload_type), decode_error=str(exc))
            raise Nonconformity(f"the answer to {pair.request} is not valid -20 EXI: {exc}") from None
        seq = self.recorder.frame(
            "rx", raw, payload_type=int(frame.payload_type), namespace=pair.namespace, document=document
        )
        root = next(iter(document))
        body = document[root]
        if int(frame.payload_type) != int(pair.payload_type):
            self.recorder.finding(
                Severity.NONCONFORMITY,
                "v2gtp_payload_type",
                f"{root} came with payload type 0x{int(frame.payload_type):04X}, "
                f"expected 0x{int(pair.payload_type):04X}",
                seq,
            )
        if root != pair.response:
            raise Nonconformity(f"the charger answered {pair.request} with {root}, expected {pair.response}")
        model = model_for(pair.namespace, root)
        if model is not None:
            try:
                model.from_document(body)
            except ModelError as exc:
                raise Nonconformity(f"{root} breaks the -20 schema: {exc}") from None
        if pair.namespace != "app":
            self._check_session_id(pair, body, seq)
        return root, body, seq

    def _check_session_id(self, pair: Message, body: dict[str, Any], seq: int | None) -> None:
        received = body.get("Header", {}).get("SessionID")
        if pair.name == "SessionSetup":
            if (
                isinstance(received, bytes)
                and received != NEW_SESSION_ID
                and str(body.get("ResponseCode", "")).startswith("OK")
            ):
                self.session_id = received
            return
        if received != self.session_id:
            shown = received.hex() if isinstance(received, bytes) else repr(received)
            self.recorder.finding(
                Severity.NONCONFORMITY,
                "v2g_session_id",
                f"{pair.response} carries SessionID {shown}, the session's is {self.session_id.hex()}",
                seq,
            )

    def _advance(self, pair: Message, response: Response) -> None:
        if response.outcome == Outcome.FAILED:
            return  # the charger ends the session after a FAILED code; the state stays where it was
        target = next_state(self.state, self.family, pair.name, response.outcome)
        if target is not None:
            self.state = target

    # ------------------------------------------------------------ the raw API for negative tests

    async def send_document(self, payload_type: int, namespace: str, document: dict[str, Any]) -> int | None:
        """Encode `document` in `namespace` and send it framed as `payload_type`, whatever the sequence says."""
        try:
            payload = encode(namespace, document)
        except ExiEncodeError as exc:
            raise LabError(f"the deliberate document does not encode: {exc}") from None
        return await self._send(payload_type, payload, namespace, document)

    async def send_payload(self, payload_type: int, payload: bytes) -> int | None:
        """Send `payload` (e.g. malformed EXI) in a correct V2GTP header of `payload_type`."""
        return await self._send(payload_type, payload, None, None)

    async def send_raw(self, data: bytes) -> int | None:
        """Send bytes exactly as given (a malformed V2GTP header, a partial frame)."""
        seq = self.recorder.frame("tx", data, raw_send=True)
        self._sent_mono = time.monotonic()
        await self.connection.send_raw(data)
        self._sent_mono = time.monotonic()
        return seq

    async def answer_to(self, message: str, request_body: dict[str, Any] | None = None) -> Response:
        """Read the answer to a request sent through the raw API, with the usual checks and timing."""
        return await self.read_response(MESSAGES[message], request_body or {}, None)

    async def wait_for_close(self, limit_s: float, *, since: float | None = None) -> float | None:
        """Seconds from `since` (default: the last answer) until the charger closed; None if still open at the limit.

        Frames that arrive meanwhile are recorded: a charger has nothing to send without a request.
        """
        reference = since if since is not None else (self.last_response_mono or time.monotonic())
        deadline = reference + limit_s
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                frame = await self.connection.receive_frame(timeout=remaining)
            except FrameTimeout:
                return None
            except (PeerClosed, TransportError):
                closed = getattr(self.connection, "closed_by_peer_at", None) or time.monotonic()
                self.ended_by = "charger_close"
                return float(closed) - reference
            seq = self.recorder.frame("rx", frame.to_bytes(), payload_type=int(frame.payload_type))
            self.recorder.finding(
                Severity.NONCONFORMITY, "v2g_unsolicited", "the charger sent a frame without a request", seq
            )
        return None

    async def reset(self) -> None:
        """Abort the TCP connection with a reset, as an EV whose link drops would."""
        self.ended_by = "ev_reset"
        await self.connection.reset()

    async def close(self, *, error: bool = False) -> None:
        if self.ended_by is None:
            self.ended_by = "error" if error else "ev_close"
        await self.connection.close()
        extra = self.after_close() if self.after_close is not None else {}
        self.recorder.summary(
            **extra,
            endpoint=str(self.connection.endpoint),
            tls=self.connection.tls is not None,
            service=self.ev.service.name,
            control_mode=self.ev.control_mode.value,
            ended_by=self.ended_by,
            final_state=self.state.value,
        )

    # ------------------------------------------------------------ internals

    async def _send(
        self, payload_type: int, payload: bytes, namespace: str | None, document: dict[str, Any] | None
    ) -> int | None:
        frame = build_raw_frame(payload, payload_type=payload_type)  # any type: negative tests send wrong ones
        seq = self.recorder.frame("tx", frame, payload_type=payload_type, namespace=namespace, document=document)
        await self.connection.send_raw(frame)
        self._sent_mono = time.monotonic()
        return seq
