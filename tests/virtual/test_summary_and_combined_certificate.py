"""Two behaviours that follow the station's Part 5 claims: the SummaryInventory base report (C-56, else
NotSupported) and the combined OCPP + V2G certificate (ISO-3: SignCombinedCertificate, a CSR without
certificateType, a chain from the V2G root that becomes both the V2G chain and the TLS client certificate)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cryptography import x509

from harness.pki import Authority, pem
from harness.virtual import faults as F
from harness.virtual.certificates import V2G_CHAIN
from harness.virtual.claims import COMBINED_CERTIFICATE, DEFAULT_CLAIMS, SUMMARY_INVENTORY
from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.station import Station, StationConfig
from harness.virtual.tls import StationTls

IDENTITY = StationIdentity("VS-1", "vendor", "model", "SERIAL-1", "1.0")


def _station(tmp_path: Path, claims: frozenset[str], *faults: str) -> Station:
    root = Authority.root("CSMS root", "secp256r1")
    root.write_certificate(tmp_path / "csms-root.pem")
    tls = StationTls(tmp_path / "csms-root.pem")
    return Station(StationConfig("wss://127.0.0.1:1/ocpp", IDENTITY, tls=tls, faults=faults, claims=claims))


def _base_report_status(station: Station, report_base: str) -> object:
    reply = station.requests.get_base_report({"requestId": 1, "reportBase": report_base})
    assert reply.payload is not None
    return reply.payload


def test_summary_inventory_follows_c56(tmp_path: Path) -> None:
    async def scenario() -> None:
        assert SUMMARY_INVENTORY in DEFAULT_CLAIMS
        without = _station(tmp_path, DEFAULT_CLAIMS - {SUMMARY_INVENTORY})
        assert _base_report_status(without, "SummaryInventory") == {
            "status": "NotSupported",
            "statusInfo": {"reasonCode": "UnsupportedParam"},
        }
        assert _base_report_status(without, "FullInventory") == {"status": "Accepted"}
        assert _base_report_status(_station(tmp_path, DEFAULT_CLAIMS), "SummaryInventory") == {"status": "Accepted"}
        faulty = _station(tmp_path, DEFAULT_CLAIMS - {SUMMARY_INVENTORY}, F.SUMMARY_INVENTORY_UNCLAIMED_ACCEPTED)
        assert _base_report_status(faulty, "SummaryInventory") == {"status": "Accepted"}

    asyncio.run(scenario())


def _request_combined(station: Station) -> x509.CertificateSigningRequest:
    send = station.combined_certificate.trigger([], None)
    assert send is not None
    send()
    items = [item for item in station.outbox._items if item.action == "SignCertificate"]
    assert len(items) == 1 and "certificateType" not in items[0].payload
    return x509.load_pem_x509_csr(items[0].payload["csr"].encode())


def test_combined_certificate_only_with_iso3(tmp_path: Path) -> None:
    async def scenario() -> None:
        assert _station(tmp_path, DEFAULT_CLAIMS).combined_certificate.triggers() == {}
        station = _station(tmp_path, DEFAULT_CLAIMS | {COMBINED_CERTIFICATE})
        assert set(station.combined_certificate.triggers()) == {"SignCombinedCertificate"}
        v2g_root = Authority.root("V2G root", "secp256r1")
        installed = station.certificates.install(
            {"certificateType": "V2GRootCertificate", "certificate": pem(v2g_root.certificate).decode()}
        )
        assert installed == {"status": "Accepted"}
        sub_ca = v2g_root.subordinate("V2G sub-CA", "secp256r1")
        leaf, intermediates = sub_ca.certify(_request_combined(station))
        chain = "".join(pem(c).decode() for c in (leaf, *intermediates))
        accepted = station.signing.certificate_signed({"certificateChain": chain})
        assert accepted.payload == {"status": "Accepted"}
        assert accepted.then is not None
        accepted.then()
        assert any(e.certificate_type == V2G_CHAIN and e.certificate == leaf for e in station.certificates.entries)
        files = station.station_certificate.files
        assert files is not None and x509.load_pem_x509_certificates(files[0].read_bytes())[0] == leaf
        station.factory_reset()
        assert station.station_certificate.files is None

        faulty = _station(tmp_path, DEFAULT_CLAIMS | {COMBINED_CERTIFICATE}, F.COMBINED_CERTIFICATE_CSMS_ROOT_ONLY)
        faulty.certificates.install(
            {"certificateType": "V2GRootCertificate", "certificate": pem(v2g_root.certificate).decode()}
        )
        leaf, intermediates = sub_ca.certify(_request_combined(faulty))
        chain = "".join(pem(c).decode() for c in (leaf, *intermediates))
        refused = faulty.signing.certificate_signed({"certificateChain": chain})
        assert refused.payload is not None and refused.payload["status"] == "Rejected"

    asyncio.run(scenario())
