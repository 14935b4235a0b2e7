"""Block B, Provisioning: Reset of a single EVSE (B11, B12 with evseId, Part 5 C-13) and Reset OnIdle of a station
with transactions on two EVSEs (B12)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, expect_connector
from harness.verdict import Inconclusive

BLOCK = "B Provisioning"


def _ended(tx: Transaction) -> bool:
    return any(event.get("eventType") == "Ended" for event in tx.events)


async def _stop_and_leave(ctx: CaseContext, tx: Transaction, *, unplug: bool) -> None:
    """StopAuthorized, EVConnectedPostSession, then EVDisconnected when `unplug` or when the transaction has not
    ended yet (ParkingBayUnoccupied does not apply: no vehicle entered the parking bay)."""
    stop = await states.stop_authorized(ctx, tx)
    await states.ev_connected_post_session(ctx, tx, stop)
    if unplug or not _ended(tx):
        await states.ev_disconnected(ctx, tx, transaction_ended=_ended(tx))


@ocpp201_case(
    "TC_B_25_CS", "Reset EVSE - without ongoing transaction", BLOCK, ["B11"],
    ["B11.FR.01", "B11.FR.08", "B11.FR.10"], needs=["reset"],
)  # fmt: skip
async def test_TC_B_25_CS(ctx: CaseContext) -> None:
    """An idle EVSE named in Reset OnIdle is reset at once: Accepted."""
    answer = await ctx.csms.call("Reset", {"type": "OnIdle", "evseId": ctx.cfg.evse_id})
    require_equal(answer.get("status"), "Accepted", "step 2: ResetResponse status")


@ocpp201_case(
    "TC_B_26_CS", "Reset EVSE - with ongoing transaction - OnIdle", BLOCK, ["B12"],
    ["B12.FR.01", "B12.FR.07"], needs=["reset", "local_authorization"],
)  # fmt: skip
async def test_TC_B_26_CS(ctx: CaseContext) -> None:
    """Reset OnIdle of the charging EVSE is Scheduled; the transaction then ends as usual."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await ctx.csms.call("Reset", {"type": "OnIdle", "evseId": tx.evse_id})
    require_equal(answer.get("status"), "Scheduled", "step 2: ResetResponse status")
    await _stop_and_leave(ctx, tx, unplug=True)


@ocpp201_case(
    "TC_B_27_CS", "Reset EVSE - with ongoing transaction - Immediate", BLOCK, ["B12"],
    ["B12.FR.02", "B12.FR.08", "E07.FR.03"], needs=["reset", "local_authorization"],
)  # fmt: skip
async def test_TC_B_27_CS(ctx: CaseContext) -> None:
    """Reset Immediate of the charging EVSE ends its transaction with ImmediateReset before the EVSE restarts."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await ctx.csms.call("Reset", {"type": "Immediate", "evseId": tx.evse_id})
    require_equal(answer.get("status"), "Accepted", "step 2: ResetResponse status")
    ended = await ctx.csms.expect(
        "TransactionEvent", lambda r: tx.is_mine()(r) and r.get("eventType") == "Ended",
        what="ending the transaction for the EVSE reset",
    )  # fmt: skip
    require_equal(ended.get("triggerReason"), "ResetCommand", "step 3: triggerReason")
    require_equal(ended.get("transactionInfo.chargingState"), "EVConnected", "step 3: transactionInfo.chargingState")
    require_equal(ended.get("transactionInfo.stoppedReason"), "ImmediateReset", "step 3: transactionInfo.stoppedReason")


@ocpp201_case(
    "TC_B_41_CS", "Reset - with multiple ongoing transactions - OnIdle", BLOCK, ["B12"],
    ["B12.FR.01", "B12.FR.03", "E07.FR.03"], needs=["reset", "local_authorization"],
)  # fmt: skip
async def test_TC_B_41_CS(ctx: CaseContext) -> None:
    """Reset OnIdle while two EVSEs charge is Scheduled; the station reboots only after both transactions ended."""
    if len(ctx.profile.evses) < 2:
        raise Inconclusive("the DUT profile names a single EVSE; the case needs two")
    first, second = (Transaction(evse.id, evse.connectors[0].id) for evse in ctx.profile.evses[:2])
    for tx in (first, second):
        await states.energy_transfer_started(ctx, tx)
    answer = await ctx.csms.call("Reset", {"type": "OnIdle"})
    require_equal(answer.get("status"), "Scheduled", "step 2: ResetResponse status")
    await _stop_and_leave(ctx, first, unplug=True)  # steps 3-6
    await _stop_and_leave(ctx, second, unplug=False)  # steps 7-10: unplugged only if still running
    boot: Received = await ctx.csms.expect(
        "BootNotification", timeout=ctx.timing.boot_timeout_s, what="after both transactions ended"
    )
    require_equal(boot.get("reason"), "ScheduledReset", "step 11: BootNotification reason")
    # Step 13 and post-scenario: every connector reported; the second EV is still plugged if its transaction ended
    # before EVDisconnected.
    expected = {(first.evse_id, first.connector_id): "Available"}
    expected[(second.evse_id, second.connector_id)] = "Occupied" if second.ev_connected else "Available"
    for evse_id, connector_id in ctx.connectors():
        await expect_connector(ctx.csms, evse_id, connector_id, expected.get((evse_id, connector_id), "Available"))
