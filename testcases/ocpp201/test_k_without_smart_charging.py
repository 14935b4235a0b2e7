"""Block K, Smart charging, as a station WITHOUT it must behave (Part 5: only for a DUT that does not claim the Smart
Charging profile): SetChargingProfile is an unknown message (K01.FR.29) and the chargingProfile of a remote start
is ignored while the transaction starts as usual (F01)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import charging_profiles as cp
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import read_variable

BLOCK = "K Smart charging"
PROFILE_ID = 101  # the configured chargingProfileId
REMOTE_START_ID = 3801
# <Configured chargingRateUnit> and <Configured numberPhases>: a station without smart charging has no
# SmartChargingCtrlr.RateUnit to read them from, so the case uses amperes on three phases.
SETTINGS = cp.ScheduleSettings("A", 3)


@ocpp201_case(
    "TC_K_15_CS", "Set charging profile - not supported", BLOCK, ["K01"], ["K01.FR.29"], needs=[],
)  # fmt: skip
async def test_TC_K_15_CS(ctx: CaseContext) -> None:
    """A station without smart charging answers SetChargingProfile with CALLERROR NotSupported."""
    body = cp.profile(PROFILE_ID, "TxDefaultProfile", [SETTINGS.period(0, 6)], SETTINGS.unit)
    outcome = await ctx.csms.call(
        "SetChargingProfile", {"evseId": ctx.cfg.evse_id, "chargingProfile": body}, allow_error=True
    )
    require(
        outcome.error_code is not None,
        f"step 2: SetChargingProfileRequest was answered with status {outcome.get('status')!r}, "
        "not with CALLERROR NotSupported",
    )
    require_equal(outcome.error_code, "NotSupported", "step 2: CALLERROR errorCode")


@ocpp201_case(
    "TC_K_38_CS", "Remote start with a charging profile - profile ignored", BLOCK, ["F01"],
    ["F01.FR.12", "F01.FR.13"], needs=["remote_start_stop"],
)  # fmt: skip
async def test_TC_K_38_CS(ctx: CaseContext) -> None:
    """Without smart charging, a RequestStartTransaction carrying a TxProfile is Accepted, the profile ignored,
    and the transaction starts remotely and charges."""
    csms, token = ctx.csms, ctx.cfg.valid_id_token
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    body = cp.profile(PROFILE_ID, "TxProfile", [SETTINGS.period(0, 6)], SETTINGS.unit)
    authorize_remote = await read_variable(csms, "AuthCtrlr", "AuthorizeRemoteStart")
    tx.remote_start_id = REMOTE_START_ID
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
