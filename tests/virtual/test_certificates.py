"""The virtual station's certificate store (M03-M05) and the harness's hash data agree, and the store behaves."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from harness.ocpp.v201 import certificates as csms_side
from harness.ocpp.v201.v2g_renewal import V2gPki
from harness.pki import Authority, Validity, pem
from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.certificates import CertificateStore, FactoryCertificates, hash_data
from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox
from harness.virtual.station import Station, StationConfig
from harness.virtual.tls import StationTls
from harness.virtual.v2g_certificate import V2gCertificateRenewal


def _install(store: CertificateStore, kind: str, authority: Authority) -> dict[str, Any]:
    return store.install({"certificateType": kind, "certificate": pem(authority.certificate).decode()})


@pytest.fixture
def csms_root(tmp_path: Path) -> Authority:
    root = Authority.root("factory CSMS root", "secp256r1")
    root.write_certificate(tmp_path / "csms-root.pem")
    return root


@pytest.fixture
def store(tmp_path: Path, csms_root: Authority) -> CertificateStore:
    return CertificateStore(FactoryCertificates(tmp_path / "csms-root.pem"), FaultSet())


@pytest.mark.parametrize("algorithm", ["secp256r1", "secp521r1", "ed448"])
def test_station_and_harness_compute_the_same_hash_data(algorithm: Any) -> None:
    root = Authority.root("root", algorithm)
    sub = root.subordinate("sub", algorithm)
    for certificate, issuer in ((root.certificate, root.certificate), (sub.certificate, root.certificate)):
        assert hash_data(certificate, issuer) == csms_side.hash_data(certificate, issuer)


def test_the_wrong_key_hash_fault_differs_only_in_the_key_hash() -> None:
    root = Authority.root("root", "secp256r1").certificate
    right, wrong = hash_data(root, root), hash_data(root, root, whole_key=True)
    assert {k for k in right if right[k] != wrong[k]} == {"issuerKeyHash"}


def test_install_list_and_delete(store: CertificateStore, csms_root: Authority) -> None:
    assert store.count() == 1
    second = Authority.root("second CSMS root", "secp256r1")
    assert _install(store, "CSMSRootCertificate", second)["status"] == "Accepted"
    assert _install(store, "CSMSRootCertificate", second)["status"] == "Accepted"  # again: no duplicate
    assert store.count() == 2
    listed = store.installed_ids({"certificateType": ["CSMSRootCertificate"]})
    assert [e["certificateHashData"] for e in listed["certificateHashDataChain"]] == [
        csms_side.hash_data(csms_root.certificate),
        csms_side.hash_data(second.certificate),
    ]
    sha512 = hash_data(second.certificate, second.certificate, "SHA512")
    assert store.delete({"certificateHashData": {**sha512, "serialNumber": sha512["serialNumber"].upper()}}) == {
        "status": "Accepted"
    }
    assert store.count() == 1
    assert store.installed_ids({"certificateType": ["MORootCertificate"]}) == {"status": "NotFound"}


def test_refusals(store: CertificateStore, csms_root: Authority) -> None:
    expired = Authority.root("expired", "secp256r1", Validity.expired())
    assert _install(store, "CSMSRootCertificate", expired)["status"] == "Rejected"
    leaf = csms_root.issue("not a CA", algorithm="secp256r1")
    assert _install(store, "MORootCertificate", Authority(leaf))["status"] == "Rejected"
    sub = csms_root.subordinate("a sub-CA, not a root", "secp256r1")
    assert _install(store, "MORootCertificate", sub)["status"] == "Rejected"
    garbage = store.install({"certificateType": "V2GRootCertificate", "certificate": "-----BEGIN CERTIFICATE-----"})
    assert garbage["status"] == "Rejected"
    last = store.delete({"certificateHashData": csms_side.hash_data(csms_root.certificate)})
    assert last["status"] == "Failed"
    unknown = Authority.root("never installed", "secp256r1").certificate
    assert store.delete({"certificateHashData": csms_side.hash_data(unknown)}) == {"status": "NotFound"}
    assert store.count() == 1


def test_the_station_certificate_is_never_listed_nor_deleted(tmp_path: Path, csms_root: Authority) -> None:
    issued = csms_root.issue("VS-0001-SN", algorithm="secp256r1", server=False)
    certificate, _key = issued.write(tmp_path, "station")
    store = CertificateStore(FactoryCertificates(tmp_path / "csms-root.pem", certificate), FaultSet())
    listed = store.installed_ids({})
    assert [e["certificateType"] for e in listed["certificateHashDataChain"]] == ["CSMSRootCertificate"]
    own = csms_side.hash_data(issued.certificate, csms_root.certificate)
    assert store.delete({"certificateHashData": own})["status"] == "Failed"


def test_the_v2g_chain_lists_its_sub_cas_as_children(tmp_path: Path) -> None:
    root = Authority.root("V2G root")
    sub1 = root.subordinate("sub 1")
    sub2 = sub1.subordinate("sub 2")
    leaf = sub2.issue("SECC")
    chain, _key = leaf.write(tmp_path, "secc")
    root_file = root.write_certificate(tmp_path / "v2g-root.pem")
    factory = FactoryCertificates(v2g_root=lambda: root_file, v2g_chain=lambda: chain)
    listed = CertificateStore(factory, FaultSet()).installed_ids({"certificateType": ["V2GCertificateChain"]})
    (entry,) = listed["certificateHashDataChain"]
    assert entry["certificateHashData"] == csms_side.hash_data(leaf.certificate, sub2.certificate)
    assert entry["childCertificateHashData"] == [
        csms_side.hash_data(sub2.certificate, sub1.certificate),
        csms_side.hash_data(sub1.certificate, root.certificate),
    ]
    faulty = CertificateStore(factory, FaultSet([F.CERTIFICATE_CHAIN_WITHOUT_CHILDREN]))
    assert "childCertificateHashData" not in faulty.installed_ids({})["certificateHashDataChain"][1]


def test_certificate_entries_follow_the_store_across_reboots(tmp_path: Path, csms_root: Authority) -> None:
    async def scenario() -> None:
        identity = StationIdentity("VS-1", "vendor", "model", "serial", "1.0")
        tls = StationTls(tmp_path / "csms-root.pem")
        station = Station(StationConfig("wss://127.0.0.1:1/ocpp", identity, tls=tls))
        assert station.dm.value(dmc.CERTIFICATE_ENTRIES) == "1"
        _install(station.certificates, "ManufacturerRootCertificate", Authority.root("maker", "secp256r1"))
        assert station.dm.value(dmc.CERTIFICATE_ENTRIES) == "2"
        second = Authority.root("second CSMS root", "secp256r1")
        _install(station.certificates, "CSMSRootCertificate", second)
        trusted = station.link._tls  # the next handshake's context
        assert trusted is not None and len(trusted.get_ca_certs()) == 2
        station.certificates.delete({"certificateHashData": csms_side.hash_data(second.certificate)})
        trusted = station.link._tls
        assert trusted is not None and len(trusted.get_ca_certs()) == 1
        station.power_cycle()
        station.reboot("RemoteReset")
        assert station.dm.value(dmc.CERTIFICATE_ENTRIES) == "2"
        station.factory_reset()
        assert station.dm.value(dmc.CERTIFICATE_ENTRIES) == "1"

    asyncio.run(scenario())


def test_v2g_renewal_takes_only_a_chain_for_its_key_up_to_an_installed_root() -> None:
    async def scenario() -> None:
        pki = V2gPki()
        store = CertificateStore(FactoryCertificates(), FaultSet())
        _install(store, "V2GRootCertificate", pki.root)
        outbox = Outbox(attempts=lambda: 1, attempt_interval_s=lambda: 0.0)
        renewal = V2gCertificateRenewal(store, outbox, FaultSet(), "DE*OVL*E0001*1", "vendor", lambda c: c.close())
        assert renewal.certificate_signed({"certificateChain": "x", "certificateType": "V2GCertificate"}).payload == {
            "status": "Rejected",
            "statusInfo": {"reasonCode": "InvalidCertificate", "additionalInfo": "no certificate signing request "
                           "of this type is pending"},
        }  # fmt: skip
        send = renewal.trigger([], None)
        assert send is not None
        send()
        assert outbox.pending("SignCertificate")
        (queued,) = [item for item in outbox._items if item.action == "SignCertificate"]
        csr = x509.load_pem_x509_csr(queued.payload["csr"].encode())
        stranger = Authority.root("other V2G root", "secp256r1").subordinate("other sub", "secp256r1")
        _leaf, wrong_chain = stranger.certify(csr)
        foreign = "".join(pem(c).decode() for c in (_leaf, *wrong_chain))
        refused = renewal.certificate_signed({"certificateChain": foreign, "certificateType": "V2GCertificate"})
        assert refused.payload is not None and refused.payload["status"] == "Rejected"
        leaf, chain = pki.sign(csr)
        accepted = renewal.certificate_signed({"certificateChain": chain, "certificateType": "V2GCertificate"})
        assert accepted.payload == {"status": "Accepted"}
        (entry,) = store.installed_ids({"certificateType": ["V2GCertificateChain"]})["certificateHashDataChain"]
        assert entry["certificateHashData"] == csms_side.hash_data(leaf, pki.signer.certificate)
        assert len(entry["childCertificateHashData"]) == 2

    asyncio.run(scenario())
