"""Blocks C and E: a transaction started offline (from the cache, or for an unknown idToken) whose idToken the CSMS
answers Invalid after the reconnect: StopTxOnInvalidId and MaxEnergyOnInvalidId decide what follows (C12, C15, E05,
E06)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.energy_cap import ENERGY, require_energy_capped
from harness.ocpp.v201.invalid_after_offline import (
    OfflineStart,
    invalid_id_configuration,
    invalidated,
    start_offline,
)
from harness.ocpp.v201.offline_auth import (
    known_locally,
    offline_timers,
    require_all_offline,
    require_authorized_offline,
    require_charging_offline,
    restored,
)
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_transaction_event

BLOCK_C = "C Authorization"
BLOCK_E = "E Transactions"
# Part 6 prints "MaxEnergyOnInvalidId is 10.000" for TC_C_15_CS; read as 10 Wh it keeps the case to seconds.
CAP_C15_WH = 10
CAP_C18_WH = 500  # with StopTxOnInvalidId true the cap must not matter: the energy stops at once
SAMPLING = [("SampledDataCtrlr", "TxUpdatedInterval"), ("SampledDataCtrlr", "TxUpdatedMeasurands")]


async def _cached_start(ctx: CaseContext, wait_s: int) -> OfflineStart:
    """Memory state (the valid idToken Accepted in the cache, and in the local list where there is one),
    EVConnectedPreSession, then step 1: offline, the idToken presented, back after the transaction duration."""
    token = ctx.cfg.valid_id_token
    await known_locally(ctx, token)
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    return await start_offline(ctx, tx, token, wait_s)


def _stopped(event: Received) -> bool:
    return event.get("eventType") == "Ended" or event.get("transactionInfo.chargingState") not in ("Charging", None)


@ocpp201_case(
    "TC_C_15_CS", "Authorization cache offline - Invalid later, MaxEnergyOnInvalidId", BLOCK_C, ["C12"],
    ["C12.FR.02", "C12.FR.04"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_15_CS(ctx: CaseContext) -> None:
    """With StopTxOnInvalidId false, a transaction started offline goes on after the CSMS calls its idToken Invalid,
    but delivers no more than MaxEnergyOnInvalidId."""
    await invalid_id_configuration(ctx, stop_tx=False, max_energy_wh=CAP_C15_WH, capped=True)
    # Periodic energy readings: what the post-scenario validation measures the delivered energy with.
    async with restored(ctx, SAMPLING), offline_timers(ctx) as wait_s:
        await configure(
            ctx.csms,
            [
                ("SampledDataCtrlr", "TxUpdatedInterval", str(ctx.cfg.sampled_interval_s)),
                ("SampledDataCtrlr", "TxUpdatedMeasurands", ENERGY),
            ],
        )
        start = await _cached_start(ctx, wait_s)
        invalid_at = await invalidated(ctx, start, wait_s, "step 4")
        await require_energy_capped(ctx, start.tx, invalid_at, CAP_C15_WH, "post scenario")
    queued = start.queued(ctx)
    require_authorized_offline(queued, ctx.cfg.valid_id_token, "step 3", required=False)
    require_charging_offline(queued, "step 3")
    for event in queued:
        suspended = event.get("transactionInfo.chargingState") == "SuspendedEVSE"
        require(
            event.get("triggerReason") != "Deauthorized" and not suspended,
            f"step 3: {event.describe()} queued while offline deauthorizes or suspends the transaction",
        )


@ocpp201_case(
    "TC_C_17_CS", "Authorization cache offline - Invalid later, StopTxOnInvalidId false", BLOCK_C, ["C12"],
    ["C12.FR.02", "C12.FR.04"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_17_CS(ctx: CaseContext) -> None:
    """With StopTxOnInvalidId false and no MaxEnergyOnInvalidId, the transaction is suspended (SuspendedEVSE) once the
    CSMS calls its idToken Invalid."""
    await invalid_id_configuration(ctx, stop_tx=False, max_energy_wh=0, capped=False)
    async with offline_timers(ctx) as wait_s:
        start = await _cached_start(ctx, wait_s)
        await invalidated(ctx, start, wait_s, "step 4")
        suspended = await expect_transaction_event(
            ctx.csms, start.tx, "with chargingState SuspendedEVSE after the Invalid answer",
            extra=lambda r: r.get("transactionInfo.chargingState") == "SuspendedEVSE",
        )  # fmt: skip
    require(suspended.get("triggerReason") != "SuspendedEVSE", "step 5: triggerReason SuspendedEVSE")
    require_authorized_offline(start.queued(ctx), ctx.cfg.valid_id_token, "step 2", required=True)


async def _deauthorized_after_offline_start(ctx: CaseContext, *, max_energy_wh: int, capped: bool) -> None:
    """C_16 with MaxEnergyOnInvalidId: StopTxOnInvalidId true stops the energy at once on the Invalid answer."""
    await invalid_id_configuration(ctx, stop_tx=True, max_energy_wh=max_energy_wh, capped=capped)
    async with offline_timers(ctx) as wait_s:
        start = await _cached_start(ctx, wait_s)
        await invalidated(ctx, start, wait_s, "step 4")
        deauthorized = await expect_transaction_event(
            ctx.csms, start.tx, "with triggerReason Deauthorized after the Invalid answer",
            extra=lambda r: r.get("triggerReason") == "Deauthorized",
        )  # fmt: skip
    queued = start.queued(ctx)
    require_authorized_offline(queued, ctx.cfg.valid_id_token, "step 3", required=False)
    require_charging_offline(queued, "step 3")
    require(deauthorized.get("offline") is not True, "step 5: the Deauthorized TransactionEvent is marked offline")
    require(_stopped(deauthorized), "post scenario: energy still flows after the Deauthorized TransactionEvent")


@ocpp201_case(
    "TC_C_18_CS", "Authorization cache offline - StopTxOnInvalidId true, MaxEnergyOnInvalidId", BLOCK_C, ["C12"],
    ["C12.FR.02", "C12.FR.04"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_18_CS(ctx: CaseContext) -> None:
    """StopTxOnInvalidId true overrides MaxEnergyOnInvalidId: the energy stops as soon as the CSMS says Invalid."""
    await _deauthorized_after_offline_start(ctx, max_energy_wh=CAP_C18_WH, capped=True)


@ocpp201_case(
    "TC_C_26_CS", "Offline authorization - unknown idToken", BLOCK_C, ["C15", "C13"],
    ["C15.FR.02", "C15.FR.06", "C15.FR.08", "C13.FR.04"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_26_CS(ctx: CaseContext) -> None:
    """Offline an unknown idToken starts a transaction (OfflineTxForUnknownIdEnabled); once the CSMS calls it Invalid
    the energy stops (StopTxOnInvalidId false), and the same idToken still stops the transaction."""
    token = ctx.cfg.valid_id_token
    await configure_if_implemented(
        ctx.csms,
        [
            ("LocalAuthListCtrlr", "Enabled", "true"), ("AuthCtrlr", "LocalPreAuthorize", "true"),
            ("TxCtrlr", "MaxEnergyOnInvalidId", "0"),
        ],
    )  # fmt: skip
    await configure(
        ctx.csms,
        [
            ("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true"), ("AuthCtrlr", "LocalAuthorizeOffline", "true"),
            ("TxCtrlr", "StopTxOnInvalidId", "false"),
        ],
    )  # fmt: skip
    async with offline_timers(ctx) as wait_s:
        # Reusable state StartOfflineTransaction.
        start = await start_offline(ctx, ctx.new_transaction(), token, wait_s)
        await invalidated(ctx, start, wait_s, "step 2")
        await expect_transaction_event(
            ctx.csms, start.tx, "with chargingState SuspendedEVSE after the Invalid answer",
            extra=lambda r: r.get("transactionInfo.chargingState") == "SuspendedEVSE",
        )  # fmt: skip
    require_all_offline(start.queued(ctx), "step 1")
    await ctx.dut.present_id_token(token, start.tx.evse_id)
    await ctx.dut.unplug(start.tx.evse_id, start.tx.connector_id)
    await expect_transaction_event(
        ctx.csms, start.tx, "with triggerReason StopAuthorized after the idToken was presented again",
        extra=lambda r: r.get("triggerReason") == "StopAuthorized",
    )  # fmt: skip


@ocpp201_case(
    "TC_E_16_CS", "Stop transaction options - Deauthorized, Invalid idToken", BLOCK_E, ["E06"],
    ["E06.FR.04", "E06.FR.15", "C15.FR.04"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_16_CS(ctx: CaseContext) -> None:
    """A transaction started offline ends (Deauthorized, DeAuthorized) when the CSMS calls its idToken Invalid."""
    token = ctx.cfg.valid_id_token
    stop_points = list(ctx.cfg.tx_stop_point)
    if not {"Authorized", "PowerPathClosed"} & set(stop_points):
        await configure(ctx.csms, [("TxCtrlr", "TxStopPoint", ",".join([*stop_points, "Authorized"]))])
    await configure_if_implemented(
        ctx.csms,
        [
            ("AuthCtrlr", "Enabled", "true"), ("AuthCtrlr", "DisableRemoteAuthorization", "false"),
            ("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true"),
        ],
    )  # fmt: skip
    await configure(ctx.csms, [("TxCtrlr", "StopTxOnInvalidId", "true")])
    await known_locally(ctx, token)
    async with offline_timers(ctx) as wait_s:
        start = await start_offline(ctx, ctx.new_transaction(), token, wait_s)
        await invalidated(ctx, start, wait_s, "step 2")
        ended = await expect_transaction_event(
            ctx.csms, start.tx, "ending the transaction after the Invalid answer",
            extra=lambda r: r.get("eventType") == "Ended",
        )  # fmt: skip
    require_all_offline(start.queued(ctx), "step 1")
    require_equal(ended.get("triggerReason"), "Deauthorized", "step 3: triggerReason")
    require_equal(ended.get("transactionInfo.stoppedReason"), "DeAuthorized", "step 3: transactionInfo.stoppedReason")
