"""Transactions (E01-E07, J02): when they start and stop, and the TransactionEvents that report them.

A transaction starts when the first TxStartPoint member becomes true and ends when a TxStopPoint member that
held during the transaction stops holding (E01, E06). Every change of an EVSE input goes through `evaluate`,
which decides between Started, Updated and Ended.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual import invalid_id
from harness.virtual.clock import Clock
from harness.virtual.device_model import DeviceModel, VariableKey
from harness.virtual.evse import Evse, Transaction
from harness.virtual.faults import FaultSet
from harness.virtual.invalid_id import Reaction
from harness.virtual.meter_signing import SigningPolicy
from harness.virtual.metering import Signer, meter_value
from harness.virtual.outbox import Outbox
from harness.virtual.rpc import Outcome

log = logging.getLogger("harness.virtual")

ENGAGE_DELAY_S = 0.3  # the EV starts to draw power this long after the power path closes
MAX_ENDED_SAMPLES = 100
ENERGY_DROP_WH = 100.0


class TransactionEngine:
    """Starts, updates and ends transactions on the station's EVSEs."""

    def __init__(
        self,
        dm: DeviceModel,
        clock: Clock,
        faults: FaultSet,
        outbox: Outbox,
        online: Callable[[], bool],
        on_ended: Callable[[Evse], None],
    ) -> None:
        self._dm = dm
        self._clock = clock
        self._faults = faults
        self._outbox = outbox
        self._online = online
        self._on_ended = on_ended
        self._no_meter = faults.active(F.NO_METER_VALUES_IN_TRANSACTION)
        self.signing: SigningPolicy | None = None  # the meter's signed readings (C-42), set by the station
        # Who learns the idTokenInfo of a TransactionEventResponse (the authorization cache, C10.FR.05).
        self.on_id_token_info: Callable[[dict[str, Any], dict[str, Any]], None] | None = None
        self.lock_watch: Callable[[Evse], None] = lambda evse: None  # G05 (plug_lock.py), set by the station

    def evaluate(
        self,
        evse: Evse,
        trigger: str,
        *,
        stopped_reason: str | None = None,
        force_update: bool = False,
        id_token: dict[str, Any] | None = None,
    ) -> None:
        """Re-decide the transaction of `evse` after an input changed because of `trigger`."""
        self._decide(evse, trigger, stopped_reason, force_update, id_token)
        self._signed_reading(evse)

    def _signed_reading(self, evse: Evse) -> None:
        """TxStartPoint DataSigned: with SignReadings on, the meter signs a reading once the EV is connected and the
        session authorized; that reading is its own event (SignedDataReceived)."""
        facts = evse.facts()
        if not (facts["plugged"] and facts["authorized"]):
            evse.signed_data = False
            return
        if evse.signed_data or self.signing is None or not self.signing.enabled(dmc.SAMPLED_SIGN_READINGS):
            return
        evse.signed_data = True
        self._decide(evse, "SignedDataReceived", None, False, None)

    def _decide(
        self,
        evse: Evse,
        trigger: str,
        stopped_reason: str | None,
        force_update: bool,
        id_token: dict[str, Any] | None,
    ) -> None:
        self._follow_power_path(evse)
        self.lock_watch(evse)
        tx = evse.tx
        if tx is None:
            starts = self._dm.get_list(dmc.TX_START_POINT)
            if self._faults.active(F.TX_START_POINT_IGNORED):
                starts = ["PowerPathClosed"]
            if not evse.session_closed and evse.operative and any(evse.holds(p) for p in starts):
                self._start(evse, trigger)
            return
        stops = self._stop_points()
        tx.armed_stop_points |= {p for p in stops if evse.holds(p)}
        if any(not evse.holds(p) for p in tx.armed_stop_points):
            self.end(evse, trigger, stopped_reason or "Other", id_token=id_token)
            return
        if force_update or self._has_news(evse, tx):
            self._send(evse, "Updated", trigger, id_token=id_token)

    def _stop_points(self) -> list[str]:
        stops = self._dm.get_list(dmc.TX_STOP_POINT)
        if self._faults.active(F.ENERGY_TRANSFER_STOP_POINT_IGNORED):
            return [p for p in stops if p != "EnergyTransfer"]
        return stops

    def _has_news(self, evse: Evse, tx: Transaction) -> bool:
        auth = evse.auth
        unreported_token = auth is not None and not auth.token_reported
        unreported_connector = evse.plugged_connector() is not None and not tx.connector_reported
        return evse.charging_state() != tx.charging_state or unreported_token or unreported_connector

    def _follow_power_path(self, evse: Evse) -> None:
        """Schedule or cancel the EV drawing power; the meter follows the charging state."""
        if not evse.facts()["power_path_closed"] or (evse.ev_suspended and evse.hlc_session):
            evse.ev_engaged = False
            evse.engage_at = None
        elif evse.hlc_session:
            evse.engage_at = None  # the -20 session engages the EV with PowerDelivery Start
        elif not evse.ev_engaged and evse.engage_at is None:
            # A suspended (not ready) EV answers the offered power too: with SuspendedEV instead of drawing it.
            evse.engage_at = self._clock.monotonic() + ENGAGE_DELAY_S
        evse.meter.draw(evse.charging_state() == "Charging")

    def _start(self, evse: Evse, trigger: str) -> None:
        now = self._clock.monotonic()
        tx = Transaction(id=str(uuid.uuid4()), evse_id=evse.id, started_epoch=self._clock.epoch())
        tx.armed_stop_points = {p for p in self._stop_points() if evse.holds(p)}
        if evse.auth is not None:
            tx.group_id = evse.auth.group_id
            tx.start_token = evse.auth.id_token
        interval = self._dm.get_int(dmc.TX_UPDATED_INTERVAL)
        tx.next_periodic = now + interval if interval > 0 else None
        ended_interval = self._dm.get_int(dmc.TX_ENDED_INTERVAL)
        tx.next_ended_sample = now + ended_interval if ended_interval > 0 else None
        evse.tx = tx
        if self._faults.active(F.ENERGY_REGISTER_RESETS):
            evse.meter.register_offset_wh = evse.meter.register_wh_raw
        log.info("transaction %s started on EVSE %d (%s)", tx.id, evse.id, trigger)
        begin = self._sample(evse, dmc.TX_STARTED_MEASURANDS, "Transaction.Begin")
        self._send(evse, "Started", trigger, meter_values=[begin] if begin else [])

    def end(
        self,
        evse: Evse,
        trigger: str,
        stopped_reason: str,
        *,
        id_token: dict[str, Any] | None = None,
        offline: bool = False,
    ) -> None:
        """End the transaction of `evse` now; the authorization is used up with it."""
        tx = evse.tx
        if tx is None:
            return
        evse.auth = None
        evse.evse_suspended = False
        evse.signed_data = False
        self._follow_power_path(evse)
        samples = [] if self._faults.active(F.TX_ENDED_SAMPLES_DROPPED) else list(tx.ended_samples)
        final = self._sample(evse, dmc.TX_ENDED_MEASURANDS, "Transaction.End")
        if final:
            samples.append(final)
        self._send(
            evse,
            "Ended",
            trigger,
            stopped_reason="Other"
            if self._faults.active(F.STOPPED_REASON_ALWAYS_OTHER)
            else (tx.stopped_reason_hint or stopped_reason),
            meter_values=samples,
            id_token=id_token,
            offline=offline,
        )
        log.info("transaction %s ended on EVSE %d (%s, %s)", tx.id, evse.id, trigger, stopped_reason)
        evse.tx = None
        evse.session_closed = evse.plugged_connector() is not None
        self._on_ended(evse)

    def _sample(self, evse: Evse, measurands: VariableKey, context: str) -> dict[str, Any] | None:
        sign = self.signer_for(evse, dmc.SAMPLED_SIGN_READINGS)
        return meter_value(evse.meter, self._dm.get_list(measurands), context, self._clock.stamp(), sign)

    def signer_for(self, evse: Evse, variable: VariableKey) -> Signer | None:
        """How readings governed by `variable` (a SignReadings) are signed now, or None: unsigned."""
        if self.signing is None:
            return None
        return self.signing.signer(variable, evse.tx.id if evse.tx is not None else None)

    def _send(
        self,
        evse: Evse,
        event_type: str,
        trigger: str,
        *,
        stopped_reason: str | None = None,
        meter_values: list[dict[str, Any]] | None = None,
        id_token: dict[str, Any] | None = None,
        offline: bool = False,
    ) -> None:
        tx = evse.tx
        assert tx is not None
        if trigger == "CablePluggedIn" and self._faults.active(F.WRONG_TRIGGER_REASON_ON_PLUG):
            trigger = "Authorized"
        info: dict[str, Any] = {"transactionId": tx.id}
        state = evse.charging_state()
        if event_type == "Started" or state != tx.charging_state:
            info["chargingState"] = state
            tx.charging_state = state
        if stopped_reason is not None:
            info["stoppedReason"] = stopped_reason
        auth = evse.auth
        if auth is not None and auth.remote_pending:
            # Part 6 §2.1: the first event after RequestStartTransaction reports RemoteStart and remoteStartId.
            trigger = "RemoteStart"
            info["remoteStartId"] = auth.remote_start_id
            auth.remote_pending = False
        payload: dict[str, Any] = {
            "eventType": event_type,
            "timestamp": self._clock.stamp(),
            "triggerReason": trigger,
            "seqNo": self._next_seq(tx),
            "transactionInfo": info,
        }
        if (offline or not self._online()) and not self._faults.active(F.OFFLINE_FLAG_MISSING):
            payload["offline"] = True
        token = id_token
        if token is None and auth is not None and not auth.token_reported:
            token = auth.id_token
        if auth is not None:
            auth.token_reported = True
        if token is not None:
            payload["idToken"] = token
        self._add_evse(evse, tx, event_type, payload)
        if meter_values and not self._no_meter:
            payload["meterValue"] = meter_values
        future = self._outbox.put("TransactionEvent", payload, persistent=True)
        token = payload.get("idToken")
        future.add_done_callback(lambda done: self._on_response(evse, tx.id, done, token))

    @staticmethod
    def _add_evse(evse: Evse, tx: Transaction, event_type: str, payload: dict[str, Any]) -> None:
        connector = evse.plugged_connector()
        if connector is not None and not tx.connector_reported:
            payload["evse"] = {"id": evse.id, "connectorId": connector.id}
            tx.connector_reported = True
        elif event_type == "Started":
            payload["evse"] = {"id": evse.id}

    def _next_seq(self, tx: Transaction) -> int:
        if tx.events_sent == 1 and self._faults.active(F.SEQNO_GAP):
            tx.seq_no += 1
        seq_no = tx.seq_no
        tx.seq_no += 1
        tx.events_sent += 1
        return seq_no

    def _on_response(self, evse: Evse, tx_id: str, done: asyncio.Future[Outcome], token: dict[str, Any] | None) -> None:
        """A TransactionEventResponse whose idTokenInfo is not Accepted deauthorizes the transaction (E05)."""
        if done.cancelled() or not done.result().ok:
            return
        info = done.result().payload.get("idTokenInfo")
        if info and token is not None and self.on_id_token_info is not None:
            self.on_id_token_info(token, info)
        if not info or info.get("status") == "Accepted" or evse.tx is None or evse.tx.id != tx_id:
            return
        log.info("transaction %s deauthorized by the CSMS (%s)", tx_id, info.get("status"))
        self._deauthorized(evse)

    def _deauthorized(self, evse: Evse) -> None:
        """E05 / C15: StopTxOnInvalidId and MaxEnergyOnInvalidId decide (invalid_id.py)."""
        what, cap_wh = invalid_id.reaction(self._dm, self._faults)
        if what is Reaction.END:
            evse.auth = None
            self.end(evse, "Deauthorized", "DeAuthorized")
        elif what is Reaction.SUSPEND:
            evse.evse_suspended = True
            self.evaluate(evse, "Deauthorized", stopped_reason="DeAuthorized", force_update=True)
        elif what is Reaction.CAP and evse.tx is not None:
            evse.tx.energy_cap_wh = evse.meter.register_wh + cap_wh

    def trigger(self, evse: Evse) -> None:
        """TriggerMessage(TransactionEvent): an Updated event with the current meter values (F06)."""
        if evse.tx is None:
            return
        sample = self._sample(evse, dmc.TX_UPDATED_MEASURANDS, "Trigger")
        # A triggered event reports the chargingState even when unchanged: the CSMS asked for the whole picture.
        evse.tx.charging_state = None
        wrong = self._faults.active(F.TRIGGER_TRANSACTION_EVENT_WRONG_REASON)
        reason = "MeterValuePeriodic" if wrong else "Trigger"
        self._send(evse, "Updated", reason, meter_values=[sample] if sample else [])

    def tick(self, evse: Evse, now: float) -> None:
        """Time-driven changes: the EV engaging, EVConnectionTimeOut, periodic and TxEnded samples."""
        if evse.engage_at is not None and now >= evse.engage_at:
            evse.engage_at = None
            if not (evse.ev_suspended and self._faults.active(F.EV_NOT_READY_UNREPORTED)):
                evse.ev_engaged = True
                self.evaluate(evse, "ChargingStateChanged")
        auth = evse.auth
        lapses = not self._faults.active(F.EV_CONNECTION_TIMEOUT_IGNORED)
        if auth is not None and auth.cable_deadline is not None and now >= auth.cable_deadline and lapses:
            self._cable_timeout(evse)
        tx = evse.tx
        if tx is None:
            return
        if invalid_id.cap_reached(evse):
            evse.evse_suspended = True
            self.evaluate(evse, "EnergyLimitReached")
        if tx.next_periodic is not None and now >= tx.next_periodic:
            interval = self._dm.get_int(dmc.TX_UPDATED_INTERVAL)
            tx.next_periodic = now + interval if interval > 0 else None
            self._periodic(evse, tx)
        if tx.next_ended_sample is not None and now >= tx.next_ended_sample:
            interval = self._dm.get_int(dmc.TX_ENDED_INTERVAL)
            tx.next_ended_sample = now + interval if interval > 0 else None
            self._keep_ended_sample(tx, self._sample(evse, dmc.TX_ENDED_MEASURANDS, "Sample.Periodic"))

    def _cable_timeout(self, evse: Evse) -> None:
        """E03.FR.05: no cable within EVConnectionTimeOut, the authorization lapses."""
        log.info("EVSE %d: no EV connected within EVConnectionTimeOut, authorization lapses", evse.id)
        evse.auth = None
        if evse.tx is not None:
            self.evaluate(evse, "EVConnectTimeout", stopped_reason="Timeout", force_update=True)

    def _periodic(self, evse: Evse, tx: Transaction) -> None:
        if self._no_meter or not self._outbox.has_room():
            return
        sample = self._sample(evse, dmc.TX_UPDATED_MEASURANDS, "Sample.Periodic")
        if sample is None:
            return
        self._send(evse, "Updated", "MeterValuePeriodic", meter_values=[sample])
        tx.periodic_samples += 1
        if tx.periodic_samples == 1 and self._faults.active(F.ENERGY_REGISTER_RESETS):
            evse.meter.register_offset_wh += ENERGY_DROP_WH

    @staticmethod
    def _keep_ended_sample(tx: Transaction, sample: dict[str, Any] | None) -> None:
        if sample is not None and len(tx.ended_samples) < MAX_ENDED_SAMPLES:
            tx.ended_samples.append(sample)

    def clock_aligned(self, evse: Evse, stamp: str, *, tx_data: bool, ended_data: bool) -> None:
        """A clock-aligned boundary during a transaction: MeterValueClock event and/or a TxEnded sample (J01)."""
        tx = evse.tx
        if tx is None:
            return
        sign = self.signer_for(evse, dmc.ALIGNED_SIGN_READINGS)
        if ended_data:
            measurands = self._dm.get_list(dmc.ALIGNED_TX_ENDED_MEASURANDS)
            self._keep_ended_sample(tx, meter_value(evse.meter, measurands, "Sample.Clock", stamp, sign))
        if not tx_data or self._no_meter or not self._outbox.has_room():
            return
        sample = meter_value(evse.meter, self._dm.get_list(dmc.ALIGNED_MEASURANDS), "Sample.Clock", stamp, sign)
        if sample is not None:
            self._send(evse, "Updated", "MeterValueClock", meter_values=[sample])
