"""The Local Authorization List (D01 SendLocalList, D02 GetLocalListVersion) and its use for authorization (C13, C14).

The list is kept in "non-volatile memory": a reboot or power cycle keeps it (D01.FR.10), a factory reset empties it.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.device_model import DeviceModel
from harness.virtual.faults import FaultSet

log = logging.getLogger("harness.virtual")

TokenKey = tuple[str, str]


def token_key(token: dict[str, Any]) -> TokenKey:
    return str(token.get("idToken")), str(token.get("type"))


class LocalAuthList:
    """The installed list: its version and, per idToken, the idTokenInfo the CSMS gave it."""

    def __init__(self, dm: DeviceModel, faults: FaultSet) -> None:
        self._dm = dm
        self._faults = faults
        self._version = 0
        self._entries: dict[TokenKey, dict[str, Any]] = {}

    @property
    def enabled(self) -> bool:
        # F.LOCAL_LIST_ENABLED_IGNORED: the station behaves as if the list were always switched on.
        return self._dm.get_bool(dmc.LOCAL_LIST_ENABLED) or self._faults.active(F.LOCAL_LIST_ENABLED_IGNORED)

    def forget_all(self) -> None:
        self._version = 0
        self._entries.clear()

    def count(self) -> int:
        return len(self._entries)

    def storage_bytes(self) -> int:
        return len(json.dumps(list(self._entries.items()))) if self._entries else 0

    def version(self) -> dict[str, Any]:
        """GetLocalListVersionResponse: 0 while the list is disabled (D02.FR.03)."""
        if not self.enabled or self._faults.active(F.LOCAL_LIST_VERSION_ZERO):
            return {"versionNumber": 0}
        return {"versionNumber": self._version}

    def too_big(self, payload: dict[str, Any]) -> tuple[str, str] | None:
        """The CALLERROR for a request beyond ItemsPerMessage / BytesPerMessage, or None."""
        items = payload.get("localAuthorizationList", [])
        if len(items) > self._dm.get_int(dmc.LOCAL_LIST_ITEMS_PER_MESSAGE):
            return "OccurrenceConstraintViolation", "more than ItemsPerMessage entries"
        if len(json.dumps(payload)) > self._dm.get_int(dmc.LOCAL_LIST_BYTES_PER_MESSAGE):
            return "FormatViolation", "message longer than BytesPerMessage"
        return None

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        """SendLocalListRequest: replace (Full) or update (Differential) the list, then take the new version."""
        if not self.enabled:
            return {"status": "Failed", "statusInfo": {"reasonCode": "NotEnabled"}}
        version = int(payload["versionNumber"])
        items: list[dict[str, Any]] = payload.get("localAuthorizationList", [])
        differential = payload["updateType"] == "Differential"
        stale = differential and version <= self._version
        if stale and not self._faults.active(F.LOCAL_LIST_ACCEPTS_OLD_VERSION):
            return {"status": "VersionMismatch"}  # D01.FR.19
        entries = dict(self._entries) if differential else {}
        for item in items:
            key = token_key(item["idToken"])
            info = item.get("idTokenInfo")
            if info is None:
                entries.pop(key, None)  # D01.FR.17: an entry without idTokenInfo is removed
            else:
                entries[key] = info
        if len(entries) > dmc.MAX_LOCAL_LIST_ENTRIES:
            return {"status": "Failed", "statusInfo": {"reasonCode": "ListFull"}}
        self._entries = entries
        self._version = version
        log.info("local list version %d: %d entries", version, len(entries))
        return {"status": "Accepted"}

    def lookup(self, token: dict[str, Any]) -> dict[str, Any] | None:
        """The idTokenInfo the list holds for `token`, when the list is in use."""
        if not self.enabled:
            return None
        return self._entries.get(token_key(token))

    def decide(self, token: dict[str, Any], online: bool) -> tuple[bool, dict[str, Any]] | None:
        """C13/C14: (accepted, idTokenInfo) when the list settles the idToken; None when the CSMS must be asked."""
        info = self.lookup(token)
        if info is None or self._faults.active(F.LOCAL_LIST_NOT_USED):
            return None
        if info.get("status") == "Accepted":
            key = dmc.LOCAL_PRE_AUTHORIZE if online else dmc.LOCAL_AUTHORIZE_OFFLINE
            return (True, info) if self._dm.get_bool(key) else None  # C14.FR.02 / C13.FR.02
        if not online:
            # C13.FR.02: offline, a listed idToken that is not Accepted is refused
            return self._faults.active(F.OFFLINE_LIST_STATUS_IGNORED), info
        no_post = self._dm.get_bool(dmc.LOCAL_LIST_DISABLE_POST_AUTHORIZE)
        if no_post or self._faults.active(F.LOCAL_LIST_NO_POST_AUTHORIZE):
            return False, info  # C14.FR.03 switched off: refused without asking the CSMS
        return None  # C14.FR.03: its status may have changed, so the CSMS is asked
