"""The Authorization Cache (C10 store, C11 ClearCache, C12 authorize from the cache).

Every idTokenInfo the CSMS answers in an AuthorizeResponse is kept for AuthCacheCtrlr.LifeTime seconds. The cache
is kept in "non-volatile memory": a reboot keeps it (C10.FR.02), a factory reset empties it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.clock import Clock
from harness.virtual.device_model import DeviceModel
from harness.virtual.faults import FaultSet
from harness.virtual.local_list import TokenKey, token_key

log = logging.getLogger("harness.virtual")


@dataclass
class _Entry:
    info: dict[str, Any]
    expires: float  # monotonic seconds


class AuthCache:
    """idToken -> the last idTokenInfo the CSMS gave, until its lifetime ends."""

    def __init__(self, dm: DeviceModel, clock: Clock, faults: FaultSet) -> None:
        self._dm = dm
        self._clock = clock
        self._faults = faults
        self._entries: dict[TokenKey, _Entry] = {}

    @property
    def enabled(self) -> bool:
        return self._dm.get_bool(dmc.AUTH_CACHE_ENABLED)

    def forget_all(self) -> None:
        self._entries.clear()

    def forget(self, token: dict[str, Any]) -> dict[str, Any] | None:
        """N10: drop one customer's entry (what it held, or None)."""
        entry = self._entries.pop(token_key(token), None)
        return None if entry is None else entry.info

    def storage_bytes(self) -> int:
        return len(json.dumps([entry.info for entry in self._entries.values()])) if self._entries else 0

    def store(self, token: dict[str, Any], info: dict[str, Any]) -> None:
        """C10.FR.04: remember (or update) what the CSMS said about `token`."""
        if not self.enabled:
            return
        lifetime = self._dm.get_int(dmc.AUTH_CACHE_LIFETIME)
        self._entries[token_key(token)] = _Entry(dict(info), self._clock.monotonic() + lifetime)

    def store_from_transaction(self, token: dict[str, Any], info: dict[str, Any]) -> None:
        """C10.FR.05: a TransactionEventResponse updates the cache like an AuthorizeResponse."""
        if not self._faults.active(F.AUTH_CACHE_IGNORES_TRANSACTION_RESPONSE):
            self.store(token, info)

    def clear(self) -> dict[str, Any]:
        """ClearCacheRequest (C11): Rejected while the cache is disabled (C11.FR.04)."""
        if self._faults.active(F.CLEAR_CACHE_IGNORED):
            return {"status": "Accepted"}
        if not self.enabled:
            return {"status": "Rejected"}
        self._entries.clear()
        return {"status": "Accepted"}

    def _lookup(self, token: dict[str, Any]) -> dict[str, Any] | None:
        key = token_key(token)
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires <= self._clock.monotonic() and not self._faults.active(F.AUTH_CACHE_NEVER_EXPIRES):
            del self._entries[key]  # C10.FR.08: past AuthCacheLifeTime the entry is gone
            return None
        return entry.info

    def held(self, token: dict[str, Any]) -> dict[str, Any] | None:
        """N09: what the cache holds about `token` now, whatever the authorization settings."""
        return self._lookup(token)

    def knows(self, token: dict[str, Any]) -> bool:
        return self.enabled and self._lookup(token) is not None

    def decide(self, token: dict[str, Any], online: bool) -> tuple[bool, dict[str, Any]] | None:
        """C12: (accepted, idTokenInfo) when the cache settles the idToken; None when the CSMS must be asked."""
        if not self.enabled or self._faults.active(F.AUTH_CACHE_NOT_USED):
            return None
        info = self._lookup(token)
        if info is None:
            return None
        if info.get("status") == "Accepted":
            if online:
                pre = self._dm.get_bool(dmc.LOCAL_PRE_AUTHORIZE)
                pre = pre or self._faults.active(F.AUTH_CACHE_ALWAYS_PREAUTHORIZES)
                return (True, info) if pre else None  # C12.FR.02 / C10.FR.11
            return (True, info) if self._dm.get_bool(dmc.LOCAL_AUTHORIZE_OFFLINE) else None
        if not online:
            return False, info
        no_post = self._dm.get_bool(dmc.AUTH_CACHE_DISABLE_POST_AUTHORIZE)
        if no_post or self._faults.active(F.AUTH_CACHE_NO_POST_AUTHORIZE):
            return False, info  # AuthCacheDisablePostAuthorize: refused without asking the CSMS
        return None  # C12.FR.05 / C10.FR.03: its status may have changed, so the CSMS is asked
