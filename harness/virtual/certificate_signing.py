"""Certificates the CSMS signs for the station (A02/A03): the station makes a key and a CSR, sends
SignCertificateRequest, sends it again while no CertificateSigned comes (A02.FR.17/18), and checks the chain that
does come before it uses it (A02.FR.07: else Rejected and an InvalidChargingStationCertificate security event).

One engine serves every certificate use; a `SigningUse` says what differs: the subject of the request, the roots
the signed chain must lead to, and what the station does with an accepted certificate.

The resends: the first comes CertSigningWaitMinimum seconds after an accepted SignCertificateRequest, each further
one after twice the previous wait, CertSigningRepeatTimes of them after the first (TC_A_23_CS with RepeatTimes 1
expects the resends after the minimum and after twice the minimum). Each resend carries the same CSR, so a
certificate made from any of them fits the key the station keeps.
"""

from __future__ import annotations

import asyncio
import datetime
import itertools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.certificates import CertificateStore, issued_by
from harness.virtual.device_model import DeviceModel
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox
from harness.virtual.rpc import Outcome, Reply

log = logging.getLogger("harness.virtual")

INVALID_CERTIFICATE_EVENT = "InvalidChargingStationCertificate"
COMBINED = ""  # no certificateType: one certificate for the CSMS connection and ISO 15118 (ISO-3)
Linked = list[tuple[x509.Certificate, x509.Certificate]]  # each certificate of a chain with its issuer


@dataclass(frozen=True)
class SigningUse:
    """One CertificateSigningUse: how its request is made and what an accepted certificate is used for."""

    certificate_type: str
    root_type: str  # the installed roots a signed chain must lead to
    subject: Callable[[], x509.Name]
    accepted: Callable[[Linked, ec.EllipticCurvePrivateKey], Callable[[], None] | None]

    @property
    def name(self) -> str:
        return self.certificate_type or "combined certificate"


@dataclass
class Pending:
    use: SigningUse
    key: ec.EllipticCurvePrivateKey
    csr: str


class CertificateSigning:
    """The pending requests per certificate type, their resends, and the checks on CertificateSigned."""

    def __init__(
        self,
        store: CertificateStore,
        outbox: Outbox,
        faults: FaultSet,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
        *,
        dm: DeviceModel | None = None,
        security_event: Callable[[str, str], None] | None = None,
    ) -> None:
        """Without `dm` (a bare signer in unit tests) nothing is resent; without `security_event` none is sent."""
        self._store, self._outbox, self._faults, self._spawn = store, outbox, faults, spawn
        self._dm, self._security_event = dm, security_event
        self._pending: dict[str, Pending] = {}

    def forget(self) -> None:
        """A factory reset: no request is pending any more."""
        self._pending.clear()

    def request(self, use: SigningUse) -> Callable[[], None]:
        """What TriggerMessage runs once its response is out: a new key, its CSR, SignCertificateRequest."""

        def send() -> None:
            key = ec.generate_private_key(ec.SECP256R1())
            request = x509.CertificateSigningRequestBuilder().subject_name(use.subject()).sign(key, hashes.SHA256())
            pending = Pending(use, key, request.public_bytes(serialization.Encoding.PEM).decode("ascii"))
            self._pending[use.certificate_type] = pending
            self._spawn(self._follow_up(pending, self._send(pending)))

        return send

    def _send(self, pending: Pending) -> asyncio.Future[Outcome]:
        payload = {"csr": pending.csr}
        if pending.use.certificate_type != COMBINED:
            payload["certificateType"] = pending.use.certificate_type
        return self._outbox.put("SignCertificate", payload)

    async def _follow_up(self, pending: Pending, sent: asyncio.Future[Outcome]) -> None:
        """Drop the request the CSMS refuses; resend an accepted one until CertificateSigned comes or we give up."""
        for resend in itertools.count():
            outcome = await sent
            if not outcome.ok or outcome.payload.get("status") != "Accepted":
                log.info("SignCertificate %s not accepted; the request is dropped", pending.use.name)
                self._drop(pending)
                return
            dm = self._dm
            if dm is None or self._faults.active(F.CSR_NOT_RESENT):
                return
            if resend > dm.get_int(dmc.CERT_SIGNING_REPEAT_TIMES):
                return
            await asyncio.sleep(dm.get_int(dmc.CERT_SIGNING_WAIT_MINIMUM) * 2**resend)
            if self._pending.get(pending.use.certificate_type) is not pending:
                return  # signed (or replaced) meanwhile
            log.info("no CertificateSigned for %s yet: sending the CSR again", pending.use.name)
            sent = self._send(pending)

    def _drop(self, pending: Pending) -> None:
        if self._pending.get(pending.use.certificate_type) is pending:
            del self._pending[pending.use.certificate_type]

    def certificate_signed(self, payload: dict[str, Any]) -> Reply:
        wanted = payload.get("certificateType")
        # Without a type: the combined request if one is pending, else whichever is (a station with one use).
        pending = self._pending.get(wanted or COMBINED)
        if pending is None and not wanted:
            pending = next(iter(self._pending.values()), None)
        if pending is None:
            return _rejected("no certificate signing request of this type is pending")
        try:
            chain = x509.load_pem_x509_certificates(payload["certificateChain"].encode())
        except ValueError:
            return self._refuse("certificateChain is not PEM encoded X.509")
        problem = self._chain_problem(chain, pending)
        if problem is not None:
            return self._refuse(problem)
        self._drop(pending)
        roots = self._store.roots(pending.use.root_type)
        linked = [(c, next((i for i in [*chain, *roots] if issued_by(c, i)), c)) for c in chain]
        log.info("new %s %s", pending.use.name, chain[0].subject.rfc4514_string())
        return Reply({"status": "Accepted"}, then=pending.use.accepted(linked, pending.key))

    def _refuse(self, problem: str) -> Reply:
        log.info("CertificateSigned refused: %s", problem)
        return Reply(
            {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCertificate", "additionalInfo": problem}},
            then=None if self._security_event is None else lambda: self._report(problem),
        )

    def _report(self, problem: str) -> None:
        if self._security_event is not None:
            self._security_event(INVALID_CERTIFICATE_EVENT, problem)

    def _chain_problem(self, chain: list[x509.Certificate], pending: Pending) -> str | None:
        if not chain:
            return "certificateChain holds no certificate"
        if chain[0].public_key() != pending.key.public_key():
            return "the certificate is not for the key of the pending request"
        if self._faults.active(F.STATION_ACCEPTS_FOREIGN_CHAIN):
            return None
        now = datetime.datetime.now(datetime.UTC)
        if not all(c.not_valid_before_utc <= now <= c.not_valid_after_utc for c in chain):
            return "a certificate of the chain is outside its validity period"
        for child, parent in itertools.pairwise(chain):
            if not issued_by(child, parent):
                return "the chain is not in order or a signature does not verify"
        if not any(issued_by(chain[-1], root) for root in self._store.roots(pending.use.root_type)):
            return f"the chain does not lead to an installed {pending.use.root_type}"
        return None


def _rejected(detail: str) -> Reply:
    return Reply({"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCertificate", "additionalInfo": detail}})
