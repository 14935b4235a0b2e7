"""Block K, Smart charging: the composite schedule (K08) and the time fields of profiles it honours (K01)."""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import charging_profiles as cp
from harness.ocpp.v201 import states
from harness.ocpp.v201.composite_checks import Expected, require_composite, require_composite_rejected, require_periods
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure

BLOCK = "K Smart charging"
NEEDS = ["smart_charging"]
PROFILE_ID = 301
SIGNIFICANCE = [("SmartChargingCtrlr", "LimitChangeSignificance", "1.0")]


async def _window_default(ctx: CaseContext, settings: cp.ScheduleSettings, start: float) -> None:
    """Memory state of TC_K_09_CS: an Absolute TxDefaultProfile of 6 A / 6000 W, valid around the next 400 s."""
    deviation = ctx.timing.time_tolerance_s  # the configured max time deviation
    body = cp.profile(
        PROFILE_ID, "TxDefaultProfile", [settings.period(0, 6)], settings.unit, kind="Absolute",
        valid_from=start - deviation, valid_to=start + deviation + 401, start_schedule=start,
        duration_s=int(400 + deviation),
    )  # fmt: skip
    await cp.install(ctx.csms, ctx.cfg.evse_id, body, "the TxDefaultProfile of 6 A / 6000 W")


@ocpp201_case(
    "TC_K_09_CS", "Clear charging profile - TxDefaultProfile during a transaction", BLOCK, ["K10"], ["K10.FR.07"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_09_CS(ctx: CaseContext) -> None:
    """With a transaction running under a TxDefaultProfile of 6, clearing that purpose lifts the limit: the
    composite schedule starts at 6 before and at another limit after."""
    await configure(ctx.csms, SIGNIFICANCE)
    settings = await cp.schedule_settings(ctx.csms)
    await _window_default(ctx, settings, cp.now())
    await states.energy_transfer_started(ctx, ctx.new_transaction())
    evse_id, six = ctx.cfg.evse_id, settings.limit(6)
    before = await require_composite(ctx.csms, evse_id, 300, settings.unit, "step 2")
    require_periods(before, [Expected(None, six)], ctx.timing.time_tolerance_s, "step 2")
    answer = await ctx.csms.call(
        "ClearChargingProfile", {"chargingProfileCriteria": {"chargingProfilePurpose": "TxDefaultProfile"}}
    )
    require_equal(answer.get("status"), "Accepted", "step 4: ClearChargingProfileResponse status")
    after = await require_composite(ctx.csms, evse_id, 300, settings.unit, "step 6")
    first = float(after["chargingSchedulePeriod"][0]["limit"])
    require(abs(first - six) > 0.05, f"step 6: the composite still starts at {first:g} after the profile was cleared")


@ocpp201_case(
    "TC_K_21_CS", "Set charging profile - validFrom in the future", BLOCK, ["K01"], ["K01.FR.36"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_21_CS(ctx: CaseContext) -> None:
    """A Relative TxDefaultProfile valid from now + 300 s limits the composite from then on, not before."""
    settings = await cp.schedule_settings(ctx.csms)
    start = cp.now()
    body = cp.profile(PROFILE_ID, "TxDefaultProfile", [settings.period(0, 6)], settings.unit, valid_from=start + 300)
    await cp.require_set(ctx.csms, ctx.cfg.evse_id, body, "step 2", "Accepted")
    schedule = await require_composite(ctx.csms, ctx.cfg.evse_id, 400, settings.unit, "step 4")
    expected = [Expected(None, None), Expected(start + 300, settings.limit(6))]
    require_periods(schedule, expected, ctx.timing.time_tolerance_s, "step 4")


@ocpp201_case(
    "TC_K_22_CS", "Set charging profile - validTo ends the limit", BLOCK, ["K01"], ["K01.FR.37"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_22_CS(ctx: CaseContext) -> None:
    """A TxDefaultProfile on EVSE 0 valid until now + 300 s limits every EVSE (the station: their sum) until then."""
    settings = await cp.schedule_settings(ctx.csms)
    start, deviation = cp.now(), ctx.timing.time_tolerance_s
    body = cp.profile(
        PROFILE_ID, "TxDefaultProfile", [settings.period(0, 6)], settings.unit, kind="Absolute",
        valid_from=start - deviation, valid_to=start + 300, start_schedule=start,
    )  # fmt: skip
    await cp.require_set(ctx.csms, 0, body, "step 2", "Accepted")
    evses = [evse.id for evse in ctx.profile.evses]
    for evse_id in [0, *evses]:
        step = f"step 4 (evseId {evse_id})"
        schedule = await require_composite(ctx.csms, evse_id, 400, settings.unit, step)
        limit = settings.limit(6) * (len(evses) if evse_id == 0 else 1)
        expected = [Expected(None, limit), Expected(start + 300, None)]
        require_periods(schedule, expected, ctx.timing.time_tolerance_s, step)


@ocpp201_case(
    "TC_K_23_CS", "Set charging profile - startSchedule in the future", BLOCK, ["K01"], ["K01.FR.30"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_23_CS(ctx: CaseContext) -> None:
    """An Absolute TxDefaultProfile whose schedule starts in about 60 s limits the composite from then on."""
    settings = await cp.schedule_settings(ctx.csms)
    start, deviation = cp.now(), ctx.timing.time_tolerance_s
    begins = start - deviation + 60
    body = cp.profile(
        PROFILE_ID, "TxDefaultProfile", [settings.period(0, 6)], settings.unit, kind="Absolute",
        valid_from=start - deviation + 50, valid_to=start + deviation + 400, start_schedule=begins,
    )  # fmt: skip
    await cp.require_set(ctx.csms, ctx.cfg.evse_id, body, "step 2", "Accepted")
    schedule = await require_composite(ctx.csms, ctx.cfg.evse_id, 300, settings.unit, "step 4")
    expected = [Expected(None, None), Expected(begins, settings.limit(6))]
    require_periods(schedule, expected, ctx.timing.time_tolerance_s, "step 4")


@ocpp201_case(
    "TC_K_28_CS", "Set charging profile - TxDefaultProfile during a transaction", BLOCK, ["K01"], ["K01.FR.32"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_28_CS(ctx: CaseContext) -> None:
    """A TxDefaultProfile installed while a transaction runs applies to it at once: the composite starts at 6."""
    await configure(ctx.csms, SIGNIFICANCE)
    await states.energy_transfer_started(ctx, ctx.new_transaction())
    settings = await cp.schedule_settings(ctx.csms)
    start, deviation = cp.now(), ctx.timing.time_tolerance_s
    body = cp.profile(
        PROFILE_ID, "TxDefaultProfile", [settings.period(0, 6)], settings.unit, kind="Absolute",
        valid_from=start - deviation, valid_to=start + deviation + 300, start_schedule=start - deviation,
        duration_s=300,
    )  # fmt: skip
    await cp.require_set(ctx.csms, ctx.cfg.evse_id, body, "step 2", "Accepted")
    schedule = await require_composite(ctx.csms, ctx.cfg.evse_id, 300, settings.unit, "step 4")
    require_periods(schedule, [Expected(None, settings.limit(6))], ctx.timing.time_tolerance_s, "step 4")


@ocpp201_case(
    "TC_K_39_CS", "Get composite schedule - no profile installed", BLOCK, ["K08"],
    ["K08.FR.02", "K08.FR.03", "K08.FR.06"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_39_CS(ctx: CaseContext) -> None:
    """Without profiles the station still answers a composite schedule (its local limits) for EVSE 0 over 300 s."""
    settings = await cp.schedule_settings(ctx.csms)
    await require_composite(ctx.csms, 0, 300, settings.unit, "step 2")


@ocpp201_case(
    "TC_K_40_CS", "Get composite schedule - stacked TxDefaultProfiles", BLOCK, ["K08"], ["K08.FR.02", "K08.FR.06"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_40_CS(ctx: CaseContext) -> None:
    """Two TxDefaultProfiles at stackLevel 0 and 1: the higher level rules while its schedule lasts, then the
    lower one shows through."""
    settings = await cp.schedule_settings(ctx.csms)
    start, deviation = cp.now(), ctx.timing.time_tolerance_s
    begins = start - deviation
    ends = start + deviation + 401
    low = cp.profile(
        PROFILE_ID, "TxDefaultProfile", [settings.period(0, 6), settings.period(100, 8), settings.period(200, 10)],
        settings.unit, kind="Absolute", stack_level=0, duration_s=int(400 + deviation), valid_from=begins,
        valid_to=ends, start_schedule=begins,
    )  # fmt: skip
    high = cp.profile(
        PROFILE_ID + 1, "TxDefaultProfile", [settings.period(0, 7), settings.period(100, 9)], settings.unit,
        kind="Absolute", stack_level=1, duration_s=int(150 + deviation), valid_from=begins, valid_to=ends,
        start_schedule=begins,
    )  # fmt: skip
    await cp.install(ctx.csms, ctx.cfg.evse_id, low, "ChargingProfile 1 (stackLevel 0)")
    await cp.install(ctx.csms, ctx.cfg.evse_id, high, "ChargingProfile 2 (stackLevel 1)")
    schedule = await require_composite(ctx.csms, ctx.cfg.evse_id, 350, settings.unit, "step 2")
    limit = settings.limit
    expected = [
        Expected(None, limit(7)),
        Expected(begins + 100, limit(9)),
        Expected(begins + 150 + deviation, limit(8)),
        Expected(begins + 200, limit(10)),
    ]
    require_periods(schedule, expected, ctx.timing.time_tolerance_s, "step 2")


@ocpp201_case(
    "TC_K_41_CS", "Get composite schedule - profiles of different purposes", BLOCK, ["K08"],
    ["K08.FR.02", "K08.FR.04"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_41_CS(ctx: CaseContext) -> None:
    """Station maximum, TxDefaultProfile and TxProfile together: the TxProfile stands in for the default and the
    maximum caps both."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)  # a TxProfile needs the transaction it belongs to
    settings = await cp.schedule_settings(ctx.csms)
    start, deviation = cp.now(), ctx.timing.time_tolerance_s
    begins, limit, unit = start - deviation, settings.limit, settings.unit
    ends = start + deviation + 401

    def periods(*pairs: tuple[int, float]) -> list[dict[str, Any]]:
        return [settings.period(s, a) for s, a in pairs]

    station_max = cp.profile(
        PROFILE_ID, "ChargingStationMaxProfile", periods((0, 10)), unit, kind="Absolute", start_schedule=begins,
        duration_s=86_400,
    )  # fmt: skip
    default = cp.profile(
        PROFILE_ID + 1, "TxDefaultProfile", periods((0, 6), (60, 10), (120, 8), (180, 15), (260, 8)), unit,
        kind="Absolute", duration_s=300, valid_from=begins, valid_to=ends, start_schedule=begins,
    )  # fmt: skip
    tx_profile = cp.profile(
        PROFILE_ID + 2, "TxProfile", periods((0, 8), (50, 11), (140, 16), (200, 6), (240, 12)), unit,
        kind="Absolute", duration_s=260, transaction_id=tx.transaction_id, valid_from=begins, valid_to=ends,
        start_schedule=begins,
    )  # fmt: skip
    await cp.install(ctx.csms, 0, station_max, "ChargingProfile 1 (ChargingStationMaxProfile)")
    await cp.install(ctx.csms, tx.evse_id, default, "ChargingProfile 2 (TxDefaultProfile)")
    await cp.install(ctx.csms, tx.evse_id, tx_profile, "ChargingProfile 3 (TxProfile)")
    schedule = await require_composite(ctx.csms, tx.evse_id, 400, unit, "step 2")
    expected = [
        Expected(None, limit(8)),
        Expected(begins + 50, limit(10)),
        Expected(begins + 200, limit(6)),
        Expected(begins + 240, limit(10)),
    ]
    require_periods(schedule, expected, ctx.timing.time_tolerance_s, "step 2")


@ocpp201_case(
    "TC_K_47_CS", "Get composite schedule - unknown EVSE", BLOCK, ["K08"], ["K08.FR.05"], needs=NEEDS,
)  # fmt: skip
async def test_TC_K_47_CS(ctx: CaseContext) -> None:
    """A composite schedule for EVSE count + 1 is Rejected, without a schedule."""
    settings = await cp.schedule_settings(ctx.csms)
    await require_composite_rejected(ctx.csms, len(ctx.profile.evses) + 1, 300, settings.unit, "step 2")
