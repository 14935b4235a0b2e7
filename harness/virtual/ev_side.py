"""The cable pulled out at the EV side, and plugged back in (E10, E06).

A station with a detachable cable (HFS-1) keeps the cable in its socket: the connector stays Occupied while the EV
is gone (charging state Idle; the EVConnected and PowerPathClosed stop points no longer hold). A station with a
fixed cable (Part 5 HFS-2 claimed, HFS-1 not) only has this kind of disconnect: its connector becomes Available,
and a transaction that keeps its authorization waits EVConnectionTimeOut for the EV to come back (E10.FR.02).
TxCtrlr.StopTxOnEVSideDisconnect decides whether the authorization survives (false: the transaction is suspended;
true: it ends, stoppedReason EVDisconnected, E09). OCPPCommCtrlr.UnlockOnEVSideDisconnect true opens the socket's
lock (E09.FR.02); false keeps the cable of the ended transaction locked in until the idToken that started it is
presented again (E09.FR.03): pulling it out of the socket before that is refused. No OCPP message shows the lock.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Set
from typing import Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.availability import Availability
from harness.virtual.clock import Clock
from harness.virtual.device_model import DeviceModel
from harness.virtual.evse import Evse
from harness.virtual.faults import FaultSet
from harness.virtual.manual import ControlError
from harness.virtual.transactions import TransactionEngine

log = logging.getLogger("harness.virtual")

DETACHABLE_CABLE = "HFS-1"
FIXED_CABLE = "HFS-2"


def has_fixed_cable(claims: Set[str]) -> bool:
    return FIXED_CABLE in claims and DETACHABLE_CABLE not in claims


class EvSide:
    """What the station does when the EV end of the cable comes out or goes back in."""

    def __init__(
        self,
        dm: DeviceModel,
        clock: Clock,
        faults: FaultSet,
        engine: TransactionEngine,
        availability: Availability,
        *,
        fixed_cable: bool,
    ) -> None:
        self._dm, self._clock, self._faults, self._engine = dm, clock, faults, engine
        self._availability = availability
        self.fixed_cable = fixed_cable

    def disconnected(self, evse: Evse) -> None:
        connector = evse.plugged_connector()
        if connector is None or evse.ev_side_unplugged:
            raise ControlError(409, f"no cable between EVSE {evse.id} and an EV")
        if self._faults.active(F.EV_SIDE_DISCONNECT_UNNOTICED):
            log.info("EVSE %d: cable pulled out at the EV side, not noticed (fault)", evse.id)
            return
        if self.fixed_cable:
            connector.plugged = False  # the cable hangs at the station: nothing is connected any more
            self._availability.report(evse, connector)
        else:
            evse.ev_side_unplugged = True
        evse.ev_suspended = False
        evse.hlc_session = False
        evse.meter.hlc_setpoint_w = None
        unlock = self._dm.get_bool(dmc.UNLOCK_ON_EV_SIDE_DISCONNECT)
        log.info("EVSE %d: cable pulled out at the EV side, socket %s", evse.id, "unlocked" if unlock else "locked")
        stop_tx = self._dm.get_bool(dmc.STOP_TX_ON_EV_SIDE_DISCONNECT)
        if evse.tx is not None and stop_tx and not self._faults.active(F.EV_SIDE_DISCONNECT_KEEPS_AUTHORIZATION):
            # E09: the transaction is deauthorized; a socket that stays locked waits for the driver's idToken.
            holder = evse.tx.start_token or (evse.auth.id_token if evse.auth is not None else None)
            if not (self.fixed_cable or unlock):
                evse.lock_held_for = holder
            evse.tx.stopped_reason_hint = "EVDisconnected"
            self._engine.end(evse, "EVCommunicationLost", "EVDisconnected")
            return
        self._engine.evaluate(evse, "EVCommunicationLost", stopped_reason="EVDisconnected")
        auth = evse.auth
        if self.fixed_cable and auth is not None and not self._faults.active(F.EV_SIDE_TIMEOUT_NOT_STARTED):
            # E10.FR.02: the authorization only lasts EVConnectionTimeOut without an EV on the fixed cable.
            auth.cable_deadline = self._clock.monotonic() + self._dm.get_int(dmc.EV_CONNECTION_TIMEOUT)

    @staticmethod
    def unlocks(evse: Evse, token: Mapping[str, Any]) -> bool:
        """E09.FR.03: the idToken that started the ended transaction opens the socket's lock (and starts nothing)."""
        holder = evse.lock_held_for
        if holder is None or holder.get("idToken") != token.get("idToken") or holder.get("type") != token.get("type"):
            return False
        evse.lock_held_for = None
        log.info("EVSE %d: idToken %s presented, socket unlocked", evse.id, token.get("idToken"))
        return True

    def reconnected(self, evse: Evse) -> None:
        """The EV end goes back in: a returning EV asks for energy again."""
        if self.fixed_cable:
            connector = evse.connectors[0]
            if evse.plugged_connector() is not None:
                raise ControlError(409, f"the cable of EVSE {evse.id} is already in an EV")
            connector.plugged = True
            if evse.auth is not None:
                evse.auth.cable_deadline = None
            self._availability.report(evse, connector)
        else:
            if evse.plugged_connector() is None or not evse.ev_side_unplugged:
                raise ControlError(409, f"no cable at EVSE {evse.id} waiting to be plugged into the EV")
            evse.ev_side_unplugged = False
        log.info("EVSE %d: cable plugged back in at the EV side", evse.id)
        self._engine.evaluate(evse, "CablePluggedIn")
