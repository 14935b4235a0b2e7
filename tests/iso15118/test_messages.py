"""The generated message models: every message of every namespace converts to and from codec documents without
loss, carries its clause and wire names, and refuses values outside the schema's constraints."""

from __future__ import annotations

import importlib
import random

import pytest

from harness.iso15118.exi.codec import decode, encode, grammar
from harness.iso15118.exi.sampling import Sampler, message_roots
from harness.iso15118.messages.base import Model, ModelError, message_document
from harness.iso15118.messages.common_messages import SessionSetupReq
from harness.iso15118.messages.common_types import MessageHeader, RationalNumber

MODEL_MODULES = {
    "app": "app_protocol", "common": "common_messages", "dc": "dc", "ac": "ac", "wpt": "wpt", "acdp": "acdp",
}  # fmt: skip


def _messages(namespace: str) -> dict[str, type[Model]]:
    module = importlib.import_module(f"harness.iso15118.messages.{MODEL_MODULES[namespace]}")
    return {
        value.ROOT: value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Model) and value.ROOT is not None
    }


@pytest.mark.parametrize("namespace", sorted(MODEL_MODULES))
def test_every_message_has_a_model_that_round_trips(namespace: str) -> None:
    codec = grammar(namespace)
    models = _messages(namespace)
    sampler = Sampler(codec, random.Random(namespace), exclude=frozenset({"KeyInfo", "Object"}))
    for root in message_roots(codec):
        model_class = models[root]
        assert codec.namespace == model_class.NAMESPACE
        for _ in range(8):
            document = sampler.document(root)
            model = model_class.from_document(document[root])
            assert message_document(model) == document
            assert decode(namespace, encode(namespace, message_document(model))) == document


def test_the_ev_messages_cite_their_clause() -> None:
    for namespace in ("common", "dc", "ac"):
        for root, model_class in _messages(namespace).items():
            assert model_class.CLAUSE and model_class.CLAUSE.startswith("8.3.4."), root


def test_a_model_builds_a_session_setup_req() -> None:
    message = SessionSetupReq(header=MessageHeader(session_id=bytes(8), time_stamp=1700000000), evccid="WMIV1234")
    document = message_document(message)
    assert document == {
        "SessionSetupReq": {"Header": {"SessionID": bytes(8), "TimeStamp": 1700000000}, "EVCCID": "WMIV1234"}
    }
    assert SessionSetupReq.from_document(decode("common", encode("common", document))["SessionSetupReq"]) == message


def test_the_reference_bytes_carry_a_session_id_the_schema_does_not_allow() -> None:
    # The spec note's reference SessionSetupReq has a one-byte SessionID; the schema fixes its length at 8.
    content = decode("common", bytes.fromhex("808c0080080e2cfaa0620b2ba6a4ab1899199a1a9b1b9c1c9820a121a222ac00"))
    with pytest.raises(ModelError, match=r"SessionID\): length 1 outside \[8, 8\]"):
        SessionSetupReq.from_document(content["SessionSetupReq"])


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RationalNumber(exponent=200, value=1), "outside"),
        (lambda: RationalNumber(exponent=0), "required"),
        (lambda: MessageHeader(session_id=b"\x00" * 9, time_stamp=1), "length 9"),
        (
            lambda: SessionSetupReq(header=MessageHeader(session_id=bytes(8), time_stamp=1), evccid=7),  # type: ignore[arg-type]
            "expected str",
        ),
    ],
)
def test_constraints_are_checked_on_construction(build: object, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        build()  # type: ignore[operator]


def test_unknown_wire_field_is_refused() -> None:
    with pytest.raises(ModelError, match="unknown field"):
        RationalNumber.from_document({"Exponent": 0, "Value": 1, "Unit": "W"})
