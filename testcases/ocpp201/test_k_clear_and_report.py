"""Block K, Smart charging: clearing charging profiles (K10) and reporting the installed ones (K09)."""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.v201 import charging_profiles as cp
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext

BLOCK = "K Smart charging"
NEEDS = ["smart_charging"]
PROFILE_ID = 201  # the configured chargingProfileId
MAX_PROFILE_ID, DEFAULT_PROFILE_ID = 211, 212  # <Generated Id1>, <Generated Id2> of the K09 cases
STACK_LEVEL = 1  # the configured stackLevel
DURATION_S = 300


async def _default_profile(
    ctx: CaseContext, profile_id: int = PROFILE_ID, stack_level: int = STACK_LEVEL
) -> dict[str, Any]:
    settings = await cp.schedule_settings(ctx.csms)
    return cp.profile(
        profile_id, "TxDefaultProfile", [settings.period(0, 6)], settings.unit, stack_level=stack_level,
        duration_s=DURATION_S,
    )  # fmt: skip


async def _two_profiles(
    ctx: CaseContext, max_stack: int = 0, default_stack: int = 0
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Memory state of the K09 cases: a ChargingStationMaxProfile on the station (Id1) and a TxDefaultProfile on
    the configured EVSE (Id2)."""
    settings = await cp.schedule_settings(ctx.csms)
    station_max = cp.profile(
        MAX_PROFILE_ID, "ChargingStationMaxProfile", [settings.period(0, 16)], settings.unit, kind="Absolute",
        stack_level=max_stack, start_schedule=cp.now(), duration_s=86_400,
    )  # fmt: skip
    default = await _default_profile(ctx, DEFAULT_PROFILE_ID, default_stack)
    await cp.install(ctx.csms, 0, station_max, "the ChargingStationMaxProfile (Id1)")
    await cp.install(ctx.csms, ctx.cfg.evse_id, default, "the TxDefaultProfile (Id2)")
    return station_max, default


# ---------------------------------------------------------------- K10 ClearChargingProfile


@ocpp201_case("TC_K_05_CS", "Clear charging profile - by chargingProfileId", BLOCK, ["K10"], ["K10.FR.03"], needs=NEEDS)
async def test_TC_K_05_CS(ctx: CaseContext) -> None:
    """Clearing an installed profile by its id is Accepted; afterwards the station has no profile with that id."""
    body = await _default_profile(ctx)
    await cp.install(ctx.csms, ctx.cfg.evse_id, body, "the profile to clear")
    answer = await ctx.csms.call("ClearChargingProfile", {"chargingProfileId": body["id"]})
    require_equal(answer.get("status"), "Accepted", "step 2: ClearChargingProfileResponse status")
    await cp.require_no_profiles(ctx.csms, {"chargingProfileId": [body["id"]]}, "step 4")


@ocpp201_case(
    "TC_K_06_CS", "Clear charging profile - by stackLevel and purpose", BLOCK, ["K10"], ["K10.FR.04"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_06_CS(ctx: CaseContext) -> None:
    """During a transaction, clearing by purpose and stackLevel removes the matching profile."""
    body = await _default_profile(ctx)
    await cp.install(ctx.csms, ctx.cfg.evse_id, body, "the TxDefaultProfile to clear")
    await states.energy_transfer_started(ctx, ctx.new_transaction())
    criteria = {"chargingProfilePurpose": body["chargingProfilePurpose"], "stackLevel": body["stackLevel"]}
    answer = await ctx.csms.call("ClearChargingProfile", {"chargingProfileCriteria": criteria})
    require_equal(answer.get("status"), "Accepted", "step 2: ClearChargingProfileResponse status")
    await cp.require_no_profiles(ctx.csms, criteria, "step 4")


@ocpp201_case(
    "TC_K_07_CS", "Clear charging profile - unknown stackLevel and purpose", BLOCK, ["K10"], ["K10.FR.01"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_07_CS(ctx: CaseContext) -> None:
    """Clearing by a purpose and stackLevel no installed profile has is answered Unknown."""
    body = await _default_profile(ctx, stack_level=1)
    await cp.install(ctx.csms, ctx.cfg.evse_id, body, "the TxDefaultProfile at stackLevel 1")
    criteria = {"chargingProfilePurpose": "ChargingStationMaxProfile", "stackLevel": 0}
    answer = await ctx.csms.call("ClearChargingProfile", {"chargingProfileCriteria": criteria})
    require_equal(answer.get("status"), "Unknown", "step 2: ClearChargingProfileResponse status")


@ocpp201_case(
    "TC_K_08_CS", "Clear charging profile - no profile installed", BLOCK, ["K10"], ["K10.FR.01"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_08_CS(ctx: CaseContext) -> None:
    """Clearing a profile id when no profile is installed is answered Unknown."""
    answer = await ctx.csms.call("ClearChargingProfile", {"chargingProfileId": PROFILE_ID})
    require_equal(answer.get("status"), "Unknown", "step 2: ClearChargingProfileResponse status")


# ---------------------------------------------------------------- K09 GetChargingProfiles


@ocpp201_case(
    "TC_K_29_CS", "Get charging profiles - evseId 0", BLOCK, ["K09"], ["K09.FR.02", "K09.FR.05"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_29_CS(ctx: CaseContext) -> None:
    """For evseId 0 the station reports the profiles installed on the station itself: the ChargingStationMaxProfile."""
    station_max, _ = await _two_profiles(ctx)
    reported = await cp.require_reported(ctx.csms, {}, "steps 2-3", evse_id=0)
    cp.require_only(reported, {station_max["id"]}, "step 3")
    cp.require_reported_as_sent(reported, station_max, "step 3", 0)


@ocpp201_case(
    "TC_K_30_CS", "Get charging profiles - one EVSE", BLOCK, ["K09"], ["K09.FR.02", "K09.FR.04"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_30_CS(ctx: CaseContext) -> None:
    """For the configured EVSE the station reports the profile installed on it: the TxDefaultProfile."""
    _, default = await _two_profiles(ctx)
    reported = await cp.require_reported(ctx.csms, {}, "steps 2-3", evse_id=ctx.cfg.evse_id)
    cp.require_only(reported, {default["id"]}, "step 3")
    cp.require_reported_as_sent(reported, default, "step 3", ctx.cfg.evse_id)


@ocpp201_case(
    "TC_K_31_CS", "Get charging profiles - no evseId", BLOCK, ["K09"], ["K09.FR.02", "K09.FR.06"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_31_CS(ctx: CaseContext) -> None:
    """Without evseId the station reports every installed profile, each under its own EVSE."""
    station_max, default = await _two_profiles(ctx)
    reported = await cp.require_reported(ctx.csms, {}, "steps 2-3")
    cp.require_only(reported, {station_max["id"], default["id"]}, "step 3")
    cp.require_reported_as_sent(reported, station_max, "step 3", 0)
    cp.require_reported_as_sent(reported, default, "step 3", ctx.cfg.evse_id)


@ocpp201_case(
    "TC_K_32_CS", "Get charging profiles - by chargingProfileId", BLOCK, ["K09"], ["K09.FR.01", "K09.FR.02"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_32_CS(ctx: CaseContext) -> None:
    """Asked for Id1 only, the station reports that profile and no other."""
    station_max, _ = await _two_profiles(ctx)
    reported = await cp.require_reported(ctx.csms, {"chargingProfileId": [station_max["id"]]}, "steps 2-3")
    cp.require_only(reported, {station_max["id"]}, "step 3")
    cp.require_reported_as_sent(reported, station_max, "step 3", 0)


@ocpp201_case(
    "TC_K_33_CS", "Get charging profiles - one EVSE and a stackLevel", BLOCK, ["K09"], ["K09.FR.02", "K09.FR.04"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_33_CS(ctx: CaseContext) -> None:
    """For the configured EVSE and the TxDefaultProfile's stackLevel, that profile alone is reported.

    Part 6 names the station profile's stackLevel in the request but expects a profile of the EVSE; we ask for the
    stackLevel of the EVSE's profile and give the two profiles different levels so the filter matters.
    """
    _, default = await _two_profiles(ctx, max_stack=0, default_stack=STACK_LEVEL)
    criterion = {"stackLevel": default["stackLevel"]}
    reported = await cp.require_reported(ctx.csms, criterion, "steps 2-3", evse_id=ctx.cfg.evse_id)
    cp.require_only(reported, {default["id"]}, "step 3")
    cp.require_reported_as_sent(reported, default, "step 3", ctx.cfg.evse_id)


@ocpp201_case(
    "TC_K_34_CS", "Get charging profiles - one EVSE and a limit source", BLOCK, ["K09"], ["K09.FR.02", "K09.FR.04"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_34_CS(ctx: CaseContext) -> None:
    """Profiles the CSMS set are reported under source CSO; asked for another source (EMS) there are none."""
    default = await _default_profile(ctx, DEFAULT_PROFILE_ID, STACK_LEVEL + 1)
    await cp.install(ctx.csms, ctx.cfg.evse_id, default, "the TxDefaultProfile (Id1)")
    reported = await cp.require_reported(
        ctx.csms, {"chargingLimitSource": ["CSO"]}, "steps 2-3", evse_id=ctx.cfg.evse_id
    )
    cp.require_only(reported, {default["id"]}, "step 3")
    cp.require_reported_as_sent(reported, default, "step 3", ctx.cfg.evse_id)
    require_equal(reported[0].source, "CSO", "step 3: ReportChargingProfilesRequest chargingLimitSource")
    await cp.require_no_profiles(ctx.csms, {"chargingLimitSource": ["EMS"]}, "step 6", evse_id=ctx.cfg.evse_id)


@ocpp201_case(
    "TC_K_35_CS", "Get charging profiles - one EVSE and a purpose", BLOCK, ["K09"], ["K09.FR.02", "K09.FR.04"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_35_CS(ctx: CaseContext) -> None:
    """For the configured EVSE and purpose TxDefaultProfile, the EVSE's TxDefaultProfile alone is reported."""
    _, default = await _two_profiles(ctx)
    criterion = {"chargingProfilePurpose": "TxDefaultProfile"}
    reported = await cp.require_reported(ctx.csms, criterion, "steps 2-3", evse_id=ctx.cfg.evse_id)
    cp.require_only(reported, {default["id"]}, "step 3")
    cp.require_reported_as_sent(reported, default, "step 3", ctx.cfg.evse_id)


@ocpp201_case(
    "TC_K_36_CS", "Get charging profiles - purpose and stackLevel", BLOCK, ["K09"], ["K09.FR.02", "K09.FR.04"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_36_CS(ctx: CaseContext) -> None:
    """Both profiles at the configured stackLevel; for the EVSE, TxDefaultProfile and that level, only the EVSE's
    TxDefaultProfile is reported."""
    _, default = await _two_profiles(ctx, max_stack=STACK_LEVEL, default_stack=STACK_LEVEL)
    criterion = {"chargingProfilePurpose": "TxDefaultProfile", "stackLevel": STACK_LEVEL}
    reported = await cp.require_reported(ctx.csms, criterion, "steps 2-3", evse_id=ctx.cfg.evse_id)
    cp.require_only(reported, {default["id"]}, "step 3")
    cp.require_reported_as_sent(reported, default, "step 3", ctx.cfg.evse_id)
