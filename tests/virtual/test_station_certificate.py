"""The virtual station's own certificate (A02/A03): CSR subject, chain checks, resends, use for TLS, and the
factory reset that brings back the factory certificate and network configuration (A05 raise undone)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from harness.ocpp.v201 import certificates as csms_side
from harness.pki import Authority, pem
from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.network_profiles import ConnectionProfile
from harness.virtual.rpc import Outcome
from harness.virtual.station import Station, StationConfig
from harness.virtual.tls import StationTls

IDENTITY = StationIdentity("VS-1", "vendor", "model", "SERIAL-1", "1.0")


def _station(tmp_path: Path, *faults: str) -> tuple[Station, Authority]:
    root = Authority.root("CSMS root", "secp256r1")
    root.write_certificate(tmp_path / "csms-root.pem")
    tls = StationTls(tmp_path / "csms-root.pem")
    return Station(StationConfig("wss://127.0.0.1:1/ocpp", IDENTITY, tls=tls, faults=faults)), root


def _queued_csr(station: Station) -> x509.CertificateSigningRequest:
    items = [item for item in station.outbox._items if item.action == "SignCertificate"]
    assert items, "no SignCertificateRequest queued"
    return x509.load_pem_x509_csr(items[-1].payload["csr"].encode())


def _answer_sign_certificate(station: Station, status: str) -> None:
    for item in station.outbox._items:
        if item.action == "SignCertificate" and not item.future.done():
            item.future.set_result(Outcome("result", {"status": status}))
    station.outbox._items = [i for i in station.outbox._items if not i.future.done()]


def test_the_csr_names_serial_and_organization_and_a_foreign_chain_is_refused(tmp_path: Path) -> None:
    async def scenario() -> None:
        station, root = _station(tmp_path)
        send = station.station_certificate.trigger([], None)
        assert send is not None
        send()
        csr = _queued_csr(station)
        assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "SERIAL-1"
        assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "vendor"
        foreign, _ = Authority.root("stranger", "secp256r1").certify(csr, server=False)
        refused = station.signing.certificate_signed(
            {"certificateChain": pem(foreign).decode(), "certificateType": "ChargingStationCertificate"}
        )
        assert refused.payload is not None and refused.payload["status"] == "Rejected"
        assert refused.then is not None
        refused.then()
        events = [i.payload["type"] for i in station.outbox._items if i.action == "SecurityEventNotification"]
        assert events == ["InvalidChargingStationCertificate"]
        leaf, _ = root.certify(csr, server=False)
        accepted = station.signing.certificate_signed(
            {"certificateChain": pem(leaf).decode(), "certificateType": "ChargingStationCertificate"}
        )
        assert accepted.payload == {"status": "Accepted"}
        files = station.station_certificate.files
        assert files is not None and oct(files[1].stat().st_mode & 0o777) == "0o600"
        own = {"certificateHashData": csms_side.hash_data(leaf, root.certificate)}
        assert station.certificates.delete(own)["status"] == "Failed"
        station.factory_reset()
        assert station.station_certificate.files is None and not files[1].exists()

    asyncio.run(scenario())


def test_the_csr_is_resent_after_the_wait_and_twice_the_wait(tmp_path: Path) -> None:
    async def scenario() -> None:
        station, _ = _station(tmp_path)
        station.dm.put(dmc.CERT_SIGNING_WAIT_MINIMUM, "1")
        station.dm.put(dmc.CERT_SIGNING_REPEAT_TIMES, "1")
        send = station.station_certificate.trigger([], None)
        assert send is not None
        send()
        first = _queued_csr(station)
        loop = asyncio.get_running_loop()
        started = loop.time()
        sent_at = []
        for _ in range(2):
            _answer_sign_certificate(station, "Accepted")
            while not any(i.action == "SignCertificate" for i in station.outbox._items):
                await asyncio.sleep(0.02)
                assert loop.time() - started < 8, "no resend"
            sent_at.append(loop.time() - started)
            assert _queued_csr(station).public_key() == first.public_key()  # the same CSR again
        # After the wait, then after twice the wait (lower bounds exact, upper ones with room for a busy machine).
        assert 1.0 <= sent_at[0] < 2.5 and 3.0 <= sent_at[1] < 5.0

    asyncio.run(scenario())


def test_a_refused_request_is_dropped_and_the_fault_rejects_the_trigger(tmp_path: Path) -> None:
    async def scenario() -> None:
        station, _ = _station(tmp_path)
        send = station.station_certificate.trigger([], None)
        assert send is not None
        send()
        _answer_sign_certificate(station, "Rejected")
        await asyncio.sleep(0.05)
        late = station.signing.certificate_signed(
            {"certificateChain": "x", "certificateType": "ChargingStationCertificate"}
        )
        assert late.payload is not None and late.payload["status"] == "Rejected"
        faulty, _ = _station(tmp_path, F.STATION_CERTIFICATE_TRIGGER_REJECTED)
        assert faulty.station_certificate.trigger([], None) is None

    asyncio.run(scenario())


def test_a_raised_profile_drops_lower_slots_and_a_factory_reset_restores_them(tmp_path: Path) -> None:
    async def scenario() -> None:
        station, _ = _station(tmp_path)
        network = station.network
        network.slots[2] = ConnectionProfile("wss://127.0.0.1:2/ocpp", 3, 30, "Wired0")
        assert network.without_lower_profiles("2,1", 2) == "2"
        assert network.without_lower_profiles("2,1", 1) == "2,1"
        station.factory_reset()
        assert set(network.slots) == {1} and network.security_profile == 2

    asyncio.run(scenario())
