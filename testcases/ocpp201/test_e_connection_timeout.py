"""Block E, Transactions: an authorization that lapses because no EV was connected within EVConnectionTimeOut
(E03.FR.05) and what happens at the EVSE afterwards."""

from __future__ import annotations

import asyncio

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, expect_connector, expect_transaction_event

BLOCK = "E Transactions"


async def _timeout_configuration(ctx: CaseContext, *, stop_on_authorized: bool) -> None:
    settings = [("TxCtrlr", "EVConnectionTimeOut", str(ctx.cfg.ev_connection_timeout_s))]
    if stop_on_authorized:
        settings.append(("TxCtrlr", "TxStopPoint", "Authorized"))
    await configure(ctx.csms, settings)
    await configure_if_implemented(
        ctx.csms, [("AuthCtrlr", "Enabled", "true"), ("AuthCtrlr", "DisableRemoteAuthorization", "false")]
    )


async def _lapses(ctx: CaseContext, tx: Transaction, stop_on_authorized: bool) -> None:
    """Step 1: after EVConnectionTimeOut a transaction the authorization started reports EVConnectTimeout."""
    wait = ctx.cfg.ev_connection_timeout_s + ctx.timing.time_tolerance_s
    if not tx.started:
        # No transaction yet (TxStartPoint needs the EV): nothing to report, the authorization just lapses.
        await asyncio.sleep(ctx.cfg.ev_connection_timeout_s + ctx.timing.clock_slack_s)
        return
    event = await expect_transaction_event(
        ctx.csms, tx, "after EVConnectionTimeOut", timeout=wait,
        extra=lambda r: r.get("triggerReason") == "EVConnectTimeout",
    )  # fmt: skip
    if stop_on_authorized:
        require_equal(event.get("eventType"), "Ended", "step 1: eventType")
        require_equal(event.get("transactionInfo.stoppedReason"), "Timeout", "step 1: stoppedReason")
    else:
        require_equal(event.get("eventType"), "Updated", "step 1: eventType")


def _charging(received: Received) -> bool:
    return bool(received.get("transactionInfo.chargingState") == "Charging")


@ocpp201_case(
    "TC_E_05_CS", "Local start transaction - authorization first, cable plug-in timeout", BLOCK, ["E03", "C01"],
    ["E03.FR.01", "E03.FR.05", "E03.FR.06", "E03.FR.12", "C01.FR.02", "C02.FR.01", "C06.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_05_CS(ctx: CaseContext) -> None:
    """A local authorization without an EV lapses after EVConnectionTimeOut; the EVSE then takes a new one."""
    await _timeout_configuration(ctx, stop_on_authorized=False)
    await configure_if_implemented(ctx.csms, [("AuthCacheCtrlr", "Enabled", "false")])
    await configure(ctx.csms, [("AuthCtrlr", "LocalPreAuthorize", "false")])
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx, "local")
    stop_points = ctx.cfg.tx_stop_point
    await _lapses(ctx, tx, "Authorized" in stop_points)
    again = ctx.new_transaction()
    await states.authorized(ctx, again, "local")
    await states.energy_transfer_started(ctx, again)


@ocpp201_case(
    "TC_E_39_CS", "Stop transaction options - deauthorized by EVConnectionTimeOut", BLOCK, ["E06", "E03"],
    ["E06.FR.04", "E06.FR.15"],
)  # fmt: skip
async def test_TC_E_39_CS(ctx: CaseContext) -> None:
    """After the authorization lapsed, plugging in the EV does not start charging."""
    await _timeout_configuration(ctx, stop_on_authorized=True)
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    await _lapses(ctx, tx, True)
    await ctx.dut.plug_in(tx.evse_id, tx.connector_id)
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Occupied")
    await ctx.csms.expect_none(
        "TransactionEvent", _charging, during=ctx.timing.absence_s,
        what="with chargingState Charging after the authorization lapsed",
    )  # fmt: skip
