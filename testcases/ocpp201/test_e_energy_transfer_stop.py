"""Block E, Transactions: TxStopPoint EnergyTransfer (E06 S6): the transaction ends with the energy transfer, whether
the driver stops it or the EV suspends it."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal, require_in
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_transaction_event

BLOCK = "E Transactions"


@ocpp201_case(
    "TC_E_08_CS", "Stop transaction options - EnergyTransfer, stop authorized", BLOCK, ["E06"],
    ["E06.FR.07", "E06.FR.15"],
)  # fmt: skip
async def test_TC_E_08_CS(ctx: CaseContext) -> None:
    """With TxStopPoint EnergyTransfer, stopping the session ends the transaction as the energy transfer stops."""
    await configure(ctx.csms, [("TxCtrlr", "TxStopPoint", "EnergyTransfer")])
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    stop = await states.stop_authorized(ctx, tx)
    if stop.get("eventType") != "Ended":
        # E06.FR.07: the energy transfer stopped, so the transaction must end now, not when the EV leaves.
        stop = await expect_transaction_event(
            ctx.csms, tx, "ending the transaction once the energy transfer stopped",
            timeout=ctx.timing.message_timeout_s, extra=lambda r: r.get("eventType") == "Ended",
        )  # fmt: skip
    require_equal(stop.get("eventType"), "Ended", "step 1: eventType once the energy transfer stopped")


@ocpp201_case(
    "TC_E_22_CS", "Stop transaction options - EnergyTransfer, suspended by the EV", BLOCK, ["E06"],
    ["E06.FR.07", "E06.FR.15"],
)  # fmt: skip
async def test_TC_E_22_CS(ctx: CaseContext) -> None:
    """With TxStopPoint EnergyTransfer, the EV suspending the energy transfer ends the transaction (StoppedByEV).

    Part 6 prints an Updated/SuspendedEV alternative beside Ended/EVConnected; E06.FR.07 and the case's purpose
    ask for the transaction to stop, so an Ended event is required (its chargingState EVConnected or SuspendedEV).
    """
    await configure(ctx.csms, [("TxCtrlr", "TxStopPoint", "EnergyTransfer")])
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    await ctx.dut.ev_suspend(tx.evse_id)
    event = await expect_transaction_event(
        ctx.csms, tx, "after the EV suspended the energy transfer",
        extra=lambda r: r.get("triggerReason") != "MeterValuePeriodic",
    )  # fmt: skip
    require_equal(event.get("triggerReason"), "ChargingStateChanged", "step 1: triggerReason")
    require_in(event.get("transactionInfo.chargingState"), ("EVConnected", "SuspendedEV"), "step 1: chargingState")
    require_equal(event.get("eventType"), "Ended", "step 1: eventType (E06.FR.07)")
    require_equal(event.get("transactionInfo.stoppedReason"), "StoppedByEV", "step 1: transactionInfo.stoppedReason")
