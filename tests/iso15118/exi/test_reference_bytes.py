"""The SessionSetupReq that three independent codecs agree on (spec note iso15118-20.md) round-trips exactly."""

from __future__ import annotations

from harness.iso15118.exi.codec import decode, encode

REFERENCE = bytes.fromhex("808c0080080e2cfaa0620b2ba6a4ab1899199a1a9b1b9c1c9820a121a222ac00")
DOCUMENT = {
    "SessionSetupReq": {
        "Header": {"SessionID": b"\x00", "TimeStamp": 1700000000},
        "EVCCID": "WMIV1234567890ABCDEX",
    }
}


def test_reference_session_setup_req_decodes() -> None:
    assert decode("common", REFERENCE) == DOCUMENT


def test_reference_session_setup_req_encodes_to_the_same_32_bytes() -> None:
    assert encode("common", DOCUMENT) == REFERENCE
    assert len(REFERENCE) == 32


def test_key_order_in_the_document_does_not_matter() -> None:
    reordered = {
        "SessionSetupReq": {"EVCCID": "WMIV1234567890ABCDEX", "Header": {"TimeStamp": 1700000000, "SessionID": b"\x00"}}
    }
    assert encode("common", reordered) == REFERENCE
