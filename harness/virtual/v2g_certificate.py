"""Renewing the station's V2G (SECC) certificate through the CSMS (A02/A03 for certificateType V2GCertificate) and
asking for its OCSP status afterwards (M06 GetCertificateStatus).

TriggerMessage(SignV2GCertificate) makes a new P-256 key and sends its CSR (CN = the SECC's EVSEID, as seccId);
CertificateSigned must bring a chain whose leaf holds that key and which leads to an installed V2G root (checked by
harness/virtual/certificate_signing.py, shared with the station certificate). The new chain replaces the
V2GCertificateChain in the store; the station then asks the CSMS for the leaf's OCSP status at
the responder its certificate names, and keeps the answer to staple it in ISO 15118 sessions.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from harness.virtual import faults as F
from harness.virtual.certificate_signing import CertificateSigning, Linked, SigningUse
from harness.virtual.certificates import CertificateStore, hash_data
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox
from harness.virtual.rpc import Reply

log = logging.getLogger("harness.virtual")

V2G_CERTIFICATE = "V2GCertificate"


class V2gCertificateRenewal:
    """The V2G use of the station's certificate signing, and the OCSP answer for the renewed certificate."""

    def __init__(
        self,
        store: CertificateStore,
        outbox: Outbox,
        faults: FaultSet,
        secc_id: str | None,
        organization: str,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
        signing: CertificateSigning | None = None,
    ) -> None:
        """`signing`: the station's signing engine (shared with its own certificate); a bare one without it."""
        self._signing = signing or CertificateSigning(store, outbox, faults, spawn)
        self._store, self._outbox, self._faults = store, outbox, faults
        self._secc_id, self._organization, self._spawn = secc_id, organization, spawn
        self.ocsp_result: bytes | None = None  # DER OCSPResponse of the current V2G certificate
        self.use = SigningUse(V2G_CERTIFICATE, "V2GRootCertificate", self._subject, self._accepted)

    def trigger(self, evses: list[Any], target: dict[str, Any] | None) -> Callable[[], None] | None:
        """TriggerMessage(SignV2GCertificate): only a station with an SECC has a V2G certificate to renew."""
        if self._secc_id is None:
            return None
        return self._signing.request(self.use)

    def certificate_signed(self, payload: dict[str, Any]) -> Reply:
        return self._signing.certificate_signed(payload)

    def _subject(self) -> x509.Name:
        common_name = self._secc_id or ""
        if self._faults.active(F.CSR_WRONG_COMMON_NAME):
            common_name = self._organization  # the fault: the CN names the organization, not the SECC
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self._organization),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )

    def _accepted(self, linked: Linked, key: ec.EllipticCurvePrivateKey) -> Callable[[], None]:
        self.ocsp_result = None
        self._store.replace_v2g_chain(linked)
        return lambda: self._spawn(self._fetch_status(*linked[0]))

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
