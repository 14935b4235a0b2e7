"""Block K, Smart charging: installing charging profiles (K01) and a remote start carrying one (K05)."""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.v201 import charging_profiles as cp
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import read_variable

BLOCK = "K Smart charging"
NEEDS = ["smart_charging"]
PROFILE_ID = 101  # the configured chargingProfileId
DURATION_S = 300  # the configured schedule duration
UNKNOWN_TRANSACTION_ID = "UNKNOWN-TRANSACTION-ID"


async def _default_profile(
    ctx: CaseContext, amperes: float = 6, evse_id: int | None = None
) -> tuple[int, dict[str, Any]]:
    """The TxDefaultProfile most K01 cases send: one period from 0 at 6 A (6000 W), the configured duration."""
    settings = await cp.schedule_settings(ctx.csms)
    body = cp.profile(
        PROFILE_ID, "TxDefaultProfile", [settings.period(0, amperes)], settings.unit, duration_s=DURATION_S
    )
    return (ctx.cfg.evse_id if evse_id is None else evse_id), body


async def _read_back(ctx: CaseContext, sent: dict[str, Any], evse_id: int, step: str) -> None:
    """Steps 3-6 of the K01 cases: read the profile back by its id; it must come back as sent, under `evse_id`."""
    reported = await cp.require_reported(ctx.csms, {"chargingProfileId": [sent["id"]]}, step)
    cp.require_reported_as_sent(reported, sent, step, evse_id)


@ocpp201_case(
    "TC_K_01_CS", "Set charging profile - TxDefaultProfile on one EVSE", BLOCK, ["K01"], ["K01.FR.07", "K01.FR.15"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_01_CS(ctx: CaseContext) -> None:
    """A TxDefaultProfile for the configured EVSE is Accepted and reported back unchanged under that EVSE."""
    evse_id, body = await _default_profile(ctx)
    await cp.require_set(ctx.csms, evse_id, body, "step 2", "Accepted")
    await _read_back(ctx, body, evse_id, "steps 4-5")


@ocpp201_case(
    "TC_K_02_CS", "Set charging profile - TxProfile without a transaction", BLOCK, ["K01"],
    ["K01.FR.04", "K01.FR.07", "K01.FR.09"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_02_CS(ctx: CaseContext) -> None:
    """A TxProfile for an EVSE without a transaction (an unknown transactionId) is Rejected."""
    settings = await cp.schedule_settings(ctx.csms)
    body = cp.profile(
        PROFILE_ID, "TxProfile", [settings.period(0, 6)], settings.unit, transaction_id=UNKNOWN_TRANSACTION_ID
    )
    await cp.require_set(ctx.csms, ctx.cfg.evse_id, body, "step 2", "Rejected")


@ocpp201_case(
    "TC_K_03_CS", "Set charging profile - ChargingStationMaxProfile", BLOCK, ["K01"], [], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_03_CS(ctx: CaseContext) -> None:
    """An Absolute ChargingStationMaxProfile on EVSE 0 is Accepted and reported back unchanged under EVSE 0."""
    settings = await cp.schedule_settings(ctx.csms)
    body = cp.profile(
        PROFILE_ID, "ChargingStationMaxProfile", [settings.period(0, 6)], settings.unit, kind="Absolute",
        duration_s=DURATION_S, start_schedule=cp.now(),
    )  # fmt: skip
    await cp.require_set(ctx.csms, 0, body, "step 2", "Accepted")
    await _read_back(ctx, body, 0, "steps 4-5")


@ocpp201_case(
    "TC_K_04_CS", "Replace charging profile - same chargingProfileId", BLOCK, ["K01"], ["K01.FR.05"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_04_CS(ctx: CaseContext) -> None:
    """A profile with the id of an installed one replaces it: the read-back shows the new limit only."""
    evse_id, first = await _default_profile(ctx, 6)
    await cp.install(ctx.csms, evse_id, first, "the TxDefaultProfile at 6 A / 6000 W")
    _, second = await _default_profile(ctx, 10)
    await cp.require_set(ctx.csms, evse_id, second, "step 2", "Accepted")
    await _read_back(ctx, second, evse_id, "steps 4-5")


@ocpp201_case(
    "TC_K_10_CS", "Set charging profile - TxDefaultProfile for all EVSEs", BLOCK, ["K01"],
    ["K01.FR.07", "K01.FR.14"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_10_CS(ctx: CaseContext) -> None:
    """A TxDefaultProfile on EVSE 0 is Accepted and reported in one report (tbc false) under EVSE 0."""
    _, body = await _default_profile(ctx, evse_id=0)
    await cp.require_set(ctx.csms, 0, body, "step 2", "Accepted")
    reported = await cp.require_reported(ctx.csms, {"chargingProfileId": [body["id"]]}, "steps 4-5")
    cp.require_reported_as_sent(reported, body, "step 5", 0)
    reports = ctx.csms.history("ReportChargingProfiles")
    require_equal(reports[-1].get("tbc", False), False, "step 5: ReportChargingProfilesRequest tbc")


@ocpp201_case(
    "TC_K_11_CS", "Set charging profile - TxProfile on EVSE 0 is rejected", BLOCK, ["K01"],
    ["K01.FR.04", "K01.FR.16"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_11_CS(ctx: CaseContext) -> None:
    """A TxProfile can only belong to one EVSE: on EVSE 0 it is Rejected."""
    settings = await cp.schedule_settings(ctx.csms)
    body = cp.profile(PROFILE_ID, "TxProfile", [settings.period(0, 6)], settings.unit)
    await cp.require_set(ctx.csms, 0, body, "step 2", "Rejected")


@ocpp201_case(
    "TC_K_13_CS", "Set charging profile - persistent over a reboot", BLOCK, ["K01"], ["K01.FR.27"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_13_CS(ctx: CaseContext) -> None:
    """A TxDefaultProfile survives a reboot: it is reported back unchanged after the station booted again."""
    evse_id, body = await _default_profile(ctx)
    await cp.require_set(ctx.csms, evse_id, body, "step 2", "Accepted")
    await states.booted(ctx)
    await _read_back(ctx, body, evse_id, "steps 5-6")


@ocpp201_case(
    "TC_K_14_CS", "Set charging profile - EVSE that does not exist", BLOCK, ["K01"], ["K01.FR.28"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_14_CS(ctx: CaseContext) -> None:
    """A profile for EVSE count + 1 is Rejected."""
    _, body = await _default_profile(ctx)
    await cp.require_set(ctx.csms, len(ctx.profile.evses) + 1, body, "step 2", "Rejected")


@ocpp201_case(
    "TC_K_16_CS", "Set charging profile - TxProfile for an unknown transactionId", BLOCK, ["K01"], ["K01.FR.33"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_16_CS(ctx: CaseContext) -> None:
    """While a transaction runs, a TxProfile naming another transactionId is Rejected."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    settings = await cp.schedule_settings(ctx.csms)
    body = cp.profile(
        PROFILE_ID, "TxProfile", [settings.period(0, 6)], settings.unit, transaction_id=UNKNOWN_TRANSACTION_ID
    )
    await cp.require_set(ctx.csms, tx.evse_id, body, "step 2", "Rejected")


@ocpp201_case(
    "TC_K_19_CS", "Set charging profile - Recurring profile", BLOCK, ["K01"], ["K01.FR.40"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_19_CS(ctx: CaseContext) -> None:
    """A Recurring (Daily) TxDefaultProfile with its startSchedule is Accepted."""
    settings = await cp.schedule_settings(ctx.csms)
    body = cp.profile(
        PROFILE_ID, "TxDefaultProfile", [settings.period(0, 6)], settings.unit, kind="Recurring",
        recurrency="Daily", start_schedule=cp.now(), duration_s=DURATION_S,
    )  # fmt: skip
    await cp.require_set(ctx.csms, ctx.cfg.evse_id, body, "step 2", "Accepted")


@ocpp201_case(
    "TC_K_60_CS", "Set charging profile - TxProfile for the running transaction", BLOCK, ["K01"],
    ["K01.FR.04", "K01.FR.07", "K01.FR.15"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_60_CS(ctx: CaseContext) -> None:
    """A Relative TxProfile for the running transaction is Accepted and reported back as sent."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    settings = await cp.schedule_settings(ctx.csms)
    body = cp.profile(PROFILE_ID, "TxProfile", [settings.period(0, 6)], settings.unit, transaction_id=tx.transaction_id)
    await cp.require_set(ctx.csms, tx.evse_id, body, "step 2", "Accepted")
    await _read_back(ctx, body, tx.evse_id, "steps 4-5")


@ocpp201_case(
    "TC_K_37_CS", "Remote start with a charging profile", BLOCK, ["K05", "F01"],
    ["K05.FR.03", "E01.FR.02", "F01.FR.10", "F01.FR.13"], needs=[*NEEDS, "remote_start_stop"],
)  # fmt: skip
async def test_TC_K_37_CS(ctx: CaseContext) -> None:
    """RequestStartTransaction with a TxProfile (no transactionId): the transaction starts remotely and the
    profile is installed for it, reported back as sent."""
    csms, token = ctx.csms, ctx.cfg.valid_id_token
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    settings = await cp.schedule_settings(csms)
    body = cp.profile(PROFILE_ID, "TxProfile", [settings.period(0, 6)], settings.unit)
    authorize_remote = await read_variable(csms, "AuthCtrlr", "AuthorizeRemoteStart")
    tx.remote_start_id = 3701
    request = {"idToken": token.as_ocpp(), "evseId": tx.evse_id, "remoteStartId": tx.remote_start_id}
    answer = await csms.call("RequestStartTransaction", {**request, "chargingProfile": body})
    require_equal(answer.get("status"), "Accepted", "step 2: RequestStartTransactionResponse status")
    if tx.started:
        require_equal(answer.get("transactionId"), tx.transaction_id, "step 2: transactionId of the running one")
    if authorize_remote == "true":
        authorize = await csms.expect("Authorize", what="after RequestStartTransaction")
        require_equal(authorize.get("idToken"), token.as_ocpp(), "step 3: AuthorizeRequest idToken")
    tx.authorized = True
    # Step 5 happens when the authorization starts the transaction or it already runs; the EV is connected, so
    # a start at PowerPathClosed counts too.
    if tx.started or {"Authorized", "PowerPathClosed"} & set(ctx.tx_start_point):
        await states.expect_remote_start_event(ctx, tx)
    await states.energy_transfer_started(ctx, tx)
    await _read_back(ctx, body, tx.evse_id, "steps 9-10")
