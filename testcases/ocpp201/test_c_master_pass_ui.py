"""Block C, Authorization: the master pass of a station with a user interface (C16.FR.01), where the holder
chooses on the station's menu to stop every transaction or one of them."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.config import IdTokenSpec
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.authorization_steps import authorize_request
from harness.ocpp.v201.master_pass import charging_on_evses, check_master_stop, configured_master_pass, stops
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, expect_transaction_event

BLOCK = "C Authorization"
NEEDS = ["local_authorization"]


async def _master_pass_presented(ctx: CaseContext) -> tuple[IdTokenSpec, list[Transaction]]:
    """Preconditions and steps 1-2: MasterPassGroupId configured, charging on every EVSE, the master pass presented
    and authorized as a member of that group."""
    token = await configured_master_pass(ctx)
    transactions = await charging_on_evses(ctx)
    await ctx.dut.present_id_token(token, transactions[0].evse_id)
    await authorize_request(ctx, token, "step 1")
    return token, transactions


async def _stopped_by_master_pass(ctx: CaseContext, tx: Transaction, token: IdTokenSpec) -> None:
    """Step 3 for one EVSE, then EVConnectedPostSession and EVDisconnected (no vehicle entered the parking
    bay: ParkingBayUnoccupied has nothing to wait for)."""
    stop = await expect_transaction_event(ctx.csms, tx, "after the master pass menu choice", extra=stops)
    check_master_stop(stop, token, "step 3")
    tx.authorized = False
    await states.ev_connected_post_session(ctx, tx, stop)
    await states.ev_disconnected(ctx, tx, transaction_ended=stop.get("eventType") == "Ended")


@ocpp201_case(
    "TC_C_47_CS", "Master pass with UI - stop all transactions", BLOCK, ["C16"], ["C16.FR.01"], needs=NEEDS,
)  # fmt: skip
async def test_TC_C_47_CS(ctx: CaseContext) -> None:
    """Choosing 'stop all' on the menu a master pass opened ends the transaction on every EVSE (MasterPass)."""
    token, transactions = await _master_pass_presented(ctx)
    await ctx.dut.master_pass_choice(None)
    for tx in transactions:
        await _stopped_by_master_pass(ctx, tx, token)


@ocpp201_case(
    "TC_C_48_CS", "Master pass with UI - stop one chosen transaction", BLOCK, ["C16"], ["C16.FR.01"], needs=NEEDS,
)  # fmt: skip
async def test_TC_C_48_CS(ctx: CaseContext) -> None:
    """Choosing EVSE 1 on the menu a master pass opened ends only that transaction; the others keep charging."""
    token, transactions = await _master_pass_presented(ctx)
    chosen, others = transactions[0], transactions[1:]
    await ctx.dut.master_pass_choice(chosen.evse_id)
    await _stopped_by_master_pass(ctx, chosen, token)

    def stops_another(received: Received) -> bool:
        mine = any(tx.is_mine()(received) for tx in others)
        charging = received.get("transactionInfo.chargingState") in (None, "Charging")
        return mine and (stops(received) or not charging)

    # Post scenario: every event since the case began counts, so a stop sent before this point is caught too.
    await ctx.csms.expect_none(
        "TransactionEvent", stops_another, during=ctx.timing.absence_s,
        what="stopping or suspending a transaction that was not chosen on the master pass menu",
    )  # fmt: skip
