"""Block F, Remote control: remote start (F01, F02) and remote stop (F03) of transactions."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure

BLOCK = "F Remote control"


@ocpp201_case(
    "TC_F_01_CS", "Remote start transaction - cable plugged in first", BLOCK, ["F01"],
    ["F01.FR.03", "F01.FR.04", "F01.FR.05", "F01.FR.13", "F01.FR.17", "F01.FR.19", "F02.FR.01"],
    needs=["remote_start_stop"],
)  # fmt: skip
async def test_TC_F_01_CS(ctx: CaseContext) -> None:
    """EV connected, then RequestStartTransaction: the station authorizes remotely and charges."""
    await configure(ctx.csms, [("AuthCtrlr", "Enabled", "true")])
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await states.authorized(ctx, tx, "remote")
    await states.energy_transfer_started(ctx, tx)


@ocpp201_case(
    "TC_F_02_CS", "Remote start transaction - remote start first, AuthorizeRemoteStart true", BLOCK, ["F02"],
    ["F02.FR.01", "F01.FR.01"], needs=["remote_start_stop"],
)  # fmt: skip
async def test_TC_F_02_CS(ctx: CaseContext) -> None:
    """RequestStartTransaction before the EV arrives: the station authorizes the token, then charges on plug-in."""
    await configure(ctx.csms, [("AuthCtrlr", "Enabled", "true"), ("AuthCtrlr", "AuthorizeRemoteStart", "true")])
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx, "remote")
    await states.energy_transfer_started(ctx, tx)


@ocpp201_case(
    "TC_F_08_CS", "Remote stop transaction - success", BLOCK, ["F03"],
    ["F03.FR.02", "F03.FR.03", "F03.FR.07", "F03.FR.09"], needs=["remote_start_stop", "local_authorization"],
)  # fmt: skip
async def test_TC_F_08_CS(ctx: CaseContext) -> None:
    """RequestStopTransaction for the running transaction is Accepted and ends it (RemoteStop)."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    stop = await states.stop_authorized(ctx, tx, "remote")
    if stop.get("eventType") == "Ended":
        require_equal(stop.get("transactionInfo.stoppedReason"), "Remote", "stoppedReason of the Ended event")


@ocpp201_case(
    "TC_F_09_CS", "Remote stop transaction - rejected", BLOCK, ["F03"], ["F03.FR.08"],
    needs=["remote_start_stop", "local_authorization"],
)  # fmt: skip
async def test_TC_F_09_CS(ctx: CaseContext) -> None:
    """RequestStopTransaction for a transactionId the station does not know is Rejected; charging goes on."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await ctx.csms.call("RequestStopTransaction", {"transactionId": f"not-{tx.transaction_id}"[:36]})
    require_equal(answer.get("status"), "Rejected", "step 2: RequestStopTransactionResponse status")
    await ctx.csms.expect_none(
        "TransactionEvent", lambda r: r.get("eventType") == "Ended", during=ctx.timing.time_tolerance_s,
        what="ending the running transaction",
    )  # fmt: skip


@ocpp201_case(
    "TC_F_20_CS", "Trigger message - Heartbeat", BLOCK, ["F06"], ["F06.FR.04", "F06.FR.05", "F06.FR.10"],
    needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_20_CS(ctx: CaseContext) -> None:
    """TriggerMessage(Heartbeat) is Accepted and a Heartbeat follows."""
    answer = await ctx.csms.call("TriggerMessage", {"requestedMessage": "Heartbeat"})
    require_equal(answer.get("status"), "Accepted", "step 2: TriggerMessageResponse status")
    await ctx.csms.expect("Heartbeat", what="after TriggerMessage(Heartbeat)")
