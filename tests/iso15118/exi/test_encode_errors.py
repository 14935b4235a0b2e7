"""Documents that do not fit the schema are refused with a message naming the field."""

from __future__ import annotations

import pytest

from harness.iso15118.exi.codec import encode
from harness.iso15118.exi.errors import ExiEncodeError

HEADER = {"SessionID": b"\x01" * 8, "TimeStamp": 1}


def _setup(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {"Header": dict(HEADER), "EVCCID": "WMIV1234567890ABCDEX"}
    body.update(changes)
    return {"SessionSetupReq": body}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_setup(Unknown=1), "unknown field"),
        ({"SessionSetupReq": {"Header": dict(HEADER)}}, "incomplete SessionSetupReqType"),
        (_setup(EVCCID=5), "expected a string"),
        (_setup(Header={"SessionID": "00", "TimeStamp": 1}), "Header/SessionID: expected bytes"),
        (_setup(Header={"SessionID": b"\x00", "TimeStamp": -1}), "Header/TimeStamp: expected a non-negative"),
        ({"NoSuchMessage": {}}, "not a global element"),
        ({}, "exactly one root"),
    ],
)
def test_invalid_documents_are_refused_with_the_field(document: dict[str, object], message: str) -> None:
    with pytest.raises(ExiEncodeError, match=message):
        encode("common", document)


def test_enumeration_value_outside_the_schema_is_refused() -> None:
    document = {"SessionSetupRes": {"Header": HEADER, "ResponseCode": "OK_Maybe", "EVSEID": "DE*ABC"}}
    with pytest.raises(ExiEncodeError, match="ResponseCode: 'OK_Maybe' is not one of"):
        encode("common", document)


def test_unknown_namespace_is_refused() -> None:
    with pytest.raises(ExiEncodeError, match="unknown namespace"):
        encode("xx", {"A": {}})
