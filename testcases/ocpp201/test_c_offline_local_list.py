"""Block C, Authorization: offline authorization by the Local Authorization List (C13), before the cache (C14)."""

from __future__ import annotations

import asyncio

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.auth_cache import cache_configuration, token_cached
from harness.ocpp.v201.authorization_steps import offline_reconnect_configuration
from harness.ocpp.v201.local_list import local_list_enabled, token_in_local_list
from harness.ocpp.v201.offline import offline, reconnected
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure

BLOCK = "C Authorization"


@ocpp201_case(
    "TC_C_21_CS", "Offline authorization through the local list - Accepted", BLOCK, ["C13"], ["C13.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_21_CS(ctx: CaseContext) -> None:
    """Offline, an idToken Accepted in the local list starts a transaction; its events follow, marked offline."""
    token = ctx.cfg.valid_id_token
    await local_list_enabled(ctx.csms, pre_authorize=True)
    wait_s = await offline_reconnect_configuration(ctx)
    await token_in_local_list(ctx.csms, [(token, "Accepted")])
    evse_id, connector_id = ctx.cfg.evse_id, ctx.cfg.connector_id
    # Reusable state StartOfflineTransaction.
    async with offline(ctx):
        await ctx.dut.present_id_token(token, evse_id)
        await ctx.dut.plug_in(evse_id, connector_id)
    await reconnected(ctx, wait_s)
    started = await ctx.csms.expect(
        "TransactionEvent", lambda r: r.get("evse.id") == evse_id and r.get("eventType") == "Started",
        timeout=ctx.timing.message_timeout_s + wait_s, what="started offline, delivered after the reconnect",
    )  # fmt: skip
    transaction_id = started.get("transactionInfo.transactionId")
    await ctx.dut.present_id_token(token, evse_id)
    await ctx.dut.unplug(evse_id, connector_id)

    def of_transaction(received: Received) -> bool:
        return bool(received.get("transactionInfo.transactionId") == transaction_id)

    stop = await ctx.csms.expect(
        "TransactionEvent", lambda r: of_transaction(r) and r.get("triggerReason") == "StopAuthorized",
        what="with triggerReason StopAuthorized after the idToken was presented again",
    )  # fmt: skip
    before = [r for r in ctx.csms.history("TransactionEvent") if of_transaction(r) and r.index < stop.index]
    require(bool(before), "step 1: no TransactionEvent of the offline start came before the StopAuthorized one")
    for event in before:
        require_equal(event.get("offline"), True, f"step 1: offline of {event.describe()} sent before the stop")


@ocpp201_case(
    "TC_C_25_CS", "Offline authorization - local list before the cache", BLOCK, ["C13", "C14"],
    ["C13.FR.01", "C14.FR.01"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_25_CS(ctx: CaseContext) -> None:
    """Offline, an idToken Accepted in the cache but Invalid in the local list starts no transaction."""
    token = ctx.cfg.valid_id_token
    await local_list_enabled(ctx.csms, pre_authorize=True)
    await cache_configuration(ctx)
    wait_s = await offline_reconnect_configuration(ctx)
    await configure(
        ctx.csms, [("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true"), ("TxCtrlr", "StopTxOnInvalidId", "false")]
    )
    await token_cached(ctx, token, "Accepted")
    await token_in_local_list(ctx.csms, [(token, "Invalid")])
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    async with offline(ctx):
        await ctx.dut.present_id_token(token, tx.evse_id)
        await asyncio.sleep(ctx.cfg.transaction_duration_s)
    await reconnected(ctx, wait_s)
    await ctx.csms.expect_none(
        "TransactionEvent", during=ctx.timing.absence_s,
        what="after an idToken the local list holds Invalid was presented offline",
    )  # fmt: skip
