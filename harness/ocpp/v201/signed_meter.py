"""Checks of signed meter values (J01.FR.21, J02.FR.21, E01 DataSigned) as the CSMS receives them.

Part 6 asks for signedMeterValue with its four fields and a publicKey that is "" or a valid public key
(OCPPCommCtrlr.PublicKeyWithSignedMeterValue). Where the format allows it, this module goes further and verifies the
signature: an OCMF document (`OCMF|payload|signature`) signed with ECDSA verifies against the station's publicKey
(the one in the value, else one the station sent earlier in the transaction), and the signed reading must be the
value the sampledValue reports. Other encodings are checked for their fields only.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness.checks import require
from harness.verdict import Nonconformity

_HASHES: dict[str, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    "SHA256": hashes.SHA256,
    "SHA384": hashes.SHA384,
    "SHA512": hashes.SHA512,
}
READING_TOLERANCE = 0.01  # relative: the signed and the reported reading may differ by rounding only


def public_key(text: str, where: str) -> ec.EllipticCurvePublicKey | None:
    """The key a publicKey field names ("" is allowed: the station sends none), or a non-conformity."""
    if text == "":
        return None
    try:
        key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error, TypeError):
        raise Nonconformity(f"{where}: signedMeterValue.publicKey is not a valid public key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return None  # a valid key of another kind: the signature is not verified here
    return key


def keys_of(meter_values: Iterable[dict[str, Any]]) -> list[ec.EllipticCurvePublicKey]:
    """Every EC publicKey the station sent in these meter values (OncePerTransaction sends it once)."""
    found = []
    for meter_value in meter_values:
        for sampled in meter_value.get("sampledValue") or []:
            text = (sampled.get("signedMeterValue") or {}).get("publicKey") or ""
            key = public_key(text, "publicKey") if text else None
            if key is not None:
                found.append(key)
    return found


def check_signed(sampled: dict[str, Any], known_keys: list[ec.EllipticCurvePublicKey], where: str) -> None:
    """One sampledValue: signedMeterValue present and complete; its OCMF ECDSA signature verifies when checkable."""
    signed = sampled.get("signedMeterValue")
    require(signed is not None, f"{where}: sampledValue without signedMeterValue")
    assert signed is not None
    for field in ("signedMeterData", "signingMethod", "encodingMethod"):
        require(bool(signed.get(field)), f"{where}: signedMeterValue.{field} is empty")
    require("publicKey" in signed, f"{where}: signedMeterValue.publicKey is missing")
    own = public_key(str(signed["publicKey"]), where)
    keys = [own] if own is not None else known_keys
    if str(signed["encodingMethod"]).upper() != "OCMF" or not keys:
        return
    payload, algorithm, signature = _ocmf(str(signed["signedMeterData"]), where)
    digest = next((h for name, h in _HASHES.items() if name in algorithm.upper().replace("-", "")), None)
    if "ECDSA" not in algorithm.upper() or digest is None:
        return
    if not any(_verifies(key, signature, payload, digest()) for key in keys):
        raise Nonconformity(f"{where}: the signature of signedMeterData does not verify with the station's publicKey")
    _check_reading(payload, sampled, where)


def _ocmf(data: str, where: str) -> tuple[bytes, str, bytes]:
    try:
        document = base64.b64decode(data, validate=True).decode("utf-8")
    except (ValueError, binascii.Error):
        document = data  # OCMF may also travel as plain text
    parts = document.split("|")
    if len(parts) != 3 or parts[0] != "OCMF":
        raise Nonconformity(f"{where}: encodingMethod OCMF but signedMeterData is not an OCMF document")
    try:
        signature = json.loads(parts[2])
        return parts[1].encode("utf-8"), str(signature.get("SA", "")), bytes.fromhex(str(signature["SD"]))
    except (ValueError, KeyError, AttributeError):
        raise Nonconformity(f"{where}: the OCMF signature section cannot be read") from None


def _verifies(key: ec.EllipticCurvePublicKey, signature: bytes, payload: bytes, digest: hashes.HashAlgorithm) -> bool:
    try:
        key.verify(signature, payload, ec.ECDSA(digest))
    except InvalidSignature:
        return False
    return True


def _check_reading(payload: bytes, sampled: dict[str, Any], where: str) -> None:
    """The reading that was signed is the one reported (a signature over another value proves nothing)."""
    try:
        readings = json.loads(payload).get("RD") or []
        signed_value = float(readings[-1]["RV"])
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        raise Nonconformity(f"{where}: the OCMF payload carries no reading value (RD[].RV)") from None
    reported = float(sampled.get("value", 0.0))
    slack = max(abs(reported) * READING_TOLERANCE, 0.01)
    require(
        abs(signed_value - reported) <= slack,
        f"{where}: the signed reading {signed_value:g} is not the reported value {reported:g}",
    )
