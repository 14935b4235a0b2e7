"""Steps shared by the cases where the cable is pulled out at the EV side (E06, E09, E10)."""

from __future__ import annotations

from harness.checks import require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, expect_transaction_event

DETACHABLE_CABLE = "HFS-1"
FIXED_CABLE = "HFS-2"


def has_fixed_cable(ctx: CaseContext) -> bool:
    """Part 5: a permanently attached cable (HFS-2) and no socket (HFS-1)."""
    features = ctx.profile.certification.features
    return FIXED_CABLE in features and DETACHABLE_CABLE not in features


def not_metering(received: Received) -> bool:
    """Leaves out the periodic and clock-aligned meter reports, which may come at any time."""
    return received.get("triggerReason") not in ("MeterValuePeriodic", "MeterValueClock")


async def suspended_session(ctx: CaseContext) -> Transaction:
    """Reusable states EnergyTransferStarted and EnergyTransferSuspended."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    await states.energy_transfer_suspended(ctx, tx)
    return tx


async def ev_side_unplugged(ctx: CaseContext, tx: Transaction) -> Received:
    """Manual action: pull the cable out of the EV; step 1: the TransactionEvent that reports it."""
    await ctx.dut.ev_side_unplug(tx.evse_id)
    event = await expect_transaction_event(
        ctx.csms, tx, "after the cable was pulled out at the EV side", extra=not_metering
    )
    require_equal(event.get("triggerReason"), "EVCommunicationLost", "step 1: triggerReason")
    require_equal(event.get("transactionInfo.chargingState"), "Idle", "step 1: transactionInfo.chargingState")
    return event
