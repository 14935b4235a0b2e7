"""The virtual meter's signed readings verify with the harness's checks, and the checks catch what they must:
a reading other than the one signed, a signature by another key, a publicKey that is no key."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from harness.ocpp.v201.signed_meter import check_signed, keys_of, public_key
from harness.verdict import Nonconformity
from harness.virtual.meter_signing import MeterSigner

STAMP = "2026-01-01T00:00:00.000Z"


def _sampled(value: float = 1234.5) -> dict[str, Any]:
    return {
        "value": value,
        "context": "Transaction.Begin",
        "measurand": "Energy.Active.Import.Register",
        "unitOfMeasure": {"unit": "Wh"},
    }


def test_a_signed_reading_verifies_with_its_own_key() -> None:
    sampled = _sampled()
    sampled["signedMeterValue"] = MeterSigner("M-1").sign(sampled, STAMP, with_key=True)
    check_signed(sampled, [], "test")
    document = base64.b64decode(sampled["signedMeterValue"]["signedMeterData"]).decode()
    assert document.startswith("OCMF|")
    assert json.loads(document.split("|")[1])["RD"][0]["RV"] == 1234.5


def test_a_key_sent_earlier_in_the_transaction_verifies_later_readings() -> None:
    signer = MeterSigner("M-1")
    first, later = _sampled(1.0), _sampled(2.0)
    first["signedMeterValue"] = signer.sign(first, STAMP, with_key=True)
    later["signedMeterValue"] = signer.sign(later, STAMP, with_key=False)
    assert later["signedMeterValue"]["publicKey"] == ""
    check_signed(later, keys_of([{"sampledValue": [first]}]), "test")


def test_a_reported_value_other_than_the_signed_one_fails() -> None:
    sampled = _sampled()
    sampled["signedMeterValue"] = MeterSigner("M-1").sign(sampled, STAMP, with_key=True)
    sampled["value"] = 2000.0
    with pytest.raises(Nonconformity, match="not the reported value"):
        check_signed(sampled, [], "test")


def test_a_signature_by_another_key_fails() -> None:
    sampled = _sampled()
    sampled["signedMeterValue"] = MeterSigner("M-1").sign(sampled, STAMP, with_key=True)
    sampled["signedMeterValue"]["publicKey"] = MeterSigner("M-2").public_key
    with pytest.raises(Nonconformity, match="does not verify"):
        check_signed(sampled, [], "test")


def test_a_public_key_that_is_no_key_fails_and_an_empty_one_is_allowed() -> None:
    with pytest.raises(Nonconformity, match="not a valid public key"):
        public_key(base64.b64encode(b"not a key").decode(), "test")
    assert public_key("", "test") is None


def test_a_missing_signed_meter_value_fails() -> None:
    with pytest.raises(Nonconformity, match="without signedMeterValue"):
        check_signed(_sampled(), [], "test")
