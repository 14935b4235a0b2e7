"""OCPP-J framing: what parses, and what is rejected with which RPC error code."""

from __future__ import annotations

import pytest

from harness.ocpp.framing import Call, CallError, CallResult, FrameError, Send, parse_frame


def test_call_round_trip() -> None:
    call = Call("42", "Heartbeat", {})
    assert parse_frame(call.to_json()) == call


def test_result_and_error_parse() -> None:
    assert parse_frame('[3,"1",{"status":"Accepted"}]') == CallResult("1", {"status": "Accepted"})
    assert parse_frame('[4,"1","NotImplemented","no",{}]') == CallError("1", "NotImplemented", "no", {})


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("[2,", "RpcFrameworkError"),
        ('{"a":1}', "RpcFrameworkError"),
        ('[2,7,"Heartbeat",{}]', "RpcFrameworkError"),
        ('[9,"1",{}]', "MessageTypeNotSupported"),
        ('[2,"1","Heartbeat"]', "FormatViolation"),
        ('[3,"1",[]]', "FormatViolation"),
        ('[4,"1","X",{}]', "FormatViolation"),
        ('[2,"' + "x" * 37 + '","Heartbeat",{}]', "RpcFrameworkError"),
    ],
)
def test_invalid_frames_name_their_error_code(text: str, code: str) -> None:
    with pytest.raises(FrameError) as caught:
        parse_frame(text)
    assert caught.value.error_code == code


def test_send_frame_only_in_ocpp21() -> None:
    with pytest.raises(FrameError):
        parse_frame('[6,"1","NotifyPeriodicEventStream",{}]')
    assert isinstance(parse_frame('[6,"1","NotifyPeriodicEventStream",{}]', allow_v21=True), Send)


def test_binary_frame_rejected() -> None:
    with pytest.raises(FrameError):
        parse_frame(b"[2]")
