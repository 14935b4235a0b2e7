"""Block E, Transactions: the cable pulled out at the EV side (E10) and the stop points it meets (E06 S2, S5).

Each case starts from EnergyTransferSuspended, as Part 6 does, then pulls the cable out of the EV only; what happens
next depends on TxStopPoint and StopTxOnEVSideDisconnect.
"""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal, require_in
from harness.ocpp.v201.ev_side import ev_side_unplugged, has_fixed_cable, suspended_session
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_connector, expect_transaction_event
from harness.verdict import Inconclusive

BLOCK = "E Transactions"
ENDED_REASONS_EV_SIDE = ("EVDisconnected", "StoppedByEV")


async def _keep_authorization_on_ev_side_disconnect(ctx: CaseContext) -> None:
    """StopTxOnEVSideDisconnect false "(If mutability is ReadWrite)": a ReadOnly variable answers Rejected."""
    outcome = await ctx.csms.call(
        "SetVariables",
        {"setVariableData": [
            {"component": {"name": "TxCtrlr"}, "variable": {"name": "StopTxOnEVSideDisconnect"},
             "attributeValue": "false"},
        ]},
    )  # fmt: skip
    status = outcome.get("setVariableResult.0.attributeStatus")
    if status not in ("Accepted", "Rejected"):
        raise Inconclusive(f"configuration state not reached: TxCtrlr.StopTxOnEVSideDisconnect was {status}")


async def _ends_on_ev_side_disconnect(ctx: CaseContext, stop_point: str, reasons: tuple[str, ...]) -> None:
    await configure(ctx.csms, [("TxCtrlr", "TxStopPoint", stop_point)])
    await _keep_authorization_on_ev_side_disconnect(ctx)
    tx = await suspended_session(ctx)
    event = await ev_side_unplugged(ctx, tx)
    require_equal(event.get("eventType"), "Ended", "step 1: eventType")
    require_in(event.get("transactionInfo.stoppedReason"), reasons, "step 1: transactionInfo.stoppedReason")


@ocpp201_case(
    "TC_E_20_CS", "Stop transaction options - EV side disconnect, IEC 61851-1 EV", BLOCK, ["E06", "E10"],
    ["E06.FR.02", "E06.FR.15"],
)  # fmt: skip
async def test_TC_E_20_CS(ctx: CaseContext) -> None:
    """With TxStopPoint EVConnected, losing the EV at the EV side ends the transaction (EVDisconnected)."""
    await _ends_on_ev_side_disconnect(ctx, "EVConnected", ("EVDisconnected",))


@ocpp201_case(
    "TC_E_54_CS", "Stop transaction options - EV side disconnect, high-level communication", BLOCK,
    ["E06", "E10"], ["E06.FR.02", "E06.FR.15"],
)  # fmt: skip
async def test_TC_E_54_CS(ctx: CaseContext) -> None:
    """The same stop on a station with high-level communication: stoppedReason StoppedByEV or EVDisconnected.

    Part 5 makes the case apply to DC or ISO 15118 stations that are not Mode 1/2-only; the EV here is the one
    the lab provides, the station must end the transaction when it loses it at the EV side.
    """
    await _ends_on_ev_side_disconnect(ctx, "EVConnected", ENDED_REASONS_EV_SIDE)


@ocpp201_case(
    "TC_E_37_CS", "Stop transaction options - PowerPathClosed, EV side disconnect", BLOCK, ["E06"],
    ["E06.FR.06", "E06.FR.15"],
)  # fmt: skip
async def test_TC_E_37_CS(ctx: CaseContext) -> None:
    """With TxStopPoint PowerPathClosed, the power path opening when the EV leaves ends the transaction."""
    await _ends_on_ev_side_disconnect(ctx, "PowerPathClosed", ENDED_REASONS_EV_SIDE)


def _suspending_stop_points(ctx: CaseContext) -> list[str]:
    """TxStopPoint "Authorized (If supported) AND/OR ParkingBayOccupancy (If supported)", as the station claims."""
    claims = ctx.profile.certification.features
    return [point for point, claim in (("Authorized", "C-10.2"), ("ParkingBayOccupancy", "C-10.5")) if claim in claims]


@ocpp201_case(
    "TC_E_26_CS", "EV side disconnect - transaction suspended, resumed on reconnect", BLOCK, ["E10"],
    ["E10.FR.01", "E10.FR.03"],
)  # fmt: skip
async def test_TC_E_26_CS(ctx: CaseContext) -> None:
    """With StopTxOnEVSideDisconnect false the transaction outlives the EV-side disconnect and charges again when the
    cable goes back into the EV."""
    await configure(
        ctx.csms,
        [("TxCtrlr", "TxStopPoint", ",".join(_suspending_stop_points(ctx))),
         ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "false"), ("TxCtrlr", "StopTxOnEVSideDisconnect", "false")],
    )  # fmt: skip
    tx = await suspended_session(ctx)
    lost = await ev_side_unplugged(ctx, tx)
    require_equal(lost.get("eventType"), "Updated", "step 1: eventType")
    if has_fixed_cable(ctx):
        await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Available")  # step 3
    await ctx.dut.ev_side_plug_in(tx.evse_id)
    back = await expect_transaction_event(
        ctx.csms, tx, "after the cable went back into the EV",
        extra=lambda r: r.get("triggerReason") not in ("MeterValuePeriodic", "MeterValueClock"),
    )  # fmt: skip
    require_equal(back.get("triggerReason"), "CablePluggedIn", "step 5: triggerReason")
    require_equal(back.get("transactionInfo.chargingState"), "EVConnected", "step 5: transactionInfo.chargingState")
    require_equal(back.get("eventType"), "Updated", "step 5: eventType")
    charging = await expect_transaction_event(
        ctx.csms, tx, "with chargingState Charging after the reconnection",
        extra=lambda r: r.get("triggerReason") not in ("MeterValuePeriodic", "MeterValueClock"),
    )  # fmt: skip
    require_equal(charging.get("triggerReason"), "ChargingStateChanged", "step 7: triggerReason")
    require_equal(charging.get("transactionInfo.chargingState"), "Charging", "step 7: transactionInfo.chargingState")
    require_equal(charging.get("eventType"), "Updated", "step 7: eventType")


@ocpp201_case(
    "TC_E_27_CS", "EV side disconnect - transaction suspended, fixed cable connection timeout", BLOCK, ["E10"],
    ["E10.FR.02", "E10.FR.03"],
)  # fmt: skip
async def test_TC_E_27_CS(ctx: CaseContext) -> None:
    """On a fixed cable, a transaction suspended by the EV-side disconnect is deauthorized once EVConnectionTimeOut
    passes without the EV coming back.

    EVConnectionTimeOut is set to the configured value, as for the other connection-timeout cases, so the wait
    stays short; TxStopPoint gets Authorized (C-10.2) or ParkingBayOccupancy, whichever the station claims.
    """
    stop_points = _suspending_stop_points(ctx)
    timeout_s = ctx.cfg.ev_connection_timeout_s
    await configure(
        ctx.csms,
        [("TxCtrlr", "TxStopPoint", ",".join(stop_points)), ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "false"),
         ("TxCtrlr", "StopTxOnEVSideDisconnect", "false"), ("TxCtrlr", "EVConnectionTimeOut", str(timeout_s))],
    )  # fmt: skip
    tx = await suspended_session(ctx)
    lost = await ev_side_unplugged(ctx, tx)
    require_equal(lost.get("eventType"), "Updated", "step 1: eventType")
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Available")  # step 3: the fixed cable is free
    lapsed = await expect_transaction_event(
        ctx.csms, tx, "after EVConnectionTimeOut without the EV", timeout=timeout_s + ctx.timing.time_tolerance_s,
        extra=lambda r: r.get("triggerReason") not in ("MeterValuePeriodic", "MeterValueClock"),
    )  # fmt: skip
    require_equal(lapsed.get("triggerReason"), "EVConnectTimeout", "step 5: triggerReason")
    if "Authorized" in stop_points:
        require_equal(lapsed.get("eventType"), "Ended", "step 5: eventType")
        require_equal(lapsed.get("transactionInfo.stoppedReason"), "Timeout", "step 5: transactionInfo.stoppedReason")
    else:
        require_equal(lapsed.get("eventType"), "Updated", "step 5: eventType")
