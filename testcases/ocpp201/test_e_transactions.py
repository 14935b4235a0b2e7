"""Block E, Transactions: start and stop sequences (E01-E03, E06, E07) and their TransactionEvents."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_connector, expect_transaction_event

BLOCK = "E Transactions"
AUTH_ENABLED = [("AuthCtrlr", "Enabled", "true")]


@ocpp201_case(
    "TC_E_09_CS", "Start transaction options - EVConnected", BLOCK, ["E01"],
    ["E01.FR.02", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_09_CS(ctx: CaseContext) -> None:
    """With TxStartPoint EVConnected, plugging in starts the transaction (Started, CablePluggedIn, evse)."""
    await configure(ctx.csms, [("TxCtrlr", "TxStartPoint", "EVConnected")])
    ctx.tx_start_point = ["EVConnected"]
    tx = ctx.new_transaction()
    await ctx.dut.plug_in(tx.evse_id, tx.connector_id)
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Occupied")
    event = await expect_transaction_event(ctx.csms, tx, "started by plugging in")
    require_equal(event.get("eventType"), "Started", "step 3: eventType")
    require_in(event.get("triggerReason"), ("CablePluggedIn", "ChargingStateChanged"), "step 3: triggerReason")
    require(event.get("evse") is not None, "step 3: the Started event must name the evse")
    require_equal(event.get("seqNo"), 0, "step 3: seqNo of the first event of the transaction")


@ocpp201_case(
    "TC_E_03_CS", "Local start transaction - cable plugged in first", BLOCK, ["E02", "C01"],
    ["E02.FR.01", "E02.FR.05", "E02.FR.06", "E02.FR.07", "E02.FR.13", "E02.FR.15", "E02.FR.16", "E02.FR.17",
     "E01.FR.16", "C01.FR.02", "C02.FR.01", "C06.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_03_CS(ctx: CaseContext) -> None:
    """EV connected first, then the valid idToken: the transaction starts and energy flows."""
    await configure(ctx.csms, AUTH_ENABLED)
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await states.authorized(ctx, tx, "local")
    await states.energy_transfer_started(ctx, tx)


@ocpp201_case(
    "TC_E_04_CS", "Local start transaction - authorization first", BLOCK, ["E03", "C01"],
    ["E03.FR.01", "E03.FR.06", "E03.FR.12", "E01.FR.16", "C01.FR.02", "C02.FR.01", "C06.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_04_CS(ctx: CaseContext) -> None:
    """The valid idToken first, then the EV: the transaction starts and energy flows."""
    await configure(ctx.csms, AUTH_ENABLED)
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx, "local")
    await states.energy_transfer_started(ctx, tx)


@ocpp201_case(
    "TC_E_06_CS", "Local stop transaction - Accepted", BLOCK, ["E07", "C01"], ["E07.FR.04", "E06.FR.15", "C01.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_06_CS(ctx: CaseContext) -> None:
    """Presenting the same idToken again stops the transaction; unplugging then frees the connector."""
    await configure(ctx.csms, AUTH_ENABLED)
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    stop = await states.stop_authorized(ctx, tx, "local")
    post = await states.ev_connected_post_session(ctx, tx, stop)
    ended = post.get("eventType") == "Ended" or stop.get("eventType") == "Ended"
    last = await states.ev_disconnected(ctx, tx, transaction_ended=ended)
    final = last or (stop if stop.get("eventType") == "Ended" else post)
    require_equal(final.get("eventType"), "Ended", "the last TransactionEvent of the transaction")
    require_in(final.get("transactionInfo.stoppedReason", "Local"), ("Local", "EVDisconnected"), "stoppedReason")
