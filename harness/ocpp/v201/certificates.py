"""The CSMS side of certificate management (M03-M05): per-run CA certificates, their OCPP hash data, and the
Part 6 states CertificateInstalled (memory state) and GetInstalledCertificates (reusable state).

Every certificate is a real X.509 made for the run with `harness.pki`; private keys stay in memory. The hash data
follows OCPP 2.0.1 CertificateHashDataType, i.e. RFC 6960 CertID: SHA-256 over the DER of the issuer's name and
over the issuer's public key bits, and the serial number as hexadecimal without leading zeroes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

from harness.checks import require_equal
from harness.ocpp.channel import StationChannel
from harness.ocpp.messages import CallOutcome
from harness.ocpp.v201.steps import read_variable
from harness.pki import Authority, KeyAlgorithm, Validity, pem
from harness.verdict import Inconclusive, Nonconformity, NotApplicable

# OCPP allows RSA and ECC for the OCPP roots; P-256 keeps the per-run generation fast.
CA_KEY: KeyAlgorithm = "secp256r1"
HashData = dict[str, str]


def hash_data(certificate: x509.Certificate, issuer: x509.Certificate | None = None) -> HashData:
    """CertificateHashDataType of `certificate`; `issuer` defaults to the certificate itself (a root)."""
    request = ocsp.OCSPRequestBuilder().add_certificate(certificate, issuer or certificate, hashes.SHA256()).build()
    return {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(request.serial_number, "x"),
    }


def same_certificate(reported: dict[str, Any], expected: HashData) -> bool:
    """Do two hash data name the same certificate? Hex case and leading zeroes of the serial do not matter."""
    if reported.get("hashAlgorithm") != expected["hashAlgorithm"]:
        return False
    for field in ("issuerNameHash", "issuerKeyHash"):
        if str(reported.get(field, "")).lower() != expected[field]:
            return False
    return str(reported.get("serialNumber", "")).lower().lstrip("0") == expected["serialNumber"].lstrip("0")


@dataclass(frozen=True)
class CaCertificate:
    """A CA certificate the CSMS hands to the station, with the hash data the station must report for it."""

    certificate_type: str
    authority: Authority
    issuer: x509.Certificate | None = None  # a root signed by another one (AS-2); None: self-signed

    @property
    def pem(self) -> str:
        return pem(self.authority.certificate).decode("ascii")

    @property
    def hash_data(self) -> HashData:
        return hash_data(self.authority.certificate, self.issuer)


def new_root(certificate_type: str, *, expired: bool = False) -> CaCertificate:
    """A fresh self-signed root for `certificate_type` (valid for 30 days, or expired yesterday)."""
    validity = Validity.expired() if expired else None
    name = f"{certificate_type} (harness run{', expired' if expired else ''})"
    return CaCertificate(certificate_type, Authority.root(name, CA_KEY, validity))


def root_signed_by(certificate_type: str, old: Authority) -> CaCertificate:
    """A new root for `certificate_type` signed by the `old` one, as AdditionalRootCertificateCheck wants
    (M05.FR.10)."""
    new = old.subordinate(f"{certificate_type} 2 (harness run)", CA_KEY)
    return CaCertificate(certificate_type, new, old.certificate)


async def install(csms: StationChannel, certificate: CaCertificate) -> CallOutcome:
    return await csms.call(
        "InstallCertificate", {"certificateType": certificate.certificate_type, "certificate": certificate.pem}
    )


async def certificate_installed(csms: StationChannel, certificate: CaCertificate, *, precondition: bool) -> None:
    """Memory state CertificateInstalled: InstallCertificate must be Accepted.

    As a precondition (a case's memory state) a refusal means the case never started: inconclusive. As a step of
    the scenario it is the station's non-conformity.
    """
    answer = await install(csms, certificate)
    status = answer.get("status")
    if status != "Accepted" and precondition:
        raise Inconclusive(f"memory state not reached: InstallCertificate {certificate.certificate_type} was {status}")
    require_equal(status, "Accepted", f"InstallCertificateResponse status for a {certificate.certificate_type}")


async def installed_ids(csms: StationChannel, certificate_types: list[str] | None) -> CallOutcome:
    """GetInstalledCertificateIds for the given types (None: certificateType omitted, every type)."""
    payload: dict[str, Any] = {} if certificate_types is None else {"certificateType": certificate_types}
    return await csms.call("GetInstalledCertificateIds", payload)


def entries(outcome: CallOutcome) -> list[dict[str, Any]]:
    chain = outcome.get("certificateHashDataChain", [])
    return [dict(entry) for entry in chain] if isinstance(chain, list) else []


def find_entry(outcome: CallOutcome, certificate_type: str, expected: HashData) -> dict[str, Any] | None:
    for entry in entries(outcome):
        if entry.get("certificateType") == certificate_type and same_certificate(
            entry.get("certificateHashData", {}), expected
        ):
            return entry
    return None


def require_listed(outcome: CallOutcome, certificate: CaCertificate, step: str) -> None:
    """The response is Accepted and lists `certificate` under its type with the right hash data."""
    require_equal(outcome.get("status"), "Accepted", f"{step}: GetInstalledCertificateIdsResponse status")
    expected = certificate.hash_data
    if find_entry(outcome, certificate.certificate_type, expected) is not None:
        return
    listed = [
        f"{e.get('certificateType')} serial {e.get('certificateHashData', {}).get('serialNumber')}"
        for e in entries(outcome)
    ]
    raise Nonconformity(
        f"{step}: no {certificate.certificate_type} entry with the hash data of the installed certificate "
        f"(serial {expected['serialNumber']}){_near_miss(outcome, expected)}; listed: {', '.join(listed) or 'nothing'}"
    )


def _near_miss(outcome: CallOutcome, expected: HashData) -> str:
    """For an entry with the right serial number: which hash fields differ (a hashing mistake, not a lost entry)."""
    for entry in entries(outcome):
        reported = entry.get("certificateHashData", {})
        if str(reported.get("serialNumber", "")).lower().lstrip("0") != expected["serialNumber"].lstrip("0"):
            continue
        wrong = [
            f for f in ("hashAlgorithm", "issuerNameHash", "issuerKeyHash") if not _field_matches(reported, f, expected)
        ]
        if wrong:
            return f" (an entry with that serial number has a wrong {', '.join(wrong)})"
    return ""


def _field_matches(reported: dict[str, Any], field: str, expected: HashData) -> bool:
    if field == "hashAlgorithm":
        return reported.get(field) == expected[field]
    return str(reported.get(field, "")).lower() == expected[field]


async def get_installed_certificates(
    csms: StationChannel, certificates: list[CaCertificate], step: str = "GetInstalledCertificates"
) -> CallOutcome:
    """Reusable state GetInstalledCertificates for the types of `certificates`: each must be listed."""
    types = list(dict.fromkeys(c.certificate_type for c in certificates))
    outcome = await installed_ids(csms, types)
    for certificate in certificates:
        require_listed(outcome, certificate, step)
    return outcome


async def require_no_additional_root_check(csms: StationChannel) -> None:
    """Prerequisite of several M05 cases: AdditionalRootCertificateCheck is not implemented with value true."""
    value = await read_variable(csms, "SecurityCtrlr", "AdditionalRootCertificateCheck")
    if value == "true":
        raise NotApplicable("the station has AdditionalRootCertificateCheck true; this case needs it absent or false")
