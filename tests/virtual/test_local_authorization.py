"""The virtual station's Local Authorization List (D01/D02, C13/C14) and Authorization Cache (C10-C12)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.auth_cache import AuthCache
from harness.virtual.clock import Clock
from harness.virtual.device_model import DeviceModel
from harness.virtual.faults import FaultSet
from harness.virtual.local_list import LocalAuthList

VALID = {"idToken": "VALID-1", "type": "ISO14443"}
OTHER = {"idToken": "OTHER-2", "type": "ISO14443"}
IDENT = dmc.StationIdentity("VS-T", "Vendor", "Model", "SN", "1.0")


def _dm(faults: FaultSet) -> DeviceModel:
    return DeviceModel(dmc.build_catalog(IDENT, [1], 11000.0), faults)


def _list(*names: str) -> tuple[LocalAuthList, DeviceModel]:
    faults = FaultSet(names)
    dm = _dm(faults)
    return LocalAuthList(dm, faults), dm


def _full(version: int, *entries: tuple[dict[str, Any], str]) -> dict[str, Any]:
    items = [{"idToken": token, "idTokenInfo": {"status": status}} for token, status in entries]
    return {"versionNumber": version, "updateType": "Full", "localAuthorizationList": items}


def test_full_then_differential_add_and_remove() -> None:
    local, _ = _list()
    assert local.send(_full(5, (VALID, "Accepted")))["status"] == "Accepted"
    add = {"versionNumber": 6, "updateType": "Differential", "localAuthorizationList": [{"idToken": OTHER,
           "idTokenInfo": {"status": "Blocked"}}]}  # fmt: skip
    assert local.send(add)["status"] == "Accepted"
    assert local.count() == 2 and local.version() == {"versionNumber": 6}
    remove = {"versionNumber": 7, "updateType": "Differential", "localAuthorizationList": [{"idToken": VALID}]}
    assert local.send(remove)["status"] == "Accepted"
    assert local.lookup(VALID) is None and local.count() == 1


def test_outdated_differential_is_a_version_mismatch_unless_faulty() -> None:
    local, _ = _list()
    local.send(_full(5, (VALID, "Accepted")))
    old = {"versionNumber": 4, "updateType": "Differential"}
    assert local.send(old)["status"] == "VersionMismatch"
    faulty, _ = _list(F.LOCAL_LIST_ACCEPTS_OLD_VERSION)
    faulty.send(_full(5, (VALID, "Accepted")))
    assert faulty.send(old)["status"] == "Accepted"


def test_disabled_list_reports_version_zero_and_is_not_used() -> None:
    local, dm = _list()
    local.send(_full(5, (VALID, "Accepted")))
    dm.put(dmc.LOCAL_LIST_ENABLED, "false")
    assert local.version() == {"versionNumber": 0}
    assert local.decide(VALID, online=False) is None


@pytest.mark.parametrize(("pre", "no_post", "status", "online", "expected"), [
    ("true", "false", "Accepted", True, True),      # C14.FR.02
    ("false", "false", "Accepted", True, None),     # no pre-authorization: ask the CSMS
    ("true", "false", "Invalid", True, None),       # C14.FR.03: ask again
    ("true", "true", "Invalid", True, False),       # DisablePostAuthorize
    ("true", "false", "Accepted", False, True),     # C13.FR.02 offline
    ("true", "false", "Blocked", False, False),
])  # fmt: skip
def test_local_list_decisions(pre: str, no_post: str, status: str, online: bool, expected: bool | None) -> None:
    local, dm = _list()
    dm.put(dmc.LOCAL_PRE_AUTHORIZE, pre)
    dm.put(dmc.LOCAL_LIST_DISABLE_POST_AUTHORIZE, no_post)
    local.send(_full(1, (VALID, status)))
    found = local.decide(VALID, online)
    assert (found[0] if found is not None else None) is expected


def _cache(*names: str) -> tuple[AuthCache, DeviceModel]:
    faults = FaultSet(names)
    dm = _dm(faults)
    dm.put(dmc.AUTH_CACHE_ENABLED, "true")
    dm.put(dmc.LOCAL_PRE_AUTHORIZE, "true")
    return AuthCache(dm, Clock(), faults), dm


def test_cache_authorizes_accepted_and_asks_again_for_the_rest() -> None:
    cache, _ = _cache()
    cache.store(VALID, {"status": "Accepted"})
    cache.store(OTHER, {"status": "Invalid"})
    assert cache.decide(VALID, online=True) == (True, {"status": "Accepted"})
    assert cache.decide(OTHER, online=True) is None
    cache.store_from_transaction(VALID, {"status": "Invalid"})  # C10.FR.05
    assert cache.decide(VALID, online=True) is None


def test_clear_cache_accepted_only_while_enabled() -> None:
    cache, dm = _cache()
    cache.store(VALID, {"status": "Accepted"})
    assert cache.clear() == {"status": "Accepted"} and cache.decide(VALID, online=True) is None
    dm.put(dmc.AUTH_CACHE_ENABLED, "false")
    assert cache.clear() == {"status": "Rejected"}


def test_cache_entry_expires_after_its_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    cache, dm = _cache()
    dm.put(dmc.AUTH_CACHE_LIFETIME, "10")
    now = [100.0]
    monkeypatch.setattr(Clock, "monotonic", staticmethod(lambda: now[0]))
    cache.store(VALID, {"status": "Accepted"})
    now[0] = 111.0
    assert cache.decide(VALID, online=True) is None
