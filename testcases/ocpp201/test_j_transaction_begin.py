"""Block J, Meter values: the Transaction.Begin values of a transaction that starts before the EV is plugged in
(J02 with TxStartPoint Authorized): they go out as soon as the EVSE is known."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, read_variable

BLOCK = "J Meter values"
ENERGY = "Energy.Active.Import.Register"


@ocpp201_case(
    "TC_J_08_CS", "Sampled meter values - Transaction.Begin once the EVSE is known", BLOCK, ["J02", "E01", "E03"],
    ["J02.FR.01", "J02.FR.02", "J02.FR.03", "J02.FR.04", "J02.FR.10", "E01.FR.16", "E01.FR.17", "E03.FR.11"],
    needs=["sampled_meter_values"],
)  # fmt: skip
async def test_TC_J_08_CS(ctx: CaseContext) -> None:
    """The first TransactionEvent that names the EVSE carries the Transaction.Begin values.

    Part 6 looks for that event during EVConnectedPreSession, where it is on a station that learns the EVSE from
    the plug; a station whose reader belongs to one EVSE names it at the authorization already, and the values
    are due there (the case's purpose: as soon as the EVSE is known).
    """
    await configure(ctx.csms, [("TxCtrlr", "TxStartPoint", "Authorized")])
    ctx.tx_start_point = ["Authorized"]
    value = await read_variable(ctx.csms, "SampledDataCtrlr", "TxStartedMeasurands")
    measurands = [m.strip() for m in (value or ENERGY).split(",") if m.strip()]
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    first = next((e for e in tx.events if e.get("evse") is not None), None)
    require(first is not None, "post scenario: no TransactionEvent of the transaction named the evse")
    assert first is not None
    meter_values = first.get("meterValue") or []
    where = f"post scenario: the first TransactionEvent naming the evse (seqNo {first.get('seqNo')})"
    require(bool(meter_values), f"{where} carries no meterValue")
    sampled = meter_values[0].get("sampledValue") or []
    require(bool(sampled), f"{where}: meterValue without sampledValue")
    require_equal(sampled[0].get("context"), "Transaction.Begin", f"{where}: sampledValue[0].context")
    present = {s.get("measurand", ENERGY) for s in sampled}
    missing = [m for m in measurands if m not in present]
    require(not missing, f"{where}: no sampledValue for the configured measurand {missing[0] if missing else ''}")
