"""OCPP-J RPC over one WebSocket connection (2.0.1 Part 4 §4): outgoing CALLs, replies to the CSMS's CALLs.

Outgoing CALLs are serialised by a lock so only one is in flight (Part 4 §4.1.1); a reply that does not come
within MessageTimeout ends the wait. Incoming CALLs are checked against the known actions and the official
schema before any handler sees them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from harness.ocpp.framing import Call, CallError, CallResult, FrameError, new_message_id, parse_frame
from harness.ocpp.schemas import OcppVersion, SchemaViolation, known_actions, validate

log = logging.getLogger("harness.virtual")

VERSION: OcppVersion = "v201"

# First violation wins; the codes are those of Part 4 Table 8.
_VIOLATION_CODES: tuple[tuple[str, str], ...] = (
    ("is a required property", "OccurrenceConstraintViolation"),
    ("is not of type", "TypeConstraintViolation"),
    ("Additional properties are not allowed", "FormatViolation"),
    ("is not one of", "PropertyConstraintViolation"),
    ("is too long", "PropertyConstraintViolation"),
    ("is too short", "PropertyConstraintViolation"),
    ("should be non-empty", "OccurrenceConstraintViolation"),
    ("is less than the minimum", "PropertyConstraintViolation"),
    ("is greater than the maximum", "PropertyConstraintViolation"),
)


def error_code_for(violations: list[SchemaViolation]) -> str:
    """The CALLERROR code that best names the first schema violation."""
    message = violations[0].message
    for marker, code in _VIOLATION_CODES:
        if marker in message:
            if marker.startswith("is too") and message.startswith("["):
                return "OccurrenceConstraintViolation"  # an array with too many or too few items
            return code
    return "FormatViolation"


@dataclass(frozen=True)
class Outcome:
    """How an outgoing CALL ended: result, error (CALLERROR), invalid (bad response), timeout or lost."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    error_code: str = ""

    @property
    def ok(self) -> bool:
        return self.kind == "result"


@dataclass(frozen=True)
class Reply:
    """A handler's answer: a payload or an error, and what to do once the answer is on the wire."""

    payload: dict[str, Any] | None = None
    error: tuple[str, str] | None = None
    then: Callable[[], None] | None = None


Handler = Callable[[str, dict[str, Any]], Awaitable[Reply]]


class Rpc:
    """The RPC layer of one connection; it lives exactly as long as the WebSocket."""

    def __init__(
        self,
        ws: ClientConnection,
        handler: Handler,
        *,
        message_timeout: Callable[[], float],
        reply_delay_s: float = 0.0,
        lenient_enums: bool = False,
    ) -> None:
        self._ws = ws
        self._lenient_enums = lenient_enums  # a fault: values outside an enumeration get through to the handlers
        self._handler = handler
        self._message_timeout = message_timeout
        self._reply_delay_s = reply_delay_s
        self._lock = asyncio.Lock()
        self._pending: dict[str, tuple[str, asyncio.Future[Outcome]]] = {}
        self._incoming: set[asyncio.Task[None]] = set()
        self._closed = False
        self.last_sent = asyncio.get_running_loop().time()

    @property
    def closed(self) -> bool:
        return self._closed

    async def call(
        self, action: str, payload: dict[str, Any], *, exclusive: bool = True, malformed: bool = False
    ) -> Outcome:
        """Send a CALL and wait for its reply; `exclusive=False` skips the one-in-flight rule (a fault)."""
        if not exclusive:
            return await self._call(action, payload, malformed)
        async with self._lock:
            return await self._call(action, payload, malformed)

    async def _call(self, action: str, payload: dict[str, Any], malformed: bool) -> Outcome:
        if self._closed:
            return Outcome("lost")
        message_id = new_message_id()
        text = Call(message_id, action, payload).to_json()
        if malformed:
            log.info("sending %s as a truncated frame (fault)", action)
            sent = await self._send(text[: len(text) // 2])
            return Outcome("result" if sent else "lost")
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = (action, future)
        try:
            if not await self._send(text):
                return Outcome("lost")
            log.debug("-> %s %s", action, message_id)
            return await asyncio.wait_for(asyncio.shield(future), self._message_timeout())
        except TimeoutError:
            log.warning("%s %s got no reply within MessageTimeout", action, message_id)
            return Outcome("timeout")
        finally:
            self._pending.pop(message_id, None)

    async def call_burst(self, calls: list[tuple[str, dict[str, Any]]]) -> list[Outcome]:
        """A fault: send several CALLs in one socket write, then wait for all their replies.

        Writing the frames together guarantees the CSMS has every one of them before it can answer the
        first, so the broken one-in-flight rule is observable whatever the scheduling on either side.
        """
        if self._closed:
            return [Outcome("lost") for _ in calls]
        loop = asyncio.get_running_loop()
        waiting: list[tuple[str, asyncio.Future[Outcome]]] = []
        for action, payload in calls:
            message_id = new_message_id()
            future: asyncio.Future[Outcome] = loop.create_future()
            self._pending[message_id] = (action, future)
            waiting.append((message_id, future))
            self._ws.protocol.send_text(Call(message_id, action, payload).to_json().encode())
        self._ws.transport.write(b"".join(self._ws.protocol.data_to_send()))
        self.last_sent = loop.time()
        try:
            return list(await asyncio.gather(*(self._reply_within_timeout(f) for _, f in waiting)))
        finally:
            for message_id, _ in waiting:
                self._pending.pop(message_id, None)

    async def _reply_within_timeout(self, future: asyncio.Future[Outcome]) -> Outcome:
        try:
            return await asyncio.wait_for(asyncio.shield(future), self._message_timeout())
        except TimeoutError:
            return Outcome("timeout")

    async def _send(self, text: str) -> bool:
        try:
            await self._ws.send(text)
        except ConnectionClosed:
            return False
        self.last_sent = asyncio.get_running_loop().time()
        return True

    async def serve(self) -> None:
        """Read frames until the connection closes, then fail every CALL still waiting for a reply."""
        try:
            async for message in self._ws:
                self._on_message(message)
        except ConnectionClosed:
            pass
        finally:
            self._closed = True
            for _, future in list(self._pending.values()):
                if not future.done():
                    future.set_result(Outcome("lost"))
            for task in list(self._incoming):
                task.cancel()

    def _on_message(self, message: str | bytes) -> None:
        try:
            frame = parse_frame(message)
        except FrameError as exc:
            log.warning("malformed frame from CSMS: %s", exc)
            if _expects_reply(message):
                self._spawn(self._send_error(exc.message_id, exc.error_code, str(exc)))
            return
        if isinstance(frame, Call):
            self._spawn(self._answer(frame))
        elif isinstance(frame, (CallResult, CallError)):
            self._on_reply(frame)

    def _on_reply(self, frame: CallResult | CallError) -> None:
        entry = self._pending.get(frame.message_id)
        if entry is None:
            log.warning("reply with unknown or late messageId %s ignored", frame.message_id)
            return
        action, future = entry
        if future.done():
            return
        if isinstance(frame, CallError):
            log.warning("%s answered with CALLERROR %s", action, frame.error_code)
            future.set_result(Outcome("error", frame.details, frame.error_code))
            return
        violations = validate(VERSION, action, "Response", frame.payload)
        if violations:
            log.warning("invalid %sResponse: %s", action, violations[0])
            future.set_result(Outcome("invalid", frame.payload))
            return
        future.set_result(Outcome("result", frame.payload))

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._incoming.add(task)
        task.add_done_callback(self._incoming.discard)

    async def _answer(self, call: Call) -> None:
        reply = await self._process(call)
        if self._reply_delay_s:
            await asyncio.sleep(self._reply_delay_s)
        if reply.error is not None:
            await self._send_error(call.message_id, *reply.error)
        else:
            await self._send(CallResult(call.message_id, reply.payload or {}).to_json())
        if reply.then is not None:
            reply.then()

    async def _process(self, call: Call) -> Reply:
        log.debug("<- %s %s", call.action, call.message_id)
        if call.action not in known_actions(VERSION):
            return Reply(error=("NotImplemented", f"{call.action} is not an OCPP 2.0.1 action"))
        violations = validate(VERSION, call.action, "Request", call.payload)
        if self._lenient_enums:
            violations = [v for v in violations if "is not one of" not in v.message]
        if violations:
            return Reply(error=(error_code_for(violations), str(violations[0])[:200]))
        try:
            return await self._handler(call.action, call.payload)
        except Exception:  # a handler bug must not take the connection down
            log.exception("handler for %s failed", call.action)
            return Reply(error=("InternalError", f"{call.action} could not be processed"))

    async def _send_error(self, message_id: str, code: str, description: str) -> None:
        await self._send(CallError(message_id, code, description).to_json())

    async def close(self) -> None:
        await self._ws.close()

    def abort(self) -> None:
        """Drop the TCP connection without a close handshake (power loss)."""
        self._ws.transport.abort()


def _expects_reply(message: str | bytes) -> bool:
    """Only a broken CALL gets a CALLERROR; a broken reply is just logged."""
    try:
        data = json.loads(message)
    except (ValueError, TypeError):
        return True
    return not (isinstance(data, list) and data[:1] in ([3], [4]))
