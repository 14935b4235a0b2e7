"""Block E, Transactions: whole transactions and stops authorized while offline (E08, E12), and local starts with
DisableRemoteAuthorization (C01, E03)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require
from harness.ocpp.messages import Received
from harness.ocpp.v201.authorization_steps import answer_group, charging_by_group_member
from harness.ocpp.v201.local_list import LIST_VERSION
from harness.ocpp.v201.offline import offline, reconnected
from harness.ocpp.v201.offline_auth import (
    declares_cache,
    declares_local_list,
    known_locally,
    offline_timers,
    queued_events,
    require_all_offline,
)
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.reservation_steps import second_token
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, expect_transaction_event

BLOCK = "E Transactions"


async def _ended_after_reconnect(ctx: CaseContext, tx: Transaction, wait_s: int, since: int) -> Received:
    """The queued Ended event: once it arrived every event queued before it has been delivered too."""
    if not tx.started:  # started offline: its Started event names the EVSE, the later ones its transactionId
        await expect_transaction_event(
            ctx.csms, tx, "started offline, delivered after the reconnect",
            timeout=ctx.timing.message_timeout_s + wait_s,
        )  # fmt: skip
    return await expect_transaction_event(
        ctx.csms, tx, "ending the transaction, delivered after the reconnect",
        timeout=ctx.timing.message_timeout_s + wait_s,
        extra=lambda r: r.index >= since and r.get("eventType") == "Ended",
    )  # fmt: skip


@ocpp201_case(
    "TC_E_43_CS", "Offline behaviour - transaction during the offline period", BLOCK, ["E12"],
    ["E12.FR.01", "E12.FR.02", "E12.FR.06"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_43_CS(ctx: CaseContext) -> None:
    """A transaction started and ended while offline is delivered afterwards: Started to Ended, all offline."""
    token = ctx.cfg.valid_id_token
    # Memory state TransactionEventsInQueueEnded.
    await configure_if_implemented(ctx.csms, [("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true")])
    await known_locally(ctx, token)
    async with offline_timers(ctx) as wait_s:
        tx = ctx.new_transaction()
        since = len(ctx.csms.inbox)
        async with offline(ctx):
            await ctx.dut.plug_in(tx.evse_id, tx.connector_id)
            await ctx.dut.present_id_token(token, tx.evse_id)
            await ctx.dut.present_id_token(token, tx.evse_id)
            await ctx.dut.unplug(tx.evse_id, tx.connector_id)
        back_at = await reconnected(ctx, wait_s)
        await _ended_after_reconnect(ctx, tx, wait_s, since)
    queued = queued_events(ctx, tx, since, back_at)
    require_all_offline(queued, "step 2")
    require(any(e.get("eventType") == "Started" for e in queued), "step 2: no queued TransactionEvent Started")


@ocpp201_case(
    "TC_E_45_CS", "Offline behaviour - stopped offline by an idToken of the same GroupId", BLOCK, ["E08"],
    ["E08.FR.02", "E08.FR.04", "E08.FR.05", "E08.FR.06", "E08.FR.07", "E08.FR.08"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_45_CS(ctx: CaseContext) -> None:
    """Offline, a second idToken of the same GroupId (known from the cache or the local list) stops the transaction;
    the events are delivered afterwards, all offline, with the Ended one."""
    other = second_token(ctx)
    group = answer_group(ctx, {ctx.cfg.valid_id_token.id_token: "Accepted", other.id_token: "Accepted"})
    await known_locally(ctx, other, group)
    async with offline_timers(ctx) as wait_s:
        tx = ctx.new_transaction()
        await charging_by_group_member(ctx, tx)
        since = len(ctx.csms.inbox)
        async with offline(ctx):
            await ctx.dut.present_id_token(other, tx.evse_id)
            await ctx.dut.unplug(tx.evse_id, tx.connector_id)
        back_at = await reconnected(ctx, wait_s)
        await _ended_after_reconnect(ctx, tx, wait_s, since)
    queued = queued_events(ctx, tx, since, back_at)
    require_all_offline(queued, "step 3")
    # The purpose of the case: the group member's idToken, not the unplugging, stopped the transaction.
    stopped = [e for e in queued if e.get("triggerReason") == "StopAuthorized"]
    require(bool(stopped), "step 3: no queued TransactionEvent StopAuthorized for the group member's idToken")


@ocpp201_case(
    "TC_E_52_CS", "Local start - DisableRemoteAuthorization, idToken not known locally", BLOCK, ["E03", "C01"],
    ["C01.FR.02", "C01.FR.05"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_52_CS(ctx: CaseContext) -> None:
    """With DisableRemoteAuthorization an idToken in neither the cache nor the local list is refused without an
    AuthorizeRequest."""
    token = ctx.cfg.valid_id_token
    await configure_if_implemented(ctx.csms, [("AuthCtrlr", "Enabled", "true")])
    await configure(ctx.csms, [("AuthCtrlr", "DisableRemoteAuthorization", "true")])
    # Memory state: no configured valid idToken in the cache or in the local list.
    if declares_cache(ctx):
        await ctx.csms.call("ClearCache", {})  # Rejected only while the cache is off, when it holds nothing to use
    if declares_local_list(ctx):  # an empty Full list (Failed while the list is off, when it holds nothing to use)
        await ctx.csms.call("SendLocalList", {"versionNumber": LIST_VERSION, "updateType": "Full"})
    await ctx.dut.present_id_token(token, ctx.cfg.evse_id)

    def authorizes(received: Received) -> bool:
        return received.action == "Authorize" or received.get("idToken") is not None

    await ctx.csms.expect_none(
        ("Authorize", "TransactionEvent"), authorizes, during=ctx.timing.absence_s,
        what="(an AuthorizeRequest, or a transaction for the idToken) with DisableRemoteAuthorization true",
    )  # fmt: skip
