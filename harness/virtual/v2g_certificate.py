"""Renewing the station's V2G (SECC) certificate through the CSMS (A02/A03 for certificateType V2GCertificate) and
asking for its OCSP status afterwards (M06 GetCertificateStatus).

TriggerMessage(SignV2GCertificate) makes a new P-256 key and sends its CSR (CN = the SECC's EVSEID, as seccId);
CertificateSigned must bring a chain whose leaf holds that key and which leads to an installed V2G root. The new
chain replaces the V2GCertificateChain in the store; the station then asks the CSMS for the leaf's OCSP status at
the responder its certificate names, and keeps the answer to staple it in ISO 15118 sessions.
"""

from __future__ import annotations

import base64
import itertools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from harness.virtual import faults as F
from harness.virtual.certificates import CertificateStore, hash_data, issued_by
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox
from harness.virtual.rpc import Reply

log = logging.getLogger("harness.virtual")

V2G_CERTIFICATE = "V2GCertificate"


class V2gCertificateRenewal:
    """The pending CSR's key, the chain CertificateSigned brings, and the OCSP answer for it."""

    def __init__(
        self,
        store: CertificateStore,
        outbox: Outbox,
        faults: FaultSet,
        secc_id: str | None,
        organization: str,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        self._store, self._outbox, self._faults = store, outbox, faults
        self._secc_id, self._organization, self._spawn = secc_id, organization, spawn
        self._pending_key: ec.EllipticCurvePrivateKey | None = None
        self.ocsp_result: bytes | None = None  # DER OCSPResponse of the current V2G certificate

    def trigger(self, evses: list[Any], target: dict[str, Any] | None) -> Callable[[], None] | None:
        """TriggerMessage(SignV2GCertificate): only a station with an SECC has a V2G certificate to renew."""
        if self._secc_id is None:
            return None
        return self._send_csr

    def _send_csr(self) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self._organization),
                x509.NameAttribute(NameOID.COMMON_NAME, self._secc_id or ""),
            ]
        )
        request = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
        self._pending_key = key
        csr = request.public_bytes(serialization.Encoding.PEM).decode("ascii")
        self._outbox.put("SignCertificate", {"csr": csr, "certificateType": V2G_CERTIFICATE})

    def certificate_signed(self, payload: dict[str, Any]) -> Reply:
        if payload.get("certificateType") != V2G_CERTIFICATE or self._pending_key is None:
            return _rejected("no certificate signing request of this type is pending")
        try:
            chain = x509.load_pem_x509_certificates(payload["certificateChain"].encode())
        except ValueError:
            return _rejected("certificateChain is not PEM encoded X.509")
        problem = self._chain_problem(chain, self._pending_key)
        if problem is not None:
            log.info("CertificateSigned refused: %s", problem)
            return _rejected(problem)
        self._pending_key = None
        self.ocsp_result = None
        roots = self._store.roots("V2GRootCertificate")
        linked = [(c, next(i for i in [*chain, *roots] if issued_by(c, i))) for c in chain]
        self._store.replace_v2g_chain(linked)
        log.info("new V2G certificate %s", chain[0].subject.rfc4514_string())
        return Reply({"status": "Accepted"}, then=lambda: self._spawn(self._fetch_status(*linked[0])))

    def _chain_problem(self, chain: list[x509.Certificate], key: ec.EllipticCurvePrivateKey) -> str | None:
        if not chain:
            return "certificateChain holds no certificate"
        if chain[0].public_key() != key.public_key():
            return "the certificate is not for the key of the pending request"
        for child, parent in itertools.pairwise(chain):
            if not issued_by(child, parent):
                return "the chain is not in order or a signature does not verify"
        if not any(issued_by(chain[-1], root) for root in self._store.roots("V2GRootCertificate")):
            return "the chain does not lead to an installed V2G root certificate"
        return None

    async def _fetch_status(self, leaf: x509.Certificate, issuer: x509.Certificate) -> None:
        """M06: ask the CSMS for the OCSP status of the new certificate at the responder it names."""
        responder = _ocsp_url(leaf)
        if responder is None or self._faults.active(F.CERTIFICATE_STATUS_NEVER_REQUESTED):
            return
        request = {**hash_data(leaf, issuer), "responderURL": responder}
        outcome = await self._outbox.put("GetCertificateStatus", {"ocspRequestData": request})
        if outcome.ok and outcome.payload.get("status") == "Accepted" and "ocspResult" in outcome.payload:
            self.ocsp_result = base64.b64decode(outcome.payload["ocspResult"])
        else:
            log.info("no OCSP status for the V2G certificate (%s)", outcome.payload.get("status", outcome.kind))


def _ocsp_url(certificate: x509.Certificate) -> str | None:
    try:
        access = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return None
    for description in access:
        if description.access_method == AuthorityInformationAccessOID.OCSP:
            return str(description.access_location.value)[:512]
    return None


def _rejected(detail: str) -> Reply:
    return Reply({"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCertificate", "additionalInfo": detail}})
