"""One charging station's OCPP-J conversation with the CSMS role: receive, validate, answer, expect, call.

A channel outlives its WebSocket connections: a station that reboots reconnects to the same channel, so a test case
can `expect` the BootNotification that follows a Reset exactly like any other message.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from harness.evidence import Evidence
from harness.ocpp.framing import Call, CallError, CallResult, FrameError, Send, new_message_id, parse_frame
from harness.ocpp.messages import CallOutcome, Predicate, Received
from harness.ocpp.schemas import OcppVersion, UnknownAction, known_actions, validate
from harness.ocpp.v201.rules import TransactionRules
from harness.verdict import DutTimeout, LabError, Nonconformity, Severity


class NoReply:
    """Returned by a responder that deliberately leaves a CALL unanswered."""


NO_REPLY = NoReply()
Reply = dict[str, Any] | CallError | NoReply
Responder = Callable[[Received], Reply | Awaitable[Reply]]


class StationChannel:
    def __init__(
        self,
        identity: str,
        evidence: Evidence,
        default_responders: Mapping[str, Responder],
        message_timeout_s: float,
    ) -> None:
        self.identity = identity
        self.evidence = evidence
        self.message_timeout_s = message_timeout_s
        self.version: OcppVersion = "v201"
        self.inbox: list[Received] = []
        self.connection_count = 0
        self._defaults = dict(default_responders)
        self._overrides: dict[str, Responder] = {}
        self._mark = 0
        self._ws: ServerConnection | None = None
        self._changed = asyncio.Condition()
        self._connected = asyncio.Event()
        self._call_lock = asyncio.Lock()
        self._pending: dict[str, tuple[str, asyncio.Future[CallResult | CallError]]] = {}
        self._timed_out: dict[str, str] = {}
        self._unanswered: dict[str, Received] = {}
        self._queue: asyncio.Queue[Received] = asyncio.Queue()
        self._dispatcher: asyncio.Task[None] | None = None
        self.rules = TransactionRules()
        self._background: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------ connection lifecycle (called by the server)

    async def serve(self, ws: ServerConnection, version: OcppVersion) -> None:
        """Own `ws` until it closes; a newer connection from the same station replaces an older one."""
        if self._ws is not None:
            self.evidence.note(f"{self.identity} opened a new connection; closing the previous one")
            await self._ws.close(1000, "replaced by a new connection")
        self._ws, self.version = ws, version
        self.connection_count += 1
        self._connected.set()
        self._fail_pending("the connection was replaced")
        self._unanswered.clear()
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch_forever(), name=f"dispatch-{self.identity}")
        try:
            async for message in ws:
                self._on_message(message)
        except ConnectionClosed:
            pass
        finally:
            if self._ws is ws:
                self._ws = None
                self._connected.clear()
                self._fail_pending("the station closed the connection")
                self.evidence.note(f"{self.identity} disconnected (close code {ws.close_code})")
            async with self._changed:
                self._changed.notify_all()

    @property
    def connected(self) -> bool:
        return self._ws is not None

    async def wait_connected(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except TimeoutError:
            raise DutTimeout(f"the station {self.identity} did not connect to the CSMS within {timeout:g} s") from None

    async def drop_connection(self, reason: str = "closed by the harness") -> None:
        """Close the station's WebSocket from the CSMS side (e.g. to take it offline)."""
        if self._ws is not None:
            await self._ws.close(1000, reason)

    async def close(self) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
        await self.drop_connection("harness stopping")

    # ------------------------------------------------------------ test-case scope

    def begin_case(self) -> None:
        """Forget what the previous case saw: expectations only match messages that arrive from now on."""
        self._mark = len(self.inbox)
        self._overrides.clear()

    def verify_rules(self) -> None:
        """Apply the general tool rules to everything received so far (called at the end of each scenario)."""
        for problem in self.rules.verify():
            self.evidence.finding(Severity.NONCONFORMITY, "rule", problem)

    def respond(self, action: str, responder: Responder) -> None:
        """Override how the CSMS answers `action` until the end of the current test case."""
        self._overrides[action] = responder

    def history(self, action: str | None = None) -> list[Received]:
        return [r for r in self.inbox[self._mark :] if action is None or r.action == action]

    # ------------------------------------------------------------ expect

    async def expect(
        self,
        action: str | tuple[str, ...],
        where: Predicate | None = None,
        *,
        timeout: float | None = None,
        what: str = "",
    ) -> Received:
        """Wait for a not yet consumed CALL `action` (or one of several) matching `where`; earlier arrivals count,
        so messages the spec lets arrive in any order are accepted in any order."""
        limit = self.message_timeout_s if timeout is None else timeout
        deadline = time.monotonic() + limit
        async with self._changed:
            while True:
                found = self._find(action, where)
                if found is not None:
                    found.consumed = True
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DutTimeout(self._missing(action, what, limit))
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    continue

    async def expect_none(
        self, action: str | tuple[str, ...], where: Predicate | None = None, *, during: float, what: str = ""
    ) -> None:
        """Fail if a matching CALL arrives (or already arrived unconsumed) within `during` seconds."""
        try:
            unwanted = await self.expect(action, where, timeout=during, what=what)
        except DutTimeout:
            return
        raise Nonconformity(f"the station sent {unwanted.describe()} {what}".rstrip() + " but it must not")

    def _find(self, action: str | tuple[str, ...], where: Predicate | None) -> Received | None:
        actions = (action,) if isinstance(action, str) else action
        for received in self.inbox[self._mark :]:
            if received.consumed or received.action not in actions:
                continue
            try:
                if where is None or where(received):
                    return received
            except (KeyError, TypeError, ValueError, AttributeError, IndexError):
                continue
        return None

    def _missing(self, action: str | tuple[str, ...], what: str, limit: float) -> str:
        actions = (action,) if isinstance(action, str) else action
        names = " or ".join(f"{a}Request" for a in actions)
        wanted = f"{names}{' ' + what if what else ''}"
        seen = [r for r in self.inbox[self._mark :] if r.action in actions and not r.consumed]
        if not seen:
            return f"no {wanted} within {limit:g} s"
        return f"no {wanted} within {limit:g} s ({len(seen)} such message(s) arrived but none matched)"

    # ------------------------------------------------------------ call

    async def call(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        timeout: float | None = None,
        allow_error: bool = False,
        off_schema: bool = False,
    ) -> CallOutcome:
        """Send a CALL and await the answer; a timeout, or a CALLERROR unless allowed, is a non-conformity.

        `off_schema` is for negative tests only: the payload must break the request schema, on purpose."""
        limit = self.message_timeout_s if timeout is None else timeout
        try:
            problems = validate(self.version, action, "Request", payload)
        except UnknownAction as exc:
            raise LabError(str(exc)) from None
        if problems and not off_schema:
            raise LabError(f"the harness built an invalid {action}Request: {problems[0]}")
        if off_schema and not problems:
            raise LabError(f"the {action}Request meant to break the schema is valid")
        async with self._call_lock:
            ws = self._ws
            if ws is None:
                raise Nonconformity(f"the station was not connected when the CSMS had to send {action}Request")
            message_id = new_message_id()
            future: asyncio.Future[CallResult | CallError] = asyncio.get_running_loop().create_future()
            self._pending[message_id] = (action, future)
            frame = Call(message_id, action, payload).to_json()
            extra = {"note": f"outside the schema on purpose: {problems[0]}"} if off_schema else {}
            self.evidence.frame("tx", frame, action=action, message_type=2, message_id=message_id, **extra)
            try:
                await ws.send(frame)
                answer = await asyncio.wait_for(future, limit)
            except TimeoutError:
                self._timed_out[message_id] = action
                raise DutTimeout(f"no response to {action}Request within {limit:g} s") from None
            except ConnectionClosed:
                raise Nonconformity(f"the station closed the connection before answering {action}Request") from None
            finally:
                self._pending.pop(message_id, None)
        if isinstance(answer, CallError):
            outcome = CallOutcome(action, None, answer.error_code, answer.description)
            if not allow_error:
                raise Nonconformity(
                    f"the station answered {action}Request with CALLERROR {answer.error_code}"
                    + (f" ({answer.description})" if answer.description else "")
                )
            return outcome
        return CallOutcome(action, answer.payload)

    async def send_raw(self, text: str) -> None:
        """Send text exactly as given (negative tests only: malformed frames on purpose)."""
        if self._ws is None:
            raise Nonconformity("the station was not connected when the CSMS had to send a frame")
        self.evidence.frame("tx", text, note="raw frame sent on purpose")
        await self._ws.send(text)

    def _fail_pending(self, why: str) -> None:
        for action, future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionClosedForCall(f"{why} before answering {action}Request"))

    # ------------------------------------------------------------ receiving

    def _on_message(self, raw: str | bytes) -> None:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        try:
            frame = parse_frame(raw, allow_v21=self.version == "v21")
        except FrameError as exc:
            seq = self.evidence.frame("rx", text)
            self._nonconformity("framing", f"the station sent an invalid OCPP-J frame: {exc}", seq)
            if exc.error_code != "MessageTypeNotSupported" or self.version == "v201":
                self._send_soon(CallError(exc.message_id, exc.error_code, str(exc)[:200]).to_json())
            return
        if isinstance(frame, (CallResult, CallError)):
            self._on_answer(frame, text)
        elif isinstance(frame, Call):
            self._on_call(frame, text)
        elif isinstance(frame, Send):
            self.evidence.frame("rx", text, action=frame.action, message_type=6, message_id=frame.message_id)

    def _on_answer(self, frame: CallResult | CallError, text: str) -> None:
        message_type = 3 if isinstance(frame, CallResult) else 4
        entry = self._pending.get(frame.message_id)
        action = entry[0] if entry else self._timed_out.get(frame.message_id)
        seq = self.evidence.frame("rx", text, action=action, message_type=message_type, message_id=frame.message_id)
        if entry is None:
            if action is not None:
                # The timeout already failed the case that sent the CALL; this late answer may land in a later case.
                self.evidence.finding(
                    Severity.OBSERVATION, "timeout", f"the station answered {action}Request only after the timeout", seq
                )
            else:
                self._nonconformity("rpc", f"the station answered an unknown messageId {frame.message_id!r}", seq)
            return
        if isinstance(frame, CallResult):
            for problem in validate(self.version, entry[0], "Response", frame.payload):
                self._nonconformity("schema", f"{entry[0]}Response violates the schema at {problem}", seq)
        if not entry[1].done():
            entry[1].set_result(frame)

    def _on_call(self, frame: Call, text: str) -> None:
        seq = self.evidence.frame("rx", text, action=frame.action, message_type=2, message_id=frame.message_id)
        if frame.action not in known_actions(self.version):
            self._nonconformity("rpc", f"the station sent an unknown action {frame.action!r}", seq)
            self._send_soon(CallError(frame.message_id, "NotImplemented", f"unknown action {frame.action}").to_json())
            return
        for problem in validate(self.version, frame.action, "Request", frame.payload):
            self._nonconformity("schema", f"{frame.action}Request violates the schema at {problem}", seq)
        if self._unanswered:
            earlier = next(iter(self._unanswered.values()))
            self._nonconformity(
                "rpc",
                f"the station sent {frame.action}Request while its {earlier.describe()} was still unanswered "
                "(more than one CALL in flight)",
                seq,
            )
        received = Received(len(self.inbox), frame.action, frame.payload, frame.message_id, time.monotonic(), seq)
        for broken_rule in self.rules.observe(received):
            self._nonconformity("rule", broken_rule, seq)
        self.inbox.append(received)
        self._unanswered[frame.message_id] = received
        self._queue.put_nowait(received)
        self._spawn(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _dispatch_forever(self) -> None:
        while True:
            received = await self._queue.get()
            try:
                await self._answer(received)
            except ConnectionClosed:
                self._unanswered.pop(received.message_id, None)
            except Exception as exc:  # a responder bug must not stop the CSMS; it is our fault, so an error
                self._unanswered.pop(received.message_id, None)
                self.evidence.finding(Severity.HARNESS, "responder", f"answering {received.describe()} failed: {exc!r}")

    async def _answer(self, received: Received) -> None:
        responder = self._overrides.get(received.action) or self._defaults.get(received.action)
        reply: Reply
        if responder is None:
            reply = CallError(received.message_id, "NotSupported", f"{received.action} is not handled by this CSMS")
        else:
            result = responder(received)
            reply = await result if inspect.isawaitable(result) else result
        if isinstance(reply, NoReply):
            self._unanswered.pop(received.message_id, None)
            self.evidence.note(f"the harness leaves {received.describe()} unanswered on purpose")
            return
        if isinstance(reply, CallError):
            text = CallError(received.message_id, reply.error_code, reply.description, reply.details).to_json()
            message_type = 4
        else:
            problems = validate(self.version, received.action, "Response", reply)
            if problems:
                raise LabError(f"the harness built an invalid {received.action}Response: {problems[0]}")
            text = CallResult(received.message_id, reply).to_json()
            message_type = 3
        ws = self._ws
        if ws is None:
            self._unanswered.pop(received.message_id, None)
            return
        self.evidence.frame(
            "tx", text, action=received.action, message_type=message_type, message_id=received.message_id
        )
        await ws.send(text)
        self._unanswered.pop(received.message_id, None)

    def _send_soon(self, text: str) -> None:
        ws = self._ws
        if ws is not None:
            self.evidence.frame("tx", text, message_type=4)
            self._spawn(_send_quietly(ws, text))

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        # Keep a reference until done: the loop holds tasks only weakly.
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _nonconformity(self, kind: str, message: str, seq: int) -> None:
        self.evidence.finding(Severity.NONCONFORMITY, kind, message, seq)


class ConnectionClosedForCall(Nonconformity):
    """The connection went away while a CALL of ours was waiting for its answer."""


async def _send_quietly(ws: ServerConnection, text: str) -> None:
    with contextlib.suppress(ConnectionClosed):
        await ws.send(text)
