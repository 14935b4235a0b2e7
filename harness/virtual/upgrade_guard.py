"""A05.FR.02 on the virtual station: a NetworkConfigurationPriority that would let the station connect with TLS
(security profile 2 or 3) is Rejected while it holds no valid CSMS root certificate, since it could not check the
CSMS's server certificate there; the slot rules of B10 (network_profiles.py) apply first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from harness.virtual import faults as F
from harness.virtual.certificates import CSMS_ROOT, CertificateStore
from harness.virtual.faults import FaultSet
from harness.virtual.network_profiles import NetworkProfiles

TLS_PROFILES = 2


def has_valid_csms_root(certificates: CertificateStore) -> bool:
    now = datetime.datetime.now(datetime.UTC)
    return any(r.not_valid_before_utc <= now <= r.not_valid_after_utc for r in certificates.roots(CSMS_ROOT))


def priority_guard(
    network: NetworkProfiles, certificates: CertificateStore, faults: FaultSet
) -> Callable[[str], str | None]:
    """The device model's guard on NetworkConfigurationPriority."""

    def check(value: str) -> str | None:
        verdict = network.check_priority(value)
        if verdict == "Rejected" or faults.active(F.PROFILE_UPGRADE_WITHOUT_CSMS_ROOT):
            return verdict
        slots = [network.slots[int(member)] for member in value.split(",")]
        if any(slot.security_profile >= TLS_PROFILES for slot in slots) and not has_valid_csms_root(certificates):
            return "Rejected"
        return verdict

    return check
