"""AS-2, SecurityCtrlr.AdditionalRootCertificateCheck (M05.FR.09-16): with it true the station holds one CSMS root.

A new CSMSRootCertificate must be signed by the root it replaces, else it is Rejected. The replaced root stays as
the fallback root until the station connected with the new one (then it goes); while it is kept, a connection
whose CSMS certificate the new root refused is tried again with the fallback root, also after falling back to the
previous network profile. With the variable false (as shipped) CSMS roots are plain additions (certificates.py).
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Any

from cryptography import x509

from harness.virtual import faults as F
from harness.virtual.certificates import CSMS_ROOT, Installed, issued_by
from harness.virtual.dm_catalog import ADDITIONAL_ROOT_CHECK

if TYPE_CHECKING:
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual")


class AdditionalRootCheck:
    def __init__(self, station: Station) -> None:
        self._station = station
        station.certificates.install_csms_root = self._install
        station.link.on_connected = self._connected

    @property
    def enabled(self) -> bool:
        return self._station.dm.get_bool(ADDITIONAL_ROOT_CHECK)

    def _install(self, certificate: x509.Certificate) -> dict[str, Any] | None:
        """InstallCertificate of a CSMS root with the check on; None: the plain rules apply (check off)."""
        faults = self._station.faults
        if not self.enabled:
            return None
        store = self._station.certificates
        fallback = store.fallback_csms_root
        current = [e for e in store.entries if e.certificate_type == CSMS_ROOT and e.certificate != fallback]
        if not current:
            return None  # no root to replace (a station without TLS): nothing to check it against
        old = current[-1]
        # The fault takes any root over, signed by the old one or not.
        problem = _problem(certificate, None if faults.active(F.ADDITIONAL_ROOT_CHECK_IGNORED) else old.certificate)
        if problem is not None:
            log.info("InstallCertificate CSMSRootCertificate refused (AdditionalRootCertificateCheck): %s", problem)
            info = {"reasonCode": "InvalidCertificate", "additionalInfo": problem}
            return {"status": "Rejected", "statusInfo": info}
        kept = [e for e in store.entries if not (e.certificate_type == CSMS_ROOT and e.certificate == fallback)]
        if faults.active(F.NO_FALLBACK_TO_OLD_ROOT):
            kept.remove(old)  # the fault: the old root is gone at once
            store.fallback_csms_root = None
        else:
            store.fallback_csms_root = old.certificate
        store.entries[:] = [*kept, Installed(CSMS_ROOT, certificate, old.certificate)]
        store.on_csms_roots_changed()
        log.info("new CSMS root %s replaces %s", _name(certificate), _name(old.certificate))
        return {"status": "Accepted"}

    def _connected(self, with_fallback_root: bool) -> None:
        store = self._station.certificates
        if with_fallback_root:
            log.info("connected with the fallback CSMS root; the new root stays for the next connection")
            return
        if store.fallback_csms_root is not None and not self._station.faults.active(F.FALLBACK_ROOT_KEPT):
            log.info("connected with the new CSMS root; the fallback root %s goes", _name(store.fallback_csms_root))
            store.drop_fallback_root()


def _problem(certificate: x509.Certificate, old: x509.Certificate | None) -> str | None:
    """Why `certificate` cannot replace `old` (None: no signature check), or None."""
    now = datetime.datetime.now(datetime.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        return "outside its validity period"
    try:
        is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        return "not a CA certificate"
    if old is not None and not issued_by(certificate, old):
        return "not signed by the CSMS root certificate it would replace (M05.FR.10)"
    return None


def _name(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string()
