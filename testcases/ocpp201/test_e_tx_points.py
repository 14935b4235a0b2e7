"""Block E, Transactions: where a transaction starts (TxStartPoint, E01) and where it stops (TxStopPoint, E06)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.ocpp.v201 import states
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_connector, expect_transaction_event
from harness.verdict import Nonconformity

BLOCK = "E Transactions"


async def _start_point(ctx: CaseContext, point: str) -> None:
    """Configuration State: TxStartPoint is `point` (Part 6 sets it when ReadWrite; C-51 declares that)."""
    await configure(ctx.csms, [("TxCtrlr", "TxStartPoint", point)])
    ctx.tx_start_point = [point]


async def _stop_point(ctx: CaseContext, point: str) -> None:
    await configure(ctx.csms, [("TxCtrlr", "TxStopPoint", point)])


async def _authorization_on(ctx: CaseContext) -> None:
    await configure_if_implemented(
        ctx.csms, [("AuthCtrlr", "Enabled", "true"), ("AuthCtrlr", "DisableRemoteAuthorization", "false")]
    )


@ocpp201_case(
    "TC_E_01_CS", "Start transaction options - PowerPathClosed", BLOCK, ["E01"],
    ["E01.FR.05", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"],
)  # fmt: skip
async def test_TC_E_01_CS(ctx: CaseContext) -> None:
    """With TxStartPoint PowerPathClosed, an authorized EVSE starts the transaction when the EV is plugged in."""
    await _start_point(ctx, "PowerPathClosed")
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    require(not tx.started, "the transaction started at the authorization, before the power path closed")
    await states.ev_connected_pre_session(ctx, tx)
    require(tx.started, "no transaction started when the power path closed")


@ocpp201_case(
    "TC_E_02_CS", "Start transaction options - EnergyTransfer", BLOCK, ["E01"],
    ["E01.FR.06", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"],
)  # fmt: skip
async def test_TC_E_02_CS(ctx: CaseContext) -> None:
    """With TxStartPoint EnergyTransfer, the Started event comes with chargingState Charging, after the plug-in."""
    await _start_point(ctx, "EnergyTransfer")
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    await ctx.dut.plug_in(tx.evse_id, tx.connector_id)
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Occupied")
    event = await expect_transaction_event(ctx.csms, tx, "when energy starts to flow")
    require_equal(event.get("eventType"), "Started", "step 3: eventType")
    allowed = ("RemoteStart",) if tx.remote_start_id is not None else ("ChargingStateChanged", "Authorized")
    require_in(event.get("triggerReason"), allowed, "step 3: triggerReason")
    require_equal(event.get("idToken"), ctx.cfg.valid_id_token.as_ocpp(), "step 3: idToken")
    require(event.get("evse.connectorId") is not None, "step 3: the Started event must name evse and connectorId")
    require_equal(event.get("transactionInfo.chargingState"), "Charging", "step 3: transactionInfo.chargingState")


@ocpp201_case(
    "TC_E_10_CS", "Start transaction options - Authorized, local", BLOCK, ["E01", "C01"],
    ["E01.FR.03", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16", "C01.FR.02", "C02.FR.01", "C06.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_10_CS(ctx: CaseContext) -> None:
    """With TxStartPoint Authorized, presenting the valid idToken starts the transaction (no EV needed)."""
    await _start_point(ctx, "Authorized")
    await _authorization_on(ctx)
    tx = ctx.new_transaction()
    token = ctx.cfg.valid_id_token
    await ctx.dut.present_id_token(token, tx.evse_id)
    request = await ctx.csms.expect("Authorize", what="after presenting the valid idToken")
    require_equal(request.get("idToken"), token.as_ocpp(), "step 1: AuthorizeRequest idToken")
    event = await expect_transaction_event(ctx.csms, tx, "after the authorization")
    require_equal(event.get("eventType"), "Started", "step 3: eventType")
    require_equal(event.get("triggerReason"), "Authorized", "step 3: triggerReason")
    require_equal(event.get("idToken"), token.as_ocpp(), "step 3: idToken")


@ocpp201_case(
    "TC_E_13_CS", "Start transaction options - Authorized, remote", BLOCK, ["E01", "F01"],
    ["E01.FR.03", "E01.FR.07", "E01.FR.10", "F01.FR.01"], needs=["remote_start_stop"],
)  # fmt: skip
async def test_TC_E_13_CS(ctx: CaseContext) -> None:
    """With TxStartPoint Authorized, RequestStartTransaction starts the transaction (RemoteStart, remoteStartId)."""
    await _start_point(ctx, "Authorized")
    await _authorization_on(ctx)
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx, "remote")
    require(tx.started, "no transaction started after RequestStartTransaction")


@ocpp201_case(
    "TC_E_14_CS", "Stop transaction options - EVConnected, cable unplugged at the station", BLOCK, ["E06"],
    ["E06.FR.02", "E06.FR.15"],
)  # fmt: skip
async def test_TC_E_14_CS(ctx: CaseContext) -> None:
    """With TxStopPoint EVConnected only, the transaction outlives the stop and ends when the EV is unplugged."""
    await _stop_point(ctx, "EVConnected")
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    stop = await states.stop_authorized(ctx, tx)
    post = await states.ev_connected_post_session(ctx, tx, stop)
    if "Ended" in (stop.get("eventType"), post.get("eventType")):
        raise Nonconformity("E06.FR.02: with TxStopPoint EVConnected the transaction ended before the EV left")
    ended = await states.ev_disconnected(ctx, tx, transaction_ended=False)
    assert ended is not None  # ev_disconnected returns the event of a transaction that had not ended
    require_equal(ended.get("eventType"), "Ended", "step 3: eventType")
    reason = ended.get("transactionInfo.stoppedReason")
    if ctx.cfg.stop_authorization == "remote":
        require_equal(reason, "Remote", "step 3: transactionInfo.stoppedReason")
    else:
        require_in(reason, ("Local", "EVDisconnected", None), "step 3: transactionInfo.stoppedReason")


@ocpp201_case(
    "TC_E_15_CS", "Stop transaction options - Authorized, local stop", BLOCK, ["E06", "C01"],
    ["E06.FR.03", "E06.FR.15"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_15_CS(ctx: CaseContext) -> None:
    """With TxStopPoint Authorized, presenting the idToken again ends the transaction (StopAuthorized, Local)."""
    await _stop_point(ctx, "Authorized")
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    event = await states.stop_authorized(ctx, tx, "local")
    require_equal(event.get("eventType"), "Ended", "step 1: eventType")
    require_equal(event.get("transactionInfo.stoppedReason"), "Local", "step 1: transactionInfo.stoppedReason")


async def _remote_stop_ends(ctx: CaseContext, point: str) -> None:
    """E_21/E_35: RequestStopTransaction with the transaction's id ends it at once (RemoteStop, Remote)."""
    await _stop_point(ctx, point)
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await ctx.csms.call("RequestStopTransaction", {"transactionId": tx.transaction_id})
    require_equal(answer.get("status"), "Accepted", "step 2: RequestStopTransactionResponse status")
    event = await expect_transaction_event(ctx.csms, tx, "after RequestStopTransaction")
    require_equal(event.get("triggerReason"), "RemoteStop", "step 3: triggerReason")
    require_equal(event.get("transactionInfo.stoppedReason"), "Remote", "step 3: transactionInfo.stoppedReason")
    require_equal(event.get("eventType"), "Ended", "step 3: eventType")


@ocpp201_case(
    "TC_E_21_CS", "Stop transaction options - Authorized, remote stop", BLOCK, ["E06", "F03"],
    ["E06.FR.03", "E06.FR.15", "F03.FR.09"], needs=["remote_start_stop"],
)  # fmt: skip
async def test_TC_E_21_CS(ctx: CaseContext) -> None:
    """With TxStopPoint Authorized, RequestStopTransaction ends the transaction with stoppedReason Remote."""
    await _remote_stop_ends(ctx, "Authorized")


@ocpp201_case(
    "TC_E_35_CS", "Stop transaction options - PowerPathClosed, remote stop", BLOCK, ["E06", "F03"],
    ["E06.FR.06", "E06.FR.15"], needs=["remote_start_stop"],
)  # fmt: skip
async def test_TC_E_35_CS(ctx: CaseContext) -> None:
    """With TxStopPoint PowerPathClosed, RequestStopTransaction opens the power path and ends the transaction."""
    await _remote_stop_ends(ctx, "PowerPathClosed")


@ocpp201_case(
    "TC_E_07_CS", "Stop transaction options - PowerPathClosed, local stop", BLOCK, ["E06", "C01"],
    ["E06.FR.06", "E06.FR.15"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_07_CS(ctx: CaseContext) -> None:
    """With TxStopPoint PowerPathClosed, presenting the idToken again stops the transaction (StopAuthorized)."""
    await _stop_point(ctx, "PowerPathClosed")
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    await states.stop_authorized(ctx, tx, "local")
