"""Block E, Transactions: an authorized session with an EV that is not ready for energy transfer (E03)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import expect_transaction_event
from harness.verdict import Inconclusive

BLOCK = "E Transactions"


@ocpp201_case("TC_E_38_CS", "Local start transaction - EV not ready", BLOCK, ["E03"], [])
async def test_TC_E_38_CS(ctx: CaseContext) -> None:
    """An EV plugged in after the authorization but not ready to charge is reported as SuspendedEV."""
    if "EnergyTransfer" in ctx.tx_start_point:
        raise Inconclusive("prerequisite not met: the configured TxStartPoint is EnergyTransfer")
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    await ctx.dut.ev_not_ready(tx.evse_id)  # manual action
    await states.ev_connected_pre_session(ctx, tx)  # step 1
    event = await expect_transaction_event(
        ctx.csms, tx, "reporting the EV as not ready",
        extra=lambda r: r.get("triggerReason") not in ("MeterValuePeriodic", "MeterValueClock"),
    )  # fmt: skip
    require_equal(event.get("triggerReason"), "ChargingStateChanged", "step 2: triggerReason")
    require_equal(event.get("transactionInfo.chargingState"), "SuspendedEV", "step 2: transactionInfo.chargingState")
