"""OCPP-J RPC framing (OCPP 2.0.1 Part 4 §4, OCPP 2.1 Part 4 §4).

The harness owns framing instead of delegating it to the `ocpp` package: a conformance tester must see every frame
as it was on the wire, including the broken ones, and decide itself what a violation means.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

MESSAGE_ID_MAX_LENGTH = 36


class MessageType(IntEnum):
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4
    CALLRESULTERROR = 5  # OCPP 2.1 only
    SEND = 6  # OCPP 2.1 only


class FrameError(ValueError):
    """A frame that is not valid OCPP-J; `error_code` is the RPC framework code a receiver would answer with."""

    def __init__(self, message: str, error_code: str = "RpcFrameworkError", message_id: str = "-1") -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message_id = message_id


@dataclass(frozen=True)
class Call:
    message_id: str
    action: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps([MessageType.CALL, self.message_id, self.action, self.payload], separators=(",", ":"))


@dataclass(frozen=True)
class CallResult:
    message_id: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps([MessageType.CALLRESULT, self.message_id, self.payload], separators=(",", ":"))


@dataclass(frozen=True)
class CallError:
    message_id: str
    error_code: str
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            [MessageType.CALLERROR, self.message_id, self.error_code, self.description, self.details],
            separators=(",", ":"),
        )


@dataclass(frozen=True)
class Send:
    """OCPP 2.1 SEND: a one-way message that gets no reply."""

    message_id: str
    action: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps([MessageType.SEND, self.message_id, self.action, self.payload], separators=(",", ":"))


Frame = Call | CallResult | CallError | Send


def new_message_id() -> str:
    return str(uuid.uuid4())


def parse_frame(text: str | bytes, *, allow_v21: bool = False) -> Frame:
    """Parse one WebSocket message into a frame, or raise FrameError naming what is wrong."""
    if isinstance(text, bytes):
        raise FrameError("binary WebSocket message; OCPP-J uses text messages only", "RpcFrameworkError")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FrameError(f"not valid JSON ({exc.msg} at position {exc.pos})", "RpcFrameworkError") from None
    if not isinstance(data, list) or len(data) < 3:
        raise FrameError("an OCPP-J frame must be a JSON array of at least 3 elements", "RpcFrameworkError")
    type_id, message_id = data[0], data[1]
    if not isinstance(message_id, str):
        raise FrameError("messageId must be a string", "RpcFrameworkError")
    if len(message_id) > MESSAGE_ID_MAX_LENGTH:
        raise FrameError(f"messageId longer than {MESSAGE_ID_MAX_LENGTH} characters", "RpcFrameworkError", message_id)
    known = {MessageType.CALL, MessageType.CALLRESULT, MessageType.CALLERROR}
    if allow_v21:
        known |= {MessageType.CALLRESULTERROR, MessageType.SEND}
    if not isinstance(type_id, int) or isinstance(type_id, bool) or type_id not in known:
        raise FrameError(f"message type {type_id!r} is not supported", "MessageTypeNotSupported", message_id)
    if type_id in (MessageType.CALL, MessageType.SEND):
        return _parse_call_like(data, message_id, type_id)
    if type_id == MessageType.CALLRESULT:
        if len(data) != 3 or not isinstance(data[2], dict):
            raise FrameError("a CALLRESULT is [3, messageId, {payload}]", "FormatViolation", message_id)
        return CallResult(message_id, data[2])
    return _parse_error(data, message_id)


def _parse_call_like(data: list[Any], message_id: str, type_id: int) -> Frame:
    if len(data) != 4 or not isinstance(data[2], str) or not isinstance(data[3], dict):
        raise FrameError("a CALL is [2, messageId, action, {payload}]", "FormatViolation", message_id)
    if type_id == MessageType.SEND:
        return Send(message_id, data[2], data[3])
    return Call(message_id, data[2], data[3])


def _parse_error(data: list[Any], message_id: str) -> CallError:
    if len(data) != 5 or not isinstance(data[2], str) or not isinstance(data[3], str) or not isinstance(data[4], dict):
        raise FrameError(
            "a CALLERROR is [4, messageId, errorCode, errorDescription, {errorDetails}]", "FormatViolation", message_id
        )
    return CallError(message_id, data[2], data[3], data[4])
