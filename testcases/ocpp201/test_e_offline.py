"""Block E, Transactions: TransactionEvents queued while the station is offline (E11, E12) and GetTransactionStatus
while some are still queued (E14). Offline means the CSMS closed the connection and refuses reconnects."""

from __future__ import annotations

import asyncio
from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import states
from harness.ocpp.v201.offline import (
    backoff_wait_s,
    check_queued_updates,
    hold_transaction_events,
    offline,
    offline_configuration,
    queued_events,
    reconnected,
    refusal_s,
)
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, expect_transaction_event

BLOCK = "E Transactions"


async def _offline_while_charging(ctx: CaseContext, *, hold: bool) -> tuple[Transaction, int, Any, asyncio.Event]:
    """Configuration State, EnergyTransferStarted, then steps 1-2: offline for the back-off wait, then back."""
    wait = backoff_wait_s(ctx)
    await offline_configuration(ctx, wait)
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    release = hold_transaction_events(ctx) if hold else asyncio.Event()
    async with offline(ctx):
        since = len(ctx.csms.inbox)  # from here on the station is offline: nothing more arrives
        await asyncio.sleep(refusal_s(ctx, wait))
    back_at = await reconnected(ctx, wait)
    return tx, since, back_at, release


async def _status(ctx: CaseContext, transaction_id: str | None) -> dict[str, Any]:
    payload = {} if transaction_id is None else {"transactionId": transaction_id}
    answer = await ctx.csms.call("GetTransactionStatus", payload)
    return {"ongoingIndicator": answer.get("ongoingIndicator"), "messagesInQueue": answer.get("messagesInQueue")}


@ocpp201_case(
    "TC_E_40_CS", "Offline behaviour - queued transaction messages delivered after reconnect", BLOCK, ["E11"],
    ["E11.FR.01", "E11.FR.02", "E11.FR.06"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_40_CS(ctx: CaseContext) -> None:
    """Meter values sampled while offline are delivered after the reconnect as Updated events marked offline."""
    tx, since, back_at, _ = await _offline_while_charging(ctx, hold=False)
    check_queued_updates(await queued_events(ctx, tx, since, back_at), "step 3")


@ocpp201_case(
    "TC_E_29_CS", "Get transaction status - ongoing transaction with queued messages", BLOCK, ["E14"],
    ["E14.FR.02", "E14.FR.04"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_29_CS(ctx: CaseContext) -> None:
    """Right after the reconnect, GetTransactionStatus reports the transaction ongoing with messages queued."""
    tx, since, back_at, release = await _offline_while_charging(ctx, hold=True)
    try:
        answer = await _status(ctx, tx.transaction_id)
    finally:
        release.set()
    require_equal(answer["ongoingIndicator"], True, "step 4: GetTransactionStatusResponse ongoingIndicator")
    require_equal(answer["messagesInQueue"], True, "step 4: GetTransactionStatusResponse messagesInQueue")
    check_queued_updates(await queued_events(ctx, tx, since, back_at), "step 5")


@ocpp201_case(
    "TC_E_33_CS", "Get transaction status - without transactionId, messages queued", BLOCK, ["E14"],
    ["E14.FR.06", "E14.FR.07"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_33_CS(ctx: CaseContext) -> None:
    """Right after the reconnect, GetTransactionStatus without an id reports queued messages, no ongoingIndicator."""
    tx, since, back_at, release = await _offline_while_charging(ctx, hold=True)
    try:
        answer = await _status(ctx, None)
    finally:
        release.set()
    require(answer["ongoingIndicator"] is None, "step 4: ongoingIndicator must be omitted without a transactionId")
    require_equal(answer["messagesInQueue"], True, "step 4: GetTransactionStatusResponse messagesInQueue")
    check_queued_updates(await queued_events(ctx, tx, since, back_at), "step 5")


@ocpp201_case(
    "TC_E_31_CS", "Get transaction status - ended transaction with queued messages", BLOCK, ["E14"],
    ["E14.FR.03", "E14.FR.04"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_31_CS(ctx: CaseContext) -> None:
    """A transaction ended while offline: right after the reconnect it is not ongoing but has messages queued."""
    wait = backoff_wait_s(ctx) + int(ctx.cfg.transaction_duration_s)
    await offline_configuration(ctx, wait)
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    release = hold_transaction_events(ctx)
    async with offline(ctx):
        since = len(ctx.csms.inbox)  # from here on the station is offline: nothing more arrives
        if ctx.cfg.stop_authorization == "local":
            await ctx.dut.present_id_token(ctx.cfg.valid_id_token, tx.evse_id)
        await ctx.dut.unplug(tx.evse_id, tx.connector_id)
        await asyncio.sleep(refusal_s(ctx, wait))
    await reconnected(ctx, wait)
    try:
        answer = await _status(ctx, tx.transaction_id)
    finally:
        release.set()
    require_equal(answer["ongoingIndicator"], False, "step 2: GetTransactionStatusResponse ongoingIndicator")
    require_equal(answer["messagesInQueue"], True, "step 2: GetTransactionStatusResponse messagesInQueue")
    ended = await expect_transaction_event(
        ctx.csms, tx, "ending the transaction, delivered after the reconnect",
        extra=lambda r: r.index >= since and r.get("eventType") == "Ended",
    )  # fmt: skip
    require_equal(ended.get("offline"), True, "step 3: offline of the queued Ended event")


@ocpp201_case(
    "TC_E_44_CS", "Offline behaviour - transaction stopped while offline", BLOCK, ["E08"],
    ["E08.FR.01", "E08.FR.04", "E08.FR.05", "E08.FR.06", "E08.FR.07", "E08.FR.08"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_44_CS(ctx: CaseContext) -> None:
    """A transaction stopped and unplugged while offline is reported after the reconnect: all offline, one Ended."""
    wait = backoff_wait_s(ctx)
    await offline_configuration(ctx, wait)
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    async with offline(ctx):
        since = len(ctx.csms.inbox)  # from here on the station is offline: nothing more arrives
        await ctx.dut.present_id_token(ctx.cfg.valid_id_token, tx.evse_id)
        await ctx.dut.unplug(tx.evse_id, tx.connector_id)
        await asyncio.sleep(refusal_s(ctx, wait))
    await reconnected(ctx, wait)
    await expect_transaction_event(
        ctx.csms, tx, "ending the transaction, delivered after the reconnect",
        extra=lambda r: r.index >= since and r.get("eventType") == "Ended",
    )  # fmt: skip
    queued = [e for e in tx.events if e.index >= since]
    queued += [
        r for r in ctx.csms.history("TransactionEvent")
        if r.index >= since and r.get("transactionInfo.transactionId") == tx.transaction_id and r not in queued
    ]  # fmt: skip
    for event in queued:
        require_equal(event.get("offline"), True, f"step 3: offline of {event.describe()}")
