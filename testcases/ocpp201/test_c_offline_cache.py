"""Block C, Authorization: a transaction started offline from the authorization cache, refused once online (C12)."""

from __future__ import annotations

import asyncio

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.auth_cache import cache_configuration, token_cached
from harness.ocpp.v201.authorization_steps import answer_status, offline_reconnect_configuration
from harness.ocpp.v201.offline import offline, reconnected
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure

BLOCK = "C Authorization"


async def _offline_start_then_invalid(ctx: CaseContext) -> list[Received]:
    """Steps 1-4: offline, the cached valid idToken starts charging; back online the CSMS calls it Invalid.

    Returns the TransactionEvents of the EVSE sent from the offline start until the station reacted (Deauthorized).
    """
    token = ctx.cfg.valid_id_token
    await cache_configuration(ctx)
    wait_s = await offline_reconnect_configuration(ctx)
    await configure(ctx.csms, [("TxCtrlr", "StopTxOnInvalidId", "true")])
    await token_cached(ctx, token, "Accepted")
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    ctx.csms.respond("TransactionEvent", answer_status("Invalid"))
    first = len(ctx.csms.history("TransactionEvent"))
    async with offline(ctx):
        await ctx.dut.present_id_token(token, tx.evse_id)
        await asyncio.sleep(ctx.cfg.transaction_duration_s)  # let the energy transfer start while offline
    await reconnected(ctx, wait_s)

    def deauthorized(received: Received) -> bool:
        return bool(
            received.get("triggerReason") == "Deauthorized" and received.get("evse.id", tx.evse_id) == tx.evse_id
        )

    await ctx.csms.expect(
        "TransactionEvent", deauthorized, timeout=ctx.timing.message_timeout_s + wait_s,
        what="with triggerReason Deauthorized after the Invalid answer",
    )  # fmt: skip
    return ctx.csms.history("TransactionEvent")[first:]


def _require_offline_start(events: list[Received], step: str) -> None:
    """Step 3: the charging state change (and the authorization, if sent) queued while offline, marked offline."""
    changed = [e for e in events if e.get("triggerReason") == "ChargingStateChanged" and e.get("offline") is True]
    require(bool(changed), f"{step}: no TransactionEvent ChargingStateChanged marked offline")
    for event in events:
        if event.get("triggerReason") == "Authorized":
            require_equal(event.get("offline"), True, f"{step}: offline of the Authorized TransactionEvent")


@ocpp201_case(
    "TC_C_16_CS", "Authorization cache offline - StopTxOnInvalidId true", BLOCK, ["C12"], ["C12.FR.02", "C12.FR.04"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_16_CS(ctx: CaseContext) -> None:
    """Started offline from the cache, the transaction is deauthorized and stops charging once the CSMS says Invalid."""
    events = await _offline_start_then_invalid(ctx)
    _require_offline_start(events, "step 3")
    deauthorized = next(e for e in events if e.get("triggerReason") == "Deauthorized")
    stopped = (
        deauthorized.get("eventType") == "Ended" or deauthorized.get("transactionInfo.chargingState") != "Charging"
    )
    require(stopped, "post scenario: energy still flows after the Deauthorized TransactionEvent")
