"""One certificate for both the CSMS connection and ISO 15118 (Part 5 ISO-3, A00.FR.428, A02/A03): only a station
that claims it offers TriggerMessage(SignCombinedCertificate); others answer NotImplemented (TC_F_27_CS).

The station makes a new P-256 key (a reused certificate must fit the ISO 15118 certificate profile) and sends its
CSR without certificateType: the message definition says an omitted type asks for a certificate for both
connections. Its subject is the SECC's (CN = its EVSEID, O = SecurityCtrlr.OrganizationName), or the serial number
as CN on a station without an SECC. The chain CertificateSigned brings must lead to an installed V2G root (Part 6
TC_A_13_CS signs it with the V2G root or a sub-CA of that chain); once accepted the certificate is at the same time
the V2G certificate chain and the TLS client certificate from the next connection on.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from harness.virtual import faults as F
from harness.virtual.certificate_signing import COMBINED, CertificateSigning, Linked, SigningUse
from harness.virtual.certificates import CSMS_ROOT, V2G_ROOT, CertificateStore
from harness.virtual.claims import COMBINED_CERTIFICATE
from harness.virtual.device_model import DeviceModel
from harness.virtual.faults import FaultSet
from harness.virtual.station_certificate import ORGANIZATION, StationCertificate

TRIGGER = "SignCombinedCertificate"
Trigger = Callable[[list[Any], dict[str, Any] | None], Callable[[], None] | None]


class CombinedCertificate:
    """The combined use of the station's certificate signing, for a station that claims ISO-3."""

    def __init__(
        self,
        store: CertificateStore,
        signing: CertificateSigning,
        station_certificate: StationCertificate,
        dm: DeviceModel,
        faults: FaultSet,
        common_name: str,
        claims: Set[str],
    ) -> None:
        """`common_name`: the SECC's EVSEID, or the serial number of a station without an SECC."""
        self._store, self._signing, self._station_certificate = store, signing, station_certificate
        self._dm, self._faults, self._common_name = dm, faults, common_name
        self.offered = COMBINED_CERTIFICATE in claims
        # The fault: the chain is checked like a ChargingStationCertificate's, so a V2G-signed one is refused.
        root = CSMS_ROOT if faults.active(F.COMBINED_CERTIFICATE_CSMS_ROOT_ONLY) else V2G_ROOT
        self.use = SigningUse(COMBINED, root, self._subject, self._accepted)

    def triggers(self) -> dict[str, Trigger]:
        """The TriggerMessage entries this station serves for its combined certificate (none without ISO-3)."""
        return {TRIGGER: self.trigger} if self.offered else {}

    def trigger(self, evses: list[Any], target: dict[str, Any] | None) -> Callable[[], None] | None:
        """Station-wide: an EVSE in the request is ignored (F06.FR.03)."""
        return self._signing.request(self.use)

    def _subject(self) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self._dm.value(ORGANIZATION)),
                x509.NameAttribute(NameOID.COMMON_NAME, self._common_name),
            ]
        )

    def _accepted(self, linked: Linked, key: ec.EllipticCurvePrivateKey) -> Callable[[], None] | None:
        self._store.replace_v2g_chain(linked)
        return self._station_certificate.use.accepted(linked, key)
