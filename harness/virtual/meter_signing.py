"""The virtual meter's signed readings (J01.FR.21, J02.FR.21): OCMF documents signed with ECDSA P-256.

Each station run makes its own key pair, so a signature can only verify against the publicKey this station sent.
An OCMF document is `OCMF|<payload JSON>|<signature JSON>`, the signature being the hex DER ECDSA signature over
the payload bytes (SHA-256); signedMeterData carries the document base64-encoded.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.device_model import DeviceModel, VariableKey
from harness.virtual.faults import FaultSet
from harness.virtual.metering import Signer

SIGNING_METHOD = "ECDSA-secp256r1-SHA256"
ENCODING_METHOD = "OCMF"
# OBIS identifiers of the readings the virtual meter can sign (IEC 62056-61), keyed by measurand.
OBIS = {
    "Energy.Active.Import.Register": "01-00:01.08.00.FF",
    "Power.Active.Import": "01-00:01.07.00.FF",
    "Current.Import": "01-00:1F.07.00.FF",
    "Voltage": "01-00:20.07.00.FF",
}
# OCMF reading types: B begin of transaction, E end, T intermediate (tariff / periodic), C clock-aligned.
READING_TYPE = {"Transaction.Begin": "B", "Transaction.End": "E", "Sample.Clock": "C"}


class MeterSigner:
    """Signs sampled values with the meter's per-run key."""

    def __init__(self, meter_serial: str) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._serial = meter_serial
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.public_key = base64.b64encode(der).decode("ascii")

    def sign(self, sampled: dict[str, Any], timestamp: str, *, with_key: bool) -> dict[str, Any]:
        """The signedMeterValue for one sampledValue (publicKey "" when the policy leaves it out)."""
        measurand = sampled.get("measurand", "Energy.Active.Import.Register")
        value = float(sampled["value"])
        payload = {
            "FV": "1.0",
            "GI": "OpenV2G VirtualStation",
            "GS": self._serial,
            "PG": "T1",
            "MS": self._serial,
            "RD": [
                {
                    "TM": timestamp,
                    "TX": READING_TYPE.get(str(sampled.get("context")), "T"),
                    "RV": value,
                    "RI": OBIS.get(measurand, measurand),
                    "RU": sampled.get("unitOfMeasure", {}).get("unit", "Wh"),
                    "ST": "G",
                }
            ],
        }
        text = json.dumps(payload, separators=(",", ":"))
        signature = self._key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))
        document = f"{ENCODING_METHOD}|{text}|" + json.dumps({"SA": SIGNING_METHOD, "SD": signature.hex().upper()})
        return {
            "signedMeterData": base64.b64encode(document.encode()).decode("ascii"),
            "signingMethod": SIGNING_METHOD,
            "encodingMethod": ENCODING_METHOD,
            "publicKey": self.public_key if with_key else "",
        }


class SigningPolicy:
    """Whether readings are signed now (SignReadings of the sampled or the aligned data) and when the publicKey
    goes with them (OCPPCommCtrlr.PublicKeyWithSignedMeterValue)."""

    def __init__(self, dm: DeviceModel, faults: FaultSet, signer: MeterSigner) -> None:
        self._dm, self._faults, self._signer = dm, faults, signer
        self._key_sent: set[str] = set()  # transactions whose readings already carried the key once

    def enabled(self, variable: VariableKey) -> bool:
        return self._dm.get_bool(variable) and not self._faults.active(F.SIGN_READINGS_IGNORED)

    def signer(self, variable: VariableKey, transaction_id: str | None) -> Signer | None:
        """The signing function for readings governed by `variable`, or None when they go unsigned."""
        if not self.enabled(variable):
            return None

        def sign(sampled: dict[str, Any], timestamp: str) -> dict[str, Any]:
            return self._signer.sign(sampled, timestamp, with_key=self._with_key(transaction_id))

        return sign

    def _with_key(self, transaction_id: str | None) -> bool:
        policy = self._dm.value(dmc.PUBLIC_KEY_WITH_SIGNED_METER_VALUE)
        if policy == "Never":
            return False
        if policy == "OncePerTransaction" and transaction_id is not None:
            if transaction_id in self._key_sent:
                return False
            self._key_sent.add(transaction_id)
        return True
