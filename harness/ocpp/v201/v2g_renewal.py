"""The CSMS side of renewing the station's V2G certificate (memory state RenewV2GChargingStationCertificate) and of
answering its OCSP status request (M06 GetCertificateStatus).

The harness makes its own V2G PKI for the run (root, sub-CA 1, sub-CA 2, as a charge point operator's chain is
built), installs the root in the station, signs the station's CSR with sub-CA 2 (with an OCSP responder URL in the
certificate, where the station must ask) and answers GetCertificateStatus with a real RFC 6960 OCSPResponse.
"""

from __future__ import annotations

import base64
import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from harness.checks import require_equal
from harness.ocpp.channel import StationChannel
from harness.ocpp.messages import Received
from harness.ocpp.v201.certificates import CaCertificate, certificate_installed, hash_data, same_certificate
from harness.ocpp.v201.csr import CsrRules, checked_csr
from harness.pki import Authority, KeyAlgorithm, pem
from harness.verdict import Inconclusive, Nonconformity

# ISO 15118-2 certificates are ECDSA on secp256r1; the CSR key must have at least 256 bits (Part 6).
V2G_KEY: KeyAlgorithm = "secp256r1"
MIN_V2G_KEY_BITS = 256
OCSP_RESPONDER = "http://ocsp.v2g.harness.invalid/"
OCSP_VALIDITY = datetime.timedelta(days=1)
# "if implemented": a station without these variables skips them (Part 6 RenewV2GChargingStationCertificate).
CONFIGURATION = (("V2GCertificateInstallationEnabled", "true"), ("CountryName", "NL"))
_report_ids = itertools.count(4100)


@dataclass
class V2gPki:
    """This run's V2G chain: the root the station must trust and sub-CA 2 that signs the station's certificate."""

    root: Authority = field(default_factory=lambda: Authority.root("V2G Root CA (harness run)", V2G_KEY))
    sub1: Authority = field(init=False)
    signer: Authority = field(init=False)

    signed: list[x509.Certificate] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sub1 = self.root.subordinate("V2G CPO Sub-CA 1 (harness run)", V2G_KEY)
        self.signer = self.sub1.subordinate("V2G CPO Sub-CA 2 (harness run)", V2G_KEY)

    def chain_members(self) -> list[tuple[x509.Certificate, x509.Certificate]]:
        """Every certificate below the root this PKI made, with its issuer: the ones an OCSP request may name."""
        return [
            *((leaf, self.signer.certificate) for leaf in self.signed),
            (self.signer.certificate, self.sub1.certificate),
            (self.sub1.certificate, self.root.certificate),
        ]

    @property
    def root_certificate(self) -> CaCertificate:
        return CaCertificate("V2GRootCertificate", self.root)

    def sign(self, request: x509.CertificateSigningRequest) -> tuple[x509.Certificate, str]:
        """The station's certificate and the PEM chain CertificateSigned carries (leaf first, sub-CAs after)."""
        leaf, intermediates = self.signer.certify(request, ocsp_url=OCSP_RESPONDER)
        self.signed.append(leaf)
        return leaf, "".join(pem(c).decode("ascii") for c in (leaf, *intermediates))

    def ocsp_response(self, certificate: x509.Certificate, issuer: x509.Certificate) -> str:
        """An OCSPResponse, signed by the issuing CA, saying `certificate` is good: DER, then base64."""
        authority = next(a for a in (self.root, self.sub1, self.signer) if a.certificate == issuer)
        now = datetime.datetime.now(datetime.UTC)
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=certificate,
                issuer=issuer,
                algorithm=hashes.SHA256(),
                cert_status=ocsp.OCSPCertStatus.GOOD,
                this_update=now,
                next_update=now + OCSP_VALIDITY,
                revocation_time=None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer)
        )
        key = authority.issued.key
        algorithm = None if not isinstance(key, ec.EllipticCurvePrivateKey) else hashes.SHA256()
        response = builder.sign(key, algorithm)
        return base64.b64encode(response.public_bytes(serialization.Encoding.DER)).decode("ascii")


@dataclass
class RenewedCertificate:
    """One certificate of a renewed chain with its issuer, and the OCSP responder it names (if any)."""

    certificate: x509.Certificate
    issuer: x509.Certificate
    responder: str | None


async def renew_v2g_certificate(csms: StationChannel, pki: V2gPki, organization: str) -> list[RenewedCertificate]:
    """Memory state RenewV2GChargingStationCertificate, once per EVSE with a seccId (or once station-wide).

    Returns every certificate of the renewed chains below the root: the ones whose status the station may ask."""
    await _configure_if_implemented(csms, organization)
    targets: list[tuple[int | None, str | None]] = [*await _secc_ids(csms)] or [(None, None)]
    renewed: list[RenewedCertificate] = []
    for evse_id, secc_id in targets:
        leaf = await _renew_one(csms, pki, evse_id, secc_id)
        renewed.append(RenewedCertificate(leaf, pki.signer.certificate, OCSP_RESPONDER))
    renewed.append(RenewedCertificate(pki.signer.certificate, pki.sub1.certificate, None))
    renewed.append(RenewedCertificate(pki.sub1.certificate, pki.root.certificate, None))
    return renewed


async def _configure_if_implemented(csms: StationChannel, organization: str) -> None:
    for variable, value in (*CONFIGURATION, ("OrganizationName", organization)):
        data = {"component": {"name": "ISO15118Ctrlr"}, "variable": {"name": variable}, "attributeValue": value}
        outcome = await csms.call("SetVariables", {"setVariableData": [data]})
        status = outcome.get("setVariableResult.0.attributeStatus")
        if status not in ("Accepted", "UnknownComponent", "UnknownVariable", "RebootRequired"):
            raise Inconclusive(f"configuration state not reached: ISO15118Ctrlr.{variable} was {status}")


async def _secc_ids(csms: StationChannel) -> list[tuple[int | None, str]]:
    """The configured ISO15118Ctrlr.SeccId values, with their EVSE, from a full base report."""
    request_id = next(_report_ids)
    answer = await csms.call("GetBaseReport", {"requestId": request_id, "reportBase": "FullInventory"})
    if answer.get("status") != "Accepted":
        raise Inconclusive(f"configuration state not reached: GetBaseReport FullInventory was {answer.get('status')}")
    found: list[tuple[int | None, str]] = []
    while True:
        part = await csms.expect("NotifyReport", lambda r: r.get("requestId") == request_id, what="for the report")
        for item in part.get("reportData", []):
            component, variable = item.get("component", {}), item.get("variable", {})
            if component.get("name") == "ISO15118Ctrlr" and variable.get("name") == "SeccId":
                values = [a.get("value") for a in item.get("variableAttribute", []) if a.get("value")]
                if values:
                    found.append((component.get("evse", {}).get("id"), str(values[0])))
        if not part.get("tbc", False):
            return found


async def _renew_one(csms: StationChannel, pki: V2gPki, evse_id: int | None, secc_id: str | None) -> x509.Certificate:
    trigger: dict[str, Any] = {"requestedMessage": "SignV2GCertificate"}
    if evse_id is not None:
        trigger["evse"] = {"id": evse_id}
    answer = await csms.call("TriggerMessage", trigger)
    require_equal(answer.get("status"), "Accepted", "TriggerMessageResponse status for SignV2GCertificate")
    request = await csms.expect(
        "SignCertificate", lambda r: r.get("certificateType") == "V2GCertificate", what="for a V2GCertificate"
    )
    csr = _checked_csr(request, secc_id)
    leaf, chain = pki.sign(csr)
    signed = await csms.call("CertificateSigned", {"certificateChain": chain, "certificateType": "V2GCertificate"})
    require_equal(signed.get("status"), "Accepted", "CertificateSignedResponse status")
    return leaf


def _checked_csr(request: Received, secc_id: str | None) -> x509.CertificateSigningRequest:
    """Part 6: a PEM encoded PKCS #10 request, an ECDSA key of 256 bits or more, CN = seccId when one is set."""
    return checked_csr(request, CsrRules(MIN_V2G_KEY_BITS, None, common_name=secc_id))


async def install_v2g_and_mo_roots(csms: StationChannel, pki: V2gPki) -> None:
    """Memory states CertificateInstalled V2GRootCertificate (this run's) and MORootCertificate."""
    await certificate_installed(csms, pki.root_certificate, precondition=True)
    mo_root = CaCertificate("MORootCertificate", Authority.root("MO Root CA (harness run)", V2G_KEY))
    await certificate_installed(csms, mo_root, precondition=True)


def status_answer(pki: V2gPki, good: bool) -> Callable[[Received], dict[str, Any]]:
    """A GetCertificateStatus responder: the OCSP status of a certificate of this PKI (good), or Failed."""

    def answer(request: Received) -> dict[str, Any]:
        data = request.get("ocspRequestData", {})
        for certificate, issuer in pki.chain_members():
            if good and same_certificate(data, hash_data(certificate, issuer)):
                return {"status": "Accepted", "ocspResult": pki.ocsp_response(certificate, issuer)}
        return {"status": "Failed"}

    return answer


def requested_certificate(request: Received, renewed: list[RenewedCertificate]) -> RenewedCertificate:
    """The certificate of the renewed chain the GetCertificateStatusRequest names, asked at the responder it names."""
    data = request.get("ocspRequestData", {})
    for item in renewed:
        if same_certificate(data, hash_data(item.certificate, item.issuer)):
            if item.responder is not None:
                require_equal(data.get("responderURL"), item.responder, "ocspRequestData.responderURL")
            return item
    raise Nonconformity(
        f"GetCertificateStatusRequest asks about serial {data.get('serialNumber')}, which is not in the renewed "
        "V2G certificate chain (or its hash data are wrong)"
    )
