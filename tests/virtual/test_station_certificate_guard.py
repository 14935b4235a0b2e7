"""A05.FR.03 on the virtual station (harness/virtual/upgrade_guard.py): a NetworkConfigurationPriority naming a
security profile 3 slot is Rejected while no valid ChargingStationCertificate is installed, and allowed once one is
(or with the fault profile-upgrade-without-station-certificate)."""

from __future__ import annotations

from pathlib import Path

from harness.pki import Authority
from harness.virtual.certificates import CertificateStore, FactoryCertificates
from harness.virtual.faults import FaultSet
from harness.virtual.network_profiles import ConnectionProfile, NetworkProfiles
from harness.virtual.upgrade_guard import priority_guard

PROFILE_2 = ConnectionProfile("wss://127.0.0.1:9/a", 2, 5, "Wired0")
PROFILE_3 = ConnectionProfile("wss://127.0.0.1:9/b", 3, 5, "Wired0")


def _station(tmp_path: Path, faults: tuple[str, ...] = ()) -> tuple[CertificateStore, NetworkProfiles, FaultSet]:
    root = Authority.root("lab CSMS root", "secp256r1")
    fault_set = FaultSet(faults)
    store = CertificateStore(FactoryCertificates(csms_root=root.write_certificate(tmp_path / "root.pem")), fault_set)
    network = NetworkProfiles(PROFILE_2, fault_set)
    network.slots[2] = PROFILE_3
    return store, network, fault_set


def test_profile_3_priority_needs_a_station_certificate(tmp_path: Path) -> None:
    store, network, faults = _station(tmp_path)
    guard = priority_guard(network, store, faults)
    assert guard("2,1") == "Rejected"
    assert guard("1") == "RebootRequired"  # the profile-2 slot alone needs only the CSMS root
    root = store.roots("CSMSRootCertificate")[0]
    client = Authority.root("station CA", "secp256r1").issue("station", algorithm="secp256r1", server=False)
    store.replace_station_certificate(client.certificate, root)
    assert guard("2,1") == "RebootRequired"
    store.remove_station_certificate()
    assert guard("2,1") == "Rejected"


def test_profile_upgrade_without_station_certificate_fault(tmp_path: Path) -> None:
    store, network, faults = _station(tmp_path, ("profile-upgrade-without-station-certificate",))
    assert priority_guard(network, store, faults)("2,1") == "RebootRequired"
