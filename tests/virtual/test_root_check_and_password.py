"""The virtual station's AdditionalRootCertificateCheck (AS-2, root_check.py) and BasicAuthPassword (A01,
basic_auth.py), with and without the faults that break them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from harness.pki import Authority, pem
from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.station import Station, StationConfig
from harness.virtual.tls import StationTls

CSMS_ROOT = "CSMSRootCertificate"
PASSWORD = "factory-password-0001"


@pytest.fixture
def old_root(tmp_path: Path) -> Authority:
    root = Authority.root("old CSMS root", "secp256r1")
    root.write_certificate(tmp_path / "csms-root.pem")
    return root


def _station(tmp_path: Path, *faults: str) -> Station:
    identity = StationIdentity("VS-1", "vendor", "model", "serial", "1.0")
    config = StationConfig(
        "wss://127.0.0.1:1/ocpp", identity, password=PASSWORD, tls=StationTls(tmp_path / "csms-root.pem"),
        faults=faults,
    )  # fmt: skip
    return Station(config)


def _set(station: Station, component: str, variable: str, value: str) -> str:
    item = {"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value}
    return str(station.dm.set_variables([item])[0]["attributeStatus"])


def _install(station: Station, authority: Authority) -> dict[str, Any]:
    return station.certificates.install(
        {"certificateType": CSMS_ROOT, "certificate": pem(authority.certificate).decode()}
    )


def _csms_roots(station: Station) -> list[str]:
    return [c.subject.rfc4514_string() for c in station.certificates.roots(CSMS_ROOT)]


def _with_check_on(tmp_path: Path, *faults: str) -> Station:
    station = _station(tmp_path, *faults)
    assert _set(station, "SecurityCtrlr", "AdditionalRootCertificateCheck", "true") == "Accepted"
    return station


def test_without_the_check_a_new_root_is_an_addition(tmp_path: Path, old_root: Authority) -> None:
    station = _station(tmp_path)
    assert _install(station, Authority.root("unrelated", "secp256r1"))["status"] == "Accepted"
    assert _csms_roots(station) == ["CN=old CSMS root", "CN=unrelated"]


def test_with_the_check_only_a_root_signed_by_the_old_one_is_taken(tmp_path: Path, old_root: Authority) -> None:
    station = _with_check_on(tmp_path)
    assert _install(station, Authority.root("unrelated", "secp256r1"))["status"] == "Rejected"
    assert _install(station, old_root.subordinate("new CSMS root", "secp256r1"))["status"] == "Accepted"
    assert station.certificates.fallback_csms_root == old_root.certificate
    primary, fallback = station.certificates.trust_anchors()
    assert "BEGIN CERTIFICATE" in primary and fallback is not None and primary != fallback


def test_the_fallback_goes_after_a_connection_with_the_new_root(tmp_path: Path, old_root: Authority) -> None:
    station = _with_check_on(tmp_path)
    _install(station, old_root.subordinate("new CSMS root", "secp256r1"))
    station.link.on_connected(True)  # connected with the fallback root: both stay
    assert _csms_roots(station) == ["CN=old CSMS root", "CN=new CSMS root"]
    station.link.on_connected(False)
    assert _csms_roots(station) == ["CN=new CSMS root"]
    station.factory_reset()
    assert _csms_roots(station) == ["CN=old CSMS root"] and station.certificates.fallback_csms_root is None


@pytest.mark.parametrize(
    ("fault", "after_install", "after_connecting"),
    [
        (F.NO_FALLBACK_TO_OLD_ROOT, ["CN=new CSMS root"], ["CN=new CSMS root"]),
        (F.FALLBACK_ROOT_KEPT, ["CN=old CSMS root", "CN=new CSMS root"], ["CN=old CSMS root", "CN=new CSMS root"]),
    ],
)
def test_fallback_faults(
    tmp_path: Path, old_root: Authority, fault: str, after_install: list[str], after_connecting: list[str]
) -> None:
    station = _with_check_on(tmp_path, fault)
    _install(station, old_root.subordinate("new CSMS root", "secp256r1"))
    assert _csms_roots(station) == after_install
    station.link.on_connected(False)
    assert _csms_roots(station) == after_connecting


def test_the_ignored_check_takes_any_root(tmp_path: Path, old_root: Authority) -> None:
    station = _with_check_on(tmp_path, F.ADDITIONAL_ROOT_CHECK_IGNORED)
    assert _install(station, Authority.root("unrelated", "secp256r1"))["status"] == "Accepted"


def test_untrusted_installed_roots_leave_the_link_alone(tmp_path: Path, old_root: Authority) -> None:
    station = _station(tmp_path, F.INSTALLED_CSMS_ROOT_NOT_TRUSTED)
    _install(station, Authority.root("second", "secp256r1"))
    assert station.link._tls is None


def test_a_valid_password_is_taken_and_a_short_one_rejected(tmp_path: Path, old_root: Authority) -> None:
    async def scenario() -> None:
        station = _station(tmp_path)
        assert station.link._password_source() == PASSWORD
        assert _set(station, "SecurityCtrlr", "BasicAuthPassword", "short-password") == "Rejected"
        assert _set(station, "SecurityCtrlr", "BasicAuthPassword", "a-new-password-of-24-chr") == "Accepted"
        assert station.link._password_source() == "a-new-password-of-24-chr"
        got = station.dm.get_variables(
            [{"component": {"name": "SecurityCtrlr"}, "variable": {"name": "BasicAuthPassword"}}]
        )
        assert got[0]["attributeStatus"] == "Rejected" and "attributeValue" not in got[0]  # WriteOnly
        station.factory_reset()
        assert station.link._password_source() == PASSWORD
        assert station.dm.value(dmc.BASIC_AUTH_PASSWORD) == ""

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("fault", "value", "status", "used"),
    [
        (F.BASIC_AUTH_PASSWORD_IGNORED, "a-new-password-of-24-chr", "Accepted", PASSWORD),
        (F.BASIC_AUTH_PASSWORD_UNCHECKED, "short-password", "Accepted", "short-password"),
    ],
)
def test_password_faults(tmp_path: Path, old_root: Authority, fault: str, value: str, status: str, used: str) -> None:
    async def scenario() -> None:
        station = _station(tmp_path, fault)
        assert _set(station, "SecurityCtrlr", "BasicAuthPassword", value) == status
        assert station.link._password_source() == used

    asyncio.run(scenario())
