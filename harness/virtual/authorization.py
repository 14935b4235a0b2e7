"""Authorization of idTokens (C01), local stop (E07) and remote start/stop (F01-F03)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.auth_cache import AuthCache
from harness.virtual.clock import Clock
from harness.virtual.device_model import DeviceModel
from harness.virtual.evse import Authorization, Evse
from harness.virtual.faults import FaultSet
from harness.virtual.local_list import LocalAuthList
from harness.virtual.master_pass_ui import MasterPassMenu
from harness.virtual.outbox import Outbox
from harness.virtual.transactions import TransactionEngine

log = logging.getLogger("harness.virtual")

Spawn = Callable[[Coroutine[Any, Any, None]], None]


class ReservationGate(Protocol):
    """What authorization asks the reservations (H03): may this idToken use the EVSE, and it has now used it."""

    def admits(self, evse: Evse, token: dict[str, Any], group_id: dict[str, Any] | None) -> bool: ...

    def may_admit(self, evse: Evse, token: dict[str, Any]) -> bool: ...

    def used(self, evse: Evse, token: dict[str, Any], group_id: dict[str, Any] | None) -> None: ...


@dataclass(frozen=True)
class Verdict:
    """The CSMS's opinion of an idToken."""

    accepted: bool
    status: str
    group_id: dict[str, Any] | None = None


def remote_authorization_disabled(dm: DeviceModel, faults: FaultSet) -> bool:
    """C-58: with AuthCtrlr.DisableRemoteAuthorization only the cache and the local list may authorize."""
    return dm.get_bool(dmc.DISABLE_REMOTE_AUTHORIZATION) and not faults.active(F.DISABLE_REMOTE_AUTHORIZATION_IGNORED)


def same_token(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    return a is not None and b is not None and a.get("idToken") == b.get("idToken") and a.get("type") == b.get("type")


class Authorizer:
    """Turns presented idTokens and remote requests into EVSE authorizations."""

    def __init__(
        self,
        dm: DeviceModel,
        clock: Clock,
        faults: FaultSet,
        outbox: Outbox,
        engine: TransactionEngine,
        online: Callable[[], bool],
        spawn: Spawn,
    ) -> None:
        self._dm = dm
        self._clock = clock
        self._faults = faults
        self._outbox = outbox
        self._engine = engine
        self._online = online
        self._spawn = spawn
        self.gate: ReservationGate | None = None  # who may use a reserved EVSE (reservation.py)
        self.local_list: LocalAuthList | None = None  # the Local Authorization List (local_list.py)
        self.cache: AuthCache | None = None  # the Authorization Cache (auth_cache.py)
        self.evses: list[Evse] = []  # every EVSE, for the master pass (C16)
        self.master_pass_menu: MasterPassMenu | None = None  # a user interface's menu (C-07); None: none (C-08)

    def _admitted(self, evse: Evse, token: dict[str, Any], group_id: dict[str, Any] | None) -> bool:
        if self.gate is None or self.gate.admits(evse, token, group_id):
            return True
        log.info("EVSE %d is reserved for another idToken: %s refused", evse.id, token.get("idToken"))
        return False

    def _may_start(self, evse: Evse, token: dict[str, Any], group_id: dict[str, Any] | None) -> bool:
        """A remote start at a reserved EVSE; a group reservation waits for the Authorize that names the group."""
        authorize_first = group_id is None and self._dm.get_bool(dmc.AUTHORIZE_REMOTE_START)
        if self.gate is not None and authorize_first and self.gate.may_admit(evse, token):
            return True
        return self._admitted(evse, token, group_id)

    async def check(self, token: dict[str, Any]) -> Verdict:
        """AuthorizeRequest (C01.FR.02), unless authorization is switched off."""
        if not self._dm.get_bool(dmc.AUTH_ENABLED):
            return Verdict(True, "Accepted")
        local = self._local_verdict(token)
        if local is not None:
            return local
        if not self._online():
            if self._unknown(token) and self._dm.get_bool(dmc.OFFLINE_TX_FOR_UNKNOWN_ID):
                log.info("idToken %s unknown: accepted offline (OfflineTxForUnknownIdEnabled)", token.get("idToken"))
                return Verdict(True, "Accepted")  # C15.FR.02
            log.info("idToken %s not authorized: the station is offline", token.get("idToken"))
            return Verdict(False, "Offline")
        if remote_authorization_disabled(self._dm, self._faults):
            log.info("idToken %s not authorized: DisableRemoteAuthorization, not known locally", token.get("idToken"))
            return Verdict(False, "Unknown")
        outcome = await self._outbox.put("Authorize", {"idToken": token})
        if not outcome.ok:
            return Verdict(False, "NoResponse")
        info = outcome.payload["idTokenInfo"]
        status = str(info["status"])
        if self.cache is not None:
            self.cache.store(token, info)
        accepted = status == "Accepted" or self._faults.active(F.AUTHORIZE_IGNORED)
        log.info("idToken %s: %s", token.get("idToken"), status)
        return Verdict(accepted, status, info.get("groupIdToken"))

    def _unknown(self, token: dict[str, Any]) -> bool:
        """Neither in the local list nor in the cache (C15)."""
        listed = self.local_list is not None and self.local_list.lookup(token) is not None
        return not listed and not (self.cache is not None and self.cache.knows(token))

    def _local_verdict(self, token: dict[str, Any]) -> Verdict | None:
        """The local list first, then the cache (C13.FR.01/C14.FR.01); None when the CSMS has to decide."""
        online = self._online()
        found = self.local_list.decide(token, online) if self.local_list is not None else None
        if found is None and self.cache is not None:
            found = self.cache.decide(token, online)
        if found is None:
            return None
        accepted, info = found
        if not online and self._faults.active(F.OFFLINE_LOCAL_AUTHORIZATION_REFUSED):
            accepted = False
        log.info("idToken %s: %s locally (list or cache)", token.get("idToken"), info.get("status"))
        return Verdict(accepted, str(info.get("status")), info.get("groupIdToken"))

    def present(self, evse: Evse, token: dict[str, Any]) -> None:
        """A driver holds `token` to the reader of `evse`."""
        auth = evse.auth
        if auth is not None and same_token(auth.id_token, token):
            self._stop_or_withdraw(evse, token)
            return
        if not evse.operative or evse.authorizing:
            log.info("EVSE %d is inoperative or busy authorizing: idToken ignored", evse.id)
            return
        evse.authorizing = True
        self._spawn(self._present_flow(evse, token))

    async def _present_flow(self, evse: Evse, token: dict[str, Any]) -> None:
        try:
            verdict = await self.check(token)
        finally:
            evse.authorizing = False
        optimistic = evse.plugged_connector() is None and self._faults.active(F.INVALID_ID_AUTHORIZES_WITHOUT_EV)
        if not verdict.accepted and not optimistic:
            return
        if self._is_master_pass(verdict.group_id):
            self._master_pass(token)
            return
        auth = evse.auth
        if auth is not None:
            # Another driver's token: it may stop the session only as a member of the same group (C01.FR.03).
            same_group = verdict.group_id is not None and verdict.group_id == auth.group_id
            same_group = same_group and not self._faults.active(F.GROUP_STOP_IGNORED)
            if same_group or self._faults.active(F.OTHER_TOKEN_STOPS):
                self._stop_or_withdraw(evse, token)
            return
        if self._admitted(evse, token, verdict.group_id):
            self.grant(evse, token, verdict.group_id, trigger="Authorized")

    def _is_master_pass(self, group_id: dict[str, Any] | None) -> bool:
        master = self._dm.value(dmc.MASTER_PASS_GROUP_ID)
        if not master or group_id is None or self._faults.active(F.MASTER_PASS_IGNORED):
            return False
        return group_id.get("idToken") == master

    def _master_pass(self, token: dict[str, Any]) -> None:
        """C16.FR.01: with a user interface the holder chooses on its menu what to stop (master_pass_ui.py);
        C16.FR.02: without one the master pass stops every transaction. It starts none (FR.03)."""
        if self.master_pass_menu is not None:
            self.master_pass_menu.open(token)
            return
        for evse in self.evses:
            self.master_stop(evse, token, "MasterPass")

    def master_stop(self, evse: Evse, token: dict[str, Any], reason: str) -> None:
        """End the transaction on `evse` for the master pass `token` (stoppedReason `reason`)."""
        if evse.tx is None:
            return
        evse.auth = None
        evse.tx.stopped_reason_hint = reason
        self._engine.evaluate(evse, "StopAuthorized", stopped_reason=reason, force_update=True, id_token=token)

    def grant(
        self,
        evse: Evse,
        token: dict[str, Any],
        group_id: dict[str, Any] | None,
        *,
        trigger: str,
        remote_start_id: int | None = None,
    ) -> None:
        """Authorize `evse` to charge with `token`; without a cable the authorization waits EVConnectionTimeOut."""
        if self.gate is not None:
            self.gate.used(evse, token, group_id)  # before `auth` is set: the reservation still holds the EVSE
        deadline = None
        if evse.plugged_connector() is None:
            deadline = self._clock.monotonic() + self._dm.get_int(dmc.EV_CONNECTION_TIMEOUT)
        evse.auth = Authorization(
            token, group_id, remote_start_id, remote_pending=remote_start_id is not None, cable_deadline=deadline
        )
        evse.session_closed = False
        evse.evse_suspended = False
        self._engine.evaluate(evse, trigger)

    def _stop_or_withdraw(self, evse: Evse, token: dict[str, Any]) -> None:
        """The authorizing token again: stop the transaction (E07) or, before one started, withdraw."""
        evse.auth = None
        tx = evse.tx
        if tx is None:
            log.info("EVSE %d: authorization withdrawn", evse.id)
            self._engine.evaluate(evse, "StopAuthorized")
            return
        tx.stopped_reason_hint = "Local"
        self._engine.evaluate(evse, "StopAuthorized", stopped_reason="Local", force_update=True, id_token=token)

    def remote_start(self, evses: list[Evse], request: dict[str, Any], registered: bool) -> dict[str, Any]:
        """RequestStartTransaction (F01/F02): the response now, the authorization after it."""
        if not registered and not self._faults.active(F.BOOT_PENDING_ALLOWS_START):
            return {"status": "Rejected", "statusInfo": {"reasonCode": "NotAccepted"}}
        evse = self._pick_evse(evses, request.get("evseId"))
        if evse is None:
            return {"status": "Rejected"}
        if not self._may_start(evse, request["idToken"], request.get("groupIdToken")):
            return {"status": "Rejected"}  # F01.FR.22 / H03.FR.01
        response: dict[str, Any] = {"status": "Accepted"}
        if evse.tx is not None:
            response["transactionId"] = evse.tx.id
        if not self._faults.active(F.REMOTE_START_IGNORED):
            evse.authorizing = True
            self._spawn(self._remote_flow(evse, request["idToken"], int(request["remoteStartId"])))
        return response

    @staticmethod
    def _pick_evse(evses: list[Evse], evse_id: int | None) -> Evse | None:
        def free(evse: Evse) -> bool:
            return evse.operative and evse.auth is None and not evse.authorizing

        if evse_id is None:
            # Prefer an EVSE where an EV already waits for authorization.
            candidates = [e for e in evses if free(e)]
            waiting = [e for e in candidates if e.plugged_connector() is not None]
            return next(iter(waiting or candidates), None)
        evse = next((e for e in evses if e.id == evse_id), None)
        return evse if evse is not None and free(evse) else None

    async def _remote_flow(self, evse: Evse, token: dict[str, Any], remote_start_id: int) -> None:
        try:
            verdict = Verdict(True, "Accepted")
            always = self._faults.active(F.REMOTE_START_ALWAYS_AUTHORIZES)
            if self._dm.get_bool(dmc.AUTHORIZE_REMOTE_START) or always:
                verdict = await self.check(token)
        finally:
            evse.authorizing = False
        if verdict.accepted and evse.auth is None and self._admitted(evse, token, verdict.group_id):
            self.grant(evse, token, verdict.group_id, trigger="RemoteStart", remote_start_id=remote_start_id)

    def remote_stop(self, evses: list[Evse], transaction_id: str) -> tuple[str, Callable[[], None] | None]:
        """RequestStopTransaction (F03): the status, and the stop to run once the response is sent."""
        evse = next((e for e in evses if e.tx is not None and e.tx.id == transaction_id), None)
        if evse is None:
            status = "Accepted" if self._faults.active(F.REMOTE_STOP_UNKNOWN_ACCEPTED) else "Rejected"
            return status, None
        if self._faults.active(F.REMOTE_STOP_IGNORED):
            return "Accepted", None

        def stop() -> None:
            # A remote stop withdraws the authorization (E06): the transaction ends at once when a TxStopPoint
            # depends on it, otherwise (EVConnected only) when the EV leaves, still stoppedReason Remote.
            if evse.tx is not None and evse.tx.id == transaction_id:
                evse.tx.stopped_reason_hint = "Remote"
                evse.auth = None
                self._engine.evaluate(evse, "RemoteStop", stopped_reason="Remote", force_update=True)

        return "Accepted", stop
