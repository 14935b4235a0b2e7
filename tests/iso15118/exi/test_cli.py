"""`harness exi decode|encode` (contract)."""

from __future__ import annotations

import io
import json

import pytest

from harness.cli import main

REFERENCE = "808c0080080e2cfaa0620b2ba6a4ab1899199a1a9b1b9c1c9820a121a222ac00"


def test_decode_prints_the_session_setup_req(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exi", "decode", REFERENCE]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document == {
        "SessionSetupReq": {"Header": {"SessionID": "00", "TimeStamp": 1700000000}, "EVCCID": "WMIV1234567890ABCDEX"}
    }


def test_encode_reads_json_and_prints_hex(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["exi", "decode", REFERENCE]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(capsys.readouterr().out))
    assert main(["exi", "encode", "--namespace", "common"]) == 0
    assert capsys.readouterr().out.strip() == REFERENCE


def test_v2gtp_framed_input_takes_the_namespace_from_the_payload_type(capsys: pytest.CaptureFixture[str]) -> None:
    framed = "01fe8002" + f"{len(REFERENCE) // 2:08x}" + REFERENCE
    assert main(["exi", "decode", framed]) == 0
    assert "SessionSetupReq" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["exi", "decode", "zz"], "", "not hex"),
        (["exi", "decode", "80ff"], "", "not a valid common message"),
        (["exi", "decode", "01fe8002000000ff80"], "", "1 of 255 announced bytes"),
        (["exi", "encode"], "{not json", "not JSON"),
        (["exi", "encode", "--namespace", "dc"], '{"SessionSetupReq": {}}', "not a global element"),
        (["exi", "encode"], '{"SessionSetupReq": {"Header": {"SessionID": "zz"}}}', "not valid hex"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], stdin: str, message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    assert main(argv) == 2
    error = capsys.readouterr().err
    assert message in error
    assert error.count("\n") == 1
