"""Block E, Transactions: TxStartPoint DataSigned (E01 S4): the transaction starts when the meter delivers signed
data, and its Started event carries that signed Transaction.Begin reading."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.ocpp.v201 import states
from harness.ocpp.v201.signed_meter import check_signed
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_connector, expect_transaction_event

BLOCK = "E Transactions"


@ocpp201_case(
    "TC_E_11_CS", "Start transaction options - DataSigned", BLOCK, ["E01"],
    ["E01.FR.04", "E01.FR.07", "E01.FR.10", "E01.FR.15", "E01.FR.16"],
)  # fmt: skip
async def test_TC_E_11_CS(ctx: CaseContext) -> None:
    """With TxStartPoint DataSigned, an authorized EV plugged in starts the transaction on the signed reading."""
    await configure(ctx.csms, [("TxCtrlr", "TxStartPoint", "DataSigned"), ("SampledDataCtrlr", "SignReadings", "true")])
    ctx.tx_start_point = ["DataSigned"]
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    require(not tx.started, "the transaction started at the authorization, before any signed data")
    await ctx.dut.plug_in(tx.evse_id, tx.connector_id)
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Occupied")  # step 1
    started = await expect_transaction_event(ctx.csms, tx, "started by the signed meter data")
    require_equal(started.get("eventType"), "Started", "step 3: eventType")
    remote = tx.remote_start_id is not None
    allowed = ("RemoteStart", "SignedDataReceived") if remote else ("SignedDataReceived",)
    require_in(started.get("triggerReason"), allowed, "step 3: triggerReason")
    require_equal(started.get("idToken"), ctx.cfg.valid_id_token.as_ocpp(), "step 3: idToken")
    require(started.get("evse") is not None, "step 3: the Started event must name the evse")
    require(started.get("evse.connectorId") is not None, "step 3: the Started event must name evse.connectorId")
    meter_values = started.get("meterValue") or []
    begin = [s for m in meter_values for s in m.get("sampledValue") or [] if s.get("context") == "Transaction.Begin"]
    require(bool(begin), "step 3: the Started event carries no Transaction.Begin sampledValue")
    for index, sampled in enumerate(begin):
        check_signed(sampled, [], f"step 3: Transaction.Begin sampledValue[{index}]")
    charging = await expect_transaction_event(
        ctx.csms, tx, "after the transaction started",
        extra=lambda r: r.get("triggerReason") not in ("MeterValuePeriodic", "MeterValueClock"),
    )  # fmt: skip
    require_equal(charging.get("eventType"), "Updated", "step 5: eventType")
    require_equal(charging.get("triggerReason"), "ChargingStateChanged", "step 5: triggerReason")
    require_equal(charging.get("transactionInfo.chargingState"), "Charging", "step 5: transactionInfo.chargingState")
