"""A05.FR.02 / A05.FR.03 on the virtual station: a NetworkConfigurationPriority that would let the station connect
with TLS (security profile 2 or 3) is Rejected while it holds no valid CSMS root certificate, since it could not
check the CSMS's server certificate there; one naming a security profile 3 slot is Rejected while it holds no valid
ChargingStationCertificate, since it would have no client certificate to present. The slot rules of B10
(network_profiles.py) apply first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from cryptography import x509

from harness.virtual import faults as F
from harness.virtual.certificates import CSMS_ROOT, STATION_CERTIFICATE, CertificateStore
from harness.virtual.faults import FaultSet
from harness.virtual.network_profiles import NetworkProfiles

TLS_PROFILES = 2
CLIENT_CERTIFICATE_PROFILE = 3


def _any_valid(certificates: list[x509.Certificate]) -> bool:
    now = datetime.datetime.now(datetime.UTC)
    return any(c.not_valid_before_utc <= now <= c.not_valid_after_utc for c in certificates)


def has_valid_csms_root(certificates: CertificateStore) -> bool:
    return _any_valid(certificates.roots(CSMS_ROOT))


def has_valid_station_certificate(certificates: CertificateStore) -> bool:
    return _any_valid(certificates.roots(STATION_CERTIFICATE))


def priority_guard(
    network: NetworkProfiles, certificates: CertificateStore, faults: FaultSet
) -> Callable[[str], str | None]:
    """The device model's guard on NetworkConfigurationPriority."""

    def check(value: str) -> str | None:
        verdict = network.check_priority(value)
        if verdict == "Rejected":
            return verdict
        profiles = [network.slots[int(member)].security_profile for member in value.split(",")]
        csms_root_checked = not faults.active(F.PROFILE_UPGRADE_WITHOUT_CSMS_ROOT)
        if csms_root_checked and max(profiles) >= TLS_PROFILES and not has_valid_csms_root(certificates):
            return "Rejected"
        client_checked = not faults.active(F.PROFILE_UPGRADE_WITHOUT_STATION_CERTIFICATE)
        if (
            client_checked
            and CLIENT_CERTIFICATE_PROFILE in profiles
            and not has_valid_station_certificate(certificates)
        ):
            return "Rejected"
        return verdict

    return check
