"""Block C, Authorization: the master pass of a station without a user interface (C16)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.auth_cache import cache_configuration, token_cached
from harness.ocpp.v201.authorization_steps import authorize_count, authorize_request, require_no_authorize
from harness.ocpp.v201.master_pass import charging_on_evses, check_master_stop, configured_master_pass, stops
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_transaction_event

BLOCK = "C Authorization"


@ocpp201_case(
    "TC_C_45_CS", "Master pass - cannot start a transaction", BLOCK, ["C09"], ["C16.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_45_CS(ctx: CaseContext) -> None:
    """A master pass idToken is Accepted by the CSMS but authorizes no charging."""
    start = set(ctx.tx_start_point)
    if not start & {"Authorized", "PowerPathClosed"} or start & {"EVConnected", "ParkingBayOccupancy"}:
        await configure(ctx.csms, [("TxCtrlr", "TxStartPoint", "PowerPathClosed")])
        ctx.tx_start_point = ["PowerPathClosed"]
    token = await configured_master_pass(ctx)
    tx = ctx.new_transaction()
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorize_request(ctx, token, "step 1")
    await states.ev_connected_pre_session(ctx, tx)

    def charges_or_authorizes(received: Received) -> bool:
        charging = received.get("transactionInfo.chargingState") == "Charging"
        trigger = received.get("triggerReason")
        return bool((charging and trigger == "ChargingStateChanged") or trigger == "Authorized")

    await ctx.csms.expect_none(
        "TransactionEvent", charges_or_authorizes, during=ctx.timing.absence_s,
        what="authorizing or charging after a master pass idToken",
    )  # fmt: skip


@ocpp201_case(
    "TC_C_49_CS", "Master pass without UI - stop all transactions", BLOCK, ["C16"], ["C16.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_49_CS(ctx: CaseContext) -> None:
    """A master pass idToken stops the transaction on EVSE 1 (and EVSE 2) with stoppedReason MasterPass."""
    token = await configured_master_pass(ctx)
    transactions = await charging_on_evses(ctx, limit=2)
    await ctx.dut.present_id_token(token, transactions[0].evse_id)
    await authorize_request(ctx, token, "step 1")
    for tx in transactions:
        stop = await expect_transaction_event(ctx.csms, tx, "after the master pass", extra=stops)
        check_master_stop(stop, token, "step 3")
        tx.authorized = False
        await states.ev_connected_post_session(ctx, tx, stop)
        await states.ev_disconnected(ctx, tx, transaction_ended=stop.get("eventType") == "Ended")


@ocpp201_case(
    "TC_C_14_CS", "Authorization cache - master pass group", BLOCK, ["C12"], ["C12.FR.09", "C16.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_14_CS(ctx: CaseContext) -> None:
    """A master pass idToken found in the cache stops the running transaction without asking the CSMS."""
    await cache_configuration(ctx)
    token = await configured_master_pass(ctx)
    await token_cached(ctx, token, "Accepted", authorizes=False)
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    before = authorize_count(ctx)
    await ctx.dut.present_id_token(token, tx.evse_id)
    stop = await expect_transaction_event(ctx.csms, tx, "after the cached master pass", extra=stops)
    require_equal(stop.get("triggerReason"), "StopAuthorized", "step 2: TransactionEvent triggerReason")
    require_equal(stop.get("idToken"), token.as_ocpp(), "step 2: TransactionEvent idToken")
    if stop.get("eventType") == "Ended":
        check_master_stop(stop, token, "step 2")
    else:  # steps 3-4 only while the transaction still runs
        tx.authorized = False
        await states.ev_connected_post_session(ctx, tx, stop)
        await states.ev_disconnected(ctx, tx, transaction_ended=False)
    require_no_authorize(ctx, "for a master pass idToken held in the authorization cache", before)
