"""One EV connection to the virtual SECC: V2GTP framing, the sequence timer, the sequence and session checks.

Per request: read the 8-byte header within the sequence timeout (60 s in general, 0.5 s after a ChargeLoopRes;
both PIXIT values of the station), refuse what the header rules or the negotiated protocol do not allow by
closing the connection, decode, check the SessionID and the sequence table (FAILED_UnknownSession and
FAILED_SequenceError, then close), hand the content to the message's handler and send its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from harness.iso15118.exi.codec import decode, encode
from harness.iso15118.exi.errors import ExiError
from harness.iso15118.sequence import MESSAGE_BY_ROOT, MESSAGES, Message, State, accepts, next_state, outcome_of
from harness.iso15118.transport.errors import V2gtpError
from harness.iso15118.transport.v2gtp import HEADER_SIZE, PayloadType, build_frame, parse_header
from harness.virtual import faults as F
from harness.virtual.secc import common_handlers as common
from harness.virtual.secc import energy_handlers as energy
from harness.virtual.secc.context import Answer, SessionContext
from harness.virtual.secc.minimal import minimal_response

log = logging.getLogger("harness.virtual.secc")

SLOW_RESPONSE_S = 1.8  # secc-slow-response: beyond the 1.5 s performance time, inside the EV's 2 s timeout
SLOW_CHARGE_LOOP_S = 0.35
NEVER_S = 3600.0  # secc-ignores-sequence-timeout: an hour is forever for any test case
MAX_PAYLOAD = 65536
NAMESPACE_OF_TYPE: dict[int, str] = {
    PayloadType.SUPPORTED_APP_PROTOCOL: "app",
    PayloadType.COMMON_MESSAGES: "common",
    PayloadType.AC: "ac",
    PayloadType.DC: "dc",
}

Handler = Callable[[SessionContext, dict[str, Any]], Answer]
HANDLERS: dict[str, Handler] = {
    "AuthorizationSetup": common.authorization_setup,
    "Authorization": common.authorization,
    "ServiceDiscovery": common.service_discovery,
    "ServiceDetail": common.service_detail,
    "ServiceSelection": common.service_selection,
    "ScheduleExchange": common.schedule_exchange,
    "PowerDelivery": common.power_delivery,
    "SessionStop": common.session_stop,
    "DC_ChargeParameterDiscovery": energy.dc_charge_parameter_discovery,
    "DC_CableCheck": energy.cable_check,
    "DC_PreCharge": energy.pre_charge,
    "DC_ChargeLoop": energy.dc_charge_loop,
    "DC_WeldingDetection": energy.welding_detection,
    "AC_ChargeParameterDiscovery": energy.ac_charge_parameter_discovery,
    "AC_ChargeLoop": energy.ac_charge_loop,
}


class Close(Exception):
    """End this connection now (a rule was broken, or the session is over)."""


class SeccConnection:
    """Serves one TCP connection; `paused` holds sessions that may be joined again (SessionStop Pause)."""

    def __init__(
        self,
        ctx: SessionContext,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        paused: dict[bytes, SessionContext],
    ) -> None:
        self.ctx, self.reader, self.writer, self.paused = ctx, reader, writer, paused
        self.last_answered: str | None = None
        self.ended_by_ev = False

    async def serve(self) -> None:
        peer = self.writer.get_extra_info("peername")
        log.info("V2G connection from %s", peer)
        try:
            while True:
                await self._one_request()
        except Close as reason:
            log.info("closing the V2G connection: %s", reason)
        except (ConnectionError, asyncio.IncompleteReadError):
            log.info("the EV closed or reset the connection")
            self.ended_by_ev = True
        finally:
            self._finish()
            self.writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.writer.wait_closed(), 2.0)

    def _finish(self) -> None:
        """Whatever ended the connection, the power path opens (unless a fault keeps it) and paused sessions wait."""
        ctx = self.ctx
        if ctx.paused and ctx.session_id:
            self.paused[ctx.session_id] = ctx
        keep_power = ctx.active(F.SECC_IGNORES_TCP_RESET) and self.ended_by_ev and ctx.delivering
        if not keep_power:
            ctx.delivering = False
            ctx.link.stop_delivery()
            if not ctx.paused:
                ctx.link.session_ended()

    # ------------------------------------------------------------ one request

    def _sequence_timeout(self) -> float:
        ctx = self.ctx
        if ctx.active(F.SECC_IGNORES_SEQUENCE_TIMEOUT):
            return NEVER_S
        last = self.last_answered
        if last is not None and ctx.active(F.SECC_GENERAL_TIMEOUT_AFTER_CHARGE_LOOP):
            return ctx.config.timers.sequence_timeout_s
        return ctx.config.timers.sequence_timeout_after(last) if last else ctx.config.timers.sequence_timeout_s

    async def _one_request(self) -> None:
        timeout = self._sequence_timeout()
        try:
            raw_header = await asyncio.wait_for(self.reader.readexactly(HEADER_SIZE), timeout)
        except TimeoutError:
            raise Close(f"no request within the sequence timeout ({timeout:g} s)") from None
        received_at = time.monotonic()
        try:
            header = parse_header(raw_header, max_payload=MAX_PAYLOAD)
        except V2gtpError as exc:
            await self._malformed_header(raw_header, str(exc))
            return
        payload = await asyncio.wait_for(self.reader.readexactly(header.payload_length), timeout)
        allowed = self._allowed_payload_types()
        if header.payload_type not in allowed and not self.ctx.active(F.SECC_ACCEPTS_WRONG_PAYLOAD_TYPE):
            raise Close(f"payload type 0x{int(header.payload_type):04X} does not fit the negotiated protocol")
        namespace = NAMESPACE_OF_TYPE.get(int(header.payload_type))
        document = self._decode(namespace, payload)
        if document is None:
            await self._malformed_exi()
            return
        root = next(iter(document))
        pair = MESSAGE_BY_ROOT.get(root)
        if pair is None or root != pair.request:
            raise Close(f"{root} is not a request this SECC serves")
        await self._answer(pair, document[root], received_at)

    async def _malformed_header(self, raw: bytes, problem: str) -> None:
        if not self.ctx.active(F.SECC_ACCEPTS_MALFORMED_V2GTP):
            raise Close(f"malformed V2GTP header: {problem}")
        # The fault: skip what the header announces as if nothing happened and keep the session.
        log.info("ignoring a malformed V2GTP header (fault): %s", problem)
        with contextlib.suppress(TimeoutError, asyncio.IncompleteReadError):
            await asyncio.wait_for(self.reader.read(MAX_PAYLOAD), 0.2)

    def _allowed_payload_types(self) -> set[int]:
        ctx = self.ctx
        if ctx.state == State.CONNECTED:
            return {PayloadType.SUPPORTED_APP_PROTOCOL}
        allowed: set[int] = {PayloadType.COMMON_MESSAGES}
        if ctx.family is not None:
            allowed.add(PayloadType.AC if ctx.family.value == "AC" else PayloadType.DC)
        return allowed

    def _decode(self, namespace: str | None, payload: bytes) -> dict[str, Any] | None:
        candidates = [namespace] if namespace is not None else []
        if self.ctx.active(F.SECC_ACCEPTS_WRONG_PAYLOAD_TYPE):
            candidates += [n for n in ("app", "common", "dc", "ac") if n != namespace]
        for candidate in candidates:
            try:
                return decode(candidate, payload)
            except ExiError:
                continue
        return None

    async def _malformed_exi(self) -> None:
        if not self.ctx.active(F.SECC_ANSWERS_MALFORMED_EXI):
            raise Close("the request does not decode as -20 EXI")
        # The fault: answer something generic and keep going.
        await self._send(MESSAGES["SessionSetup"], Answer("OK", {"EVSEID": self.ctx.config.evse_id}), 0.0)

    # ------------------------------------------------------------ checks and dispatch

    async def _answer(self, pair: Message, content: dict[str, Any], received_at: float) -> None:
        ctx = self.ctx
        header = content.get("Header", {}) if pair.namespace != "app" else {}
        answer = self._check(pair, header)
        if answer is None:
            answer = self._dispatch(pair, content, header)
        delay = self._reply_delay(pair) - (time.monotonic() - received_at)
        await self._send(pair, answer, delay)
        if not answer.failed:
            target = next_state(
                ctx.state,
                ctx.family,
                pair.name,
                outcome_of(pair.name, content, answer.content | {"ResponseCode": answer.code}),
            )
            if target is not None:
                ctx.state = target
        self.last_answered = pair.name
        if pair.name == "supportedAppProtocol" and answer.code.startswith("Failed"):
            raise Close("no common protocol")
        if answer.failed and not ctx.active(F.SECC_STAYS_AFTER_FAILED):
            raise Close(f"{pair.response} carried {answer.code}")
        if pair.name == "SessionStop" and not answer.failed:
            raise Close("the session ended")

    def _check(self, pair: Message, header: dict[str, Any]) -> Answer | None:
        """FAILED_UnknownSession or FAILED_SequenceError, or None when the request may be served."""
        ctx = self.ctx
        checks_session = pair.namespace != "app" and pair.name != "SessionSetup" and bool(ctx.session_id)
        wrong_session = header.get("SessionID") != ctx.session_id and not ctx.active(F.SECC_IGNORES_SESSION_ID)
        if checks_session and wrong_session:
            return self._failed(pair, "FAILED_UnknownSession")
        if accepts(ctx.state, ctx.family, pair.name) or ctx.active(F.SECC_ACCEPTS_OUT_OF_SEQUENCE):
            if pair.name not in HANDLERS and pair.name not in ("supportedAppProtocol", "SessionSetup"):
                return self._failed(pair, "FAILED_SequenceError")  # a message this station does not serve
            return None
        return self._failed(pair, "FAILED_SequenceError")

    def _dispatch(self, pair: Message, content: dict[str, Any], header: dict[str, Any]) -> Answer:
        ctx = self.ctx
        try:
            if pair.name == "supportedAppProtocol":
                return common.supported_app_protocol(ctx, content)
            if pair.name == "SessionSetup":
                return self._session_setup(content, header)
            return HANDLERS[pair.name](ctx, content)
        except Exception as exc:  # a request the handler cannot make sense of must not kill the station
            log.warning("%s could not be served: %r", pair.request, exc)
            return self._failed(pair, "FAILED")

    def _session_setup(self, content: dict[str, Any], header: dict[str, Any]) -> Answer:
        asked = header.get("SessionID", b"")
        earlier = self.paused.pop(asked, None) if isinstance(asked, bytes) else None
        if earlier is not None and not self.ctx.active(F.SECC_NO_SESSION_RESUME):
            earlier.paused = False
            earlier.state = State.PROTOCOL_AGREED
            earlier.family = self.ctx.family or earlier.family
            self.ctx = earlier
        return common.session_setup(self.ctx, content, header, resumable=earlier is not None)

    def _failed(self, pair: Message, code: str) -> Answer:
        if pair.namespace == "app":
            return Answer("Failed_NoNegotiation")
        return Answer(code, minimal_response(pair.namespace, pair.response, code))

    def _reply_delay(self, pair: Message) -> float:
        if pair.name in ("DC_ChargeLoop", "AC_ChargeLoop") and self.ctx.active(F.SECC_SLOW_CHARGE_LOOP):
            return SLOW_CHARGE_LOOP_S
        if self.ctx.active(F.SECC_SLOW_RESPONSE):
            return SLOW_RESPONSE_S
        return 0.0

    async def _send(self, pair: Message, answer: Answer, delay_s: float) -> None:
        content = dict(answer.content)
        content["ResponseCode"] = answer.code
        if pair.namespace != "app":
            content = {
                "Header": {"SessionID": self.ctx.session_id or bytes(8), "TimeStamp": int(time.time())},
                **content,
            }
        document = {pair.response: content}
        payload = encode(pair.namespace, document)
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        self.writer.write(build_frame(PayloadType(pair.payload_type), payload))
        await asyncio.wait_for(self.writer.drain(), 5.0)
