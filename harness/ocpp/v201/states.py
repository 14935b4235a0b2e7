"""The reusable states of OCPP 2.0.1 Part 6 (§2.18) as plain async functions.

Each brings the station from the state before it to the named state, applying that state's tool validations, and
keeps what it learned in a `Transaction`. The choices the official tool leaves to its configuration (local or remote
authorization, TxStartPoint, TxStopPoint) come from the DUT profile's test configuration.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Literal

from harness.checks import require, require_equal, require_in
from harness.config import Dut, LabTiming, TestConfiguration
from harness.dut import DutActions
from harness.ocpp.channel import StationChannel
from harness.ocpp.messages import Received
from harness.ocpp.server import CsmsServer
from harness.ocpp.v201.steps import (
    Transaction,
    check_charging_state,
    check_trigger,
    expect_connector,
    expect_transaction_event,
    read_variable,
)
from harness.pki import Authority

_remote_start_ids = itertools.count(1000)


@dataclass
class CaseContext:
    """Everything a scenario needs: the CSMS role, the DUT's manual actions and the configured parameters."""

    csms: StationChannel
    dut: DutActions
    cfg: TestConfiguration
    timing: LabTiming
    profile: Dut
    tx_start_point: list[str] = field(default_factory=list)
    server: CsmsServer | None = None  # the CSMS's own server, for the security cases (TLS variants, handshakes)
    firmware_authority: Authority | None = None  # the manufacturer CA that signs firmware images (block L)

    def __post_init__(self) -> None:
        # A case may configure another start point; the states follow what the station is configured with now.
        self.tx_start_point = self.tx_start_point or list(self.cfg.tx_start_point)

    def new_transaction(self) -> Transaction:
        return Transaction(self.cfg.evse_id, self.cfg.connector_id)

    def connectors(self) -> list[tuple[int, int]]:
        return [(evse.id, connector.id) for evse in self.profile.evses for connector in evse.connectors]


async def booted(ctx: CaseContext, via: Literal["power_cycle", "reset"] = "power_cycle") -> Received:
    """Booted: power cycle (or Reset) → BootNotification Accepted → every connector Available → security event."""
    if via == "reset":
        answer = await ctx.csms.call("Reset", {"type": "Immediate"})
        require_equal(answer.get("status"), "Accepted", "ResetResponse status")
    else:
        await ctx.dut.power_cycle()
    return await boot_completes(ctx)


async def boot_completes(ctx: CaseContext, *, timeout: float | None = None) -> Received:
    """The part of Booted after the station restarted: BootNotification, every connector, the startup event."""
    limit = ctx.timing.boot_timeout_s if timeout is None else timeout
    boot = await ctx.csms.expect("BootNotification", timeout=limit, what="after the reboot")
    await all_connectors_reported(ctx, "Available")
    event = await ctx.csms.expect("SecurityEventNotification", what="after the boot")
    require_in(event.get("type"), ("StartupOfTheDevice", "ResetOrReboot"), "SecurityEventNotification type")
    return boot


async def all_connectors_reported(ctx: CaseContext, status: str) -> None:
    """Post-boot validation: a report of the state of every connector (StatusNotification or NotifyEvent)."""
    for evse_id, connector_id in ctx.connectors():
        await expect_connector(ctx.csms, evse_id, connector_id, status)


def _starts_at(ctx: CaseContext, tx: Transaction, point: str) -> bool:
    """Does reaching `point` start the transaction, given what already happened?"""
    start = set(ctx.tx_start_point)
    if point in start:
        return True
    # G05.FR.01: a cable that is not locked keeps the power path open.
    return "PowerPathClosed" in start and tx.ev_connected and tx.authorized and not tx.plug_unlocked


async def ev_connected_pre_session(ctx: CaseContext, tx: Transaction, *, unlocked: bool = False) -> None:
    """EVConnectedPreSession: plug in → connector Occupied → TransactionEvent when the plug starts/updates one.
    `unlocked`: the cable is not fully inserted, so the connector lock cannot engage (TC_G_20_CS)."""
    if unlocked:
        tx.plug_unlocked = True
        await ctx.dut.plug_in_unlocked(tx.evse_id, tx.connector_id)
    else:
        await ctx.dut.plug_in(tx.evse_id, tx.connector_id)
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Occupied")
    tx.ev_connected = True
    if tx.started or _starts_at(ctx, tx, "EVConnected"):
        was_started = tx.started
        event = await expect_transaction_event(ctx.csms, tx, "caused by plugging in the EV")
        require_equal(event.get("eventType"), "Updated" if was_started else "Started", "TransactionEvent eventType")
        check_trigger(event, ("CablePluggedIn", "ChargingStateChanged", "RemoteStart"), "EVConnectedPreSession")
        check_charging_state(event, ("EVConnected", "SuspendedEVSE", "Charging"), "EVConnectedPreSession")
        require_equal(event.get("evse.id"), tx.evse_id, "evse.id of the first event after plugging in")


async def authorized(ctx: CaseContext, tx: Transaction, how: Literal["local", "remote"] | None = None) -> None:
    """Authorized, by presenting the valid idToken (A) or by RequestStartTransaction (B)."""
    if (how or ctx.cfg.authorization) == "remote":
        await _authorized_remote(ctx, tx)
    else:
        await _authorized_local(ctx, tx)


async def _authorized_local(ctx: CaseContext, tx: Transaction) -> None:
    token = ctx.cfg.valid_id_token
    await ctx.dut.present_id_token(token, tx.evse_id)
    request = await ctx.csms.expect("Authorize", what="after presenting the valid idToken")
    require_equal(request.get("idToken"), token.as_ocpp(), "AuthorizeRequest idToken")
    tx.authorized = True
    if tx.started or _starts_at(ctx, tx, "Authorized"):
        event = await expect_transaction_event(ctx.csms, tx, "after the authorization")
        check_trigger(event, ("Authorized",), "Authorized (local)")
        require_equal(event.get("idToken"), token.as_ocpp(), "TransactionEvent idToken after the authorization")


async def _authorized_remote(ctx: CaseContext, tx: Transaction) -> None:
    token = ctx.cfg.valid_id_token
    tx.remote_start_id = next(_remote_start_ids)
    authorize_remote = await read_variable(ctx.csms, "AuthCtrlr", "AuthorizeRemoteStart")
    answer = await ctx.csms.call(
        "RequestStartTransaction",
        {"idToken": token.as_ocpp(), "evseId": tx.evse_id, "remoteStartId": tx.remote_start_id},
    )
    require_equal(answer.get("status"), "Accepted", "RequestStartTransactionResponse status")
    if tx.started:
        require_equal(answer.get("transactionId"), tx.transaction_id, "RequestStartTransactionResponse transactionId")
    if authorize_remote == "true":
        request = await ctx.csms.expect("Authorize", what="after RequestStartTransaction")
        require_equal(request.get("idToken"), token.as_ocpp(), "AuthorizeRequest idToken")
    tx.authorized = True
    if tx.started or _starts_at(ctx, tx, "Authorized"):
        await expect_remote_start_event(ctx, tx)


async def expect_remote_start_event(ctx: CaseContext, tx: Transaction) -> Received:
    """The first event after RequestStartTransaction: RemoteStart with the remoteStartId (a general rule)."""
    event = await expect_transaction_event(ctx.csms, tx, "after RequestStartTransaction")
    check_trigger(event, ("RemoteStart",), "Authorized (remote)")
    require_equal(event.get("transactionInfo.remoteStartId"), tx.remote_start_id, "transactionInfo.remoteStartId")
    require_equal(event.get("idToken"), ctx.cfg.valid_id_token.as_ocpp(), "TransactionEvent idToken")
    return event


async def energy_transfer_started(ctx: CaseContext, tx: Transaction) -> Received:
    """EnergyTransferStarted: connect the EV if needed, then the station reports chargingState Charging."""
    if not tx.authorized:
        await authorized(ctx, tx)
    if not tx.ev_connected:
        was_started = tx.started
        await ctx.dut.plug_in(tx.evse_id, tx.connector_id)
        await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Occupied")
        tx.ev_connected = True
        if was_started or _starts_at(ctx, tx, "EVConnected"):
            event = await expect_transaction_event(ctx.csms, tx, "caused by plugging in the EV")
            if tx.remote_start_id is not None and not was_started:
                check_trigger(event, ("RemoteStart", "CablePluggedIn"), "EnergyTransferStarted")
            else:
                check_trigger(event, ("CablePluggedIn", "ChargingStateChanged"), "EnergyTransferStarted")
            require_equal(event.get("evse.id"), tx.evse_id, "evse.id of the first event after plugging in")
            if not was_started and tx.remote_start_id is None:
                require_equal(event.get("idToken"), ctx.cfg.valid_id_token.as_ocpp(), "idToken of the first event")
            if event.get("transactionInfo.chargingState") == "Charging":
                return event
    charging = await expect_transaction_event(
        ctx.csms, tx, "with chargingState Charging",
        extra=lambda r: r.get("transactionInfo.chargingState") == "Charging",
    )  # fmt: skip
    check_trigger(
        charging, ("ChargingStateChanged", "CablePluggedIn", "Authorized", "RemoteStart"), "EnergyTransferStarted"
    )
    return charging


def _suspension_reported(received: Received) -> bool:
    state = received.get("transactionInfo.chargingState")
    return received.get("eventType") == "Ended" or state in ("EVConnected", "SuspendedEV")


async def energy_transfer_suspended(ctx: CaseContext, tx: Transaction) -> Received:
    """EnergyTransferSuspended: after the transaction duration the EV stops taking energy (SuspendedEV, or the
    transaction ends when TxStopPoint has EnergyTransfer)."""
    await asyncio.sleep(ctx.cfg.transaction_duration_s)
    await ctx.dut.ev_suspend(tx.evse_id)
    event = await expect_transaction_event(
        ctx.csms, tx, "after the EV suspended the energy transfer", extra=_suspension_reported
    )
    require_in(event.get("eventType"), ("Updated", "Ended"), "EnergyTransferSuspended: eventType")
    check_charging_state(event, ("EVConnected", "SuspendedEV"), "EnergyTransferSuspended")
    if event.get("transactionInfo.chargingState") == "SuspendedEV":
        check_trigger(event, ("ChargingStateChanged",), "EnergyTransferSuspended")
    if event.get("eventType") == "Ended":
        reason = event.get("transactionInfo.stoppedReason")
        require_equal(reason, "StoppedByEV", "EnergyTransferSuspended: stoppedReason")
    return event


async def stop_authorized(ctx: CaseContext, tx: Transaction, how: Literal["local", "remote"] | None = None) -> Received:
    """StopAuthorized: after the transaction duration, stop by presenting the same idToken (A) or remotely (B)."""
    await asyncio.sleep(ctx.cfg.transaction_duration_s)
    if (how or ctx.cfg.stop_authorization) == "remote":
        answer = await ctx.csms.call("RequestStopTransaction", {"transactionId": tx.transaction_id})
        require_equal(answer.get("status"), "Accepted", "RequestStopTransactionResponse status")
        event = await expect_transaction_event(ctx.csms, tx, "after RequestStopTransaction")
        check_trigger(event, ("RemoteStop",), "StopAuthorized (remote)")
    else:
        await ctx.dut.present_id_token(ctx.cfg.valid_id_token, tx.evse_id)
        event = await expect_transaction_event(ctx.csms, tx, "after presenting the idToken again")
        check_trigger(event, ("StopAuthorized",), "StopAuthorized (local)")
        token = event.get("idToken")
        require(token is None or token == ctx.cfg.valid_id_token.as_ocpp(), f"idToken {token} is not the one used")
        if event.get("eventType") == "Ended":
            require_in(event.get("transactionInfo.stoppedReason", "Local"), ("Local",), "stoppedReason")
    tx.authorized = False
    return event


async def ev_connected_post_session(ctx: CaseContext, tx: Transaction, stop_event: Received) -> Received:
    """EVConnectedPostSession: energy transfer stopped, the EV still connected (chargingState EVConnected)."""
    if stop_event.get("transactionInfo.chargingState") == "EVConnected":
        return stop_event
    event = await expect_transaction_event(
        ctx.csms, tx, "with chargingState EVConnected",
        extra=lambda r: r.get("transactionInfo.chargingState") == "EVConnected",
    )  # fmt: skip
    check_trigger(event, ("ChargingStateChanged", "StopAuthorized", "RemoteStop"), "EVConnectedPostSession")
    return event


async def ev_disconnected(ctx: CaseContext, tx: Transaction, transaction_ended: bool) -> Received | None:
    """EVDisconnected: unplug → connector Available → the transaction ends if it had not already."""
    await ctx.dut.unplug(tx.evse_id, tx.connector_id)
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Available")
    tx.ev_connected = False
    if transaction_ended:
        return None
    event = await expect_transaction_event(ctx.csms, tx, "after unplugging the EV")
    check_trigger(event, ("EVCommunicationLost",), "EVDisconnected")
    check_charging_state(event, ("Idle",), "EVDisconnected")
    return event
