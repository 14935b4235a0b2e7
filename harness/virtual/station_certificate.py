"""The station's own TLS client certificate (A00, renewed through A02/A03 as certificateType
ChargingStationCertificate).

It leaves the factory with the certificate it was started with (security profile 3) or none (profiles 1, 2).
TriggerMessage(SignChargingStationCertificate) makes a new P-256 key and a CSR with O = SecurityCtrlr
.OrganizationName and CN = the serial number; once CertificateSigned brought a chain up to an installed CSMS root,
the certificate replaces the old one in the store and is the client certificate of every connection at security
profile 3 from the next one on. The key never leaves the station: like a real station's secure storage it is kept
in a folder of this process only (owner-only files), removed on a factory reset and when the station stops.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.pki import Issued
from harness.virtual import faults as F
from harness.virtual.certificate_signing import CertificateSigning, Linked, SigningUse
from harness.virtual.certificates import CSMS_ROOT, STATION_CERTIFICATE, CertificateStore
from harness.virtual.device_model import DeviceModel, key
from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.faults import FaultSet
from harness.virtual.tls import StationTls

log = logging.getLogger("harness.virtual")

ORGANIZATION = key("SecurityCtrlr", "OrganizationName")
ClientFiles = tuple[Path, Path]  # certificate chain (PEM), private key (PEM)


def factory_client_files(tls: StationTls | None) -> ClientFiles | None:
    """The client certificate the station was provisioned with (security profile 3), if any."""
    if tls is None or tls.client_certificate is None or tls.client_key is None:
        return None
    return tls.client_certificate, tls.client_key


class StationCertificate:
    """Which certificate and key the station's TLS client presents at security profile 3."""

    def __init__(
        self,
        store: CertificateStore,
        signing: CertificateSigning,
        dm: DeviceModel,
        faults: FaultSet,
        identity: StationIdentity,
        factory: ClientFiles | None,
        changed: Callable[[], None],
    ) -> None:
        """`changed` runs when the client certificate is another one (the next connection must use it)."""
        self._store, self._signing, self._dm, self._faults = store, signing, dm, faults
        self._identity, self._factory, self._changed = identity, factory, changed
        self.files: ClientFiles | None = factory
        self._folder: Path | None = None
        self._renewals = 0
        self.use = SigningUse(STATION_CERTIFICATE, CSMS_ROOT, self._subject, self._accepted)

    def trigger(self, evses: list[Any], target: dict[str, Any] | None) -> Callable[[], None] | None:
        """TriggerMessage(SignChargingStationCertificate): station-wide, an EVSE in the request is ignored."""
        if self._faults.active(F.STATION_CERTIFICATE_TRIGGER_REJECTED):
            return None
        return self._signing.request(self.use)

    def _subject(self) -> x509.Name:
        common_name = self._identity.identity if self._faults.active(F.CSR_WRONG_COMMON_NAME) else self._identity.serial
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self._dm.value(ORGANIZATION)),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )

    def _accepted(self, linked: Linked, key: ec.EllipticCurvePrivateKey) -> Callable[[], None] | None:
        leaf, issuer = linked[0]
        self._store.replace_station_certificate(leaf, issuer)
        if self._faults.active(F.STATION_IGNORES_SIGNED_CERTIFICATE):
            return None
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="virtual-station-key-"))  # mode 0700
        self._renewals += 1
        intermediates = tuple(certificate for certificate, _ in linked[1:])
        self.files = Issued(leaf, key, intermediates).write(self._folder, f"station-{self._renewals}")
        log.info("TLS client certificate from the next connection on: %s", leaf.subject.rfc4514_string())
        return self._changed

    def settings(self, tls: StationTls) -> StationTls:
        """The TLS provisioning with the current client certificate in place of the factory one."""
        certificate, key = self.files if self.files is not None else (None, None)
        return replace(tls, client_certificate=certificate, client_key=key)

    def forget(self) -> None:
        """A factory reset: the factory certificate (or none) again, renewed keys erased."""
        self.files = self._factory
        self.close()
        self._changed()

    def remove(self) -> None:
        """The operator removes the certificate outside OCPP (Part 5 AQ-3): no client certificate until a renewal;
        a factory reset brings the factory one back."""
        self._store.remove_station_certificate()
        self.files = None
        self.close()
        self._changed()

    def close(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
