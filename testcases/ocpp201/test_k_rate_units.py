"""Block K, Smart charging, on a station that supports only one of the charging rate units A and W (Part 5:
not both SC-2.1 and SC-2.2): a profile or a composite schedule in the other unit is refused (K01.FR.26,
K08.FR.07)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import charging_profiles as cp
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import read_variable
from harness.verdict import Inconclusive

BLOCK = "K Smart charging"
NEEDS = ["smart_charging"]
PROFILE_ID = 101  # the configured chargingProfileId
DURATION_S = 300


async def _unsupported_unit(ctx: CaseContext) -> str:
    """<Configured chargingRateUnit>: the one of A and W missing from SmartChargingCtrlr.RateUnit."""
    listed = await read_variable(ctx.csms, "SmartChargingCtrlr", "RateUnit")
    if listed is None:
        raise Inconclusive("SmartChargingCtrlr.RateUnit is not readable: the unsupported unit is unknown")
    missing = [unit for unit in ("A", "W") if unit not in {u.strip() for u in listed.split(",")}]
    if len(missing) != 1:
        raise Inconclusive(f"SmartChargingCtrlr.RateUnit is {listed!r}: the case needs exactly one of A, W supported")
    return missing[0]


@ocpp201_case(
    "TC_K_12_CS", "Set charging profile - chargingRateUnit not supported", BLOCK, ["K01"], ["K01.FR.26"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_12_CS(ctx: CaseContext) -> None:
    """A profile whose schedule is in the unit the station does not support is Rejected."""
    unit = await _unsupported_unit(ctx)
    settings = cp.ScheduleSettings(unit, 3)
    body = cp.profile(PROFILE_ID, "TxDefaultProfile", [settings.period(0, 6)], unit, duration_s=DURATION_S)
    await cp.require_set(ctx.csms, ctx.cfg.evse_id, body, "step 2", "Rejected")


@ocpp201_case(
    "TC_K_42_CS", "Get composite schedule - chargingRateUnit not supported", BLOCK, ["K08"], ["K08.FR.07"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_42_CS(ctx: CaseContext) -> None:
    """A composite schedule asked for in the unit the station does not support is Rejected, without a schedule."""
    unit = await _unsupported_unit(ctx)
    answer = await ctx.csms.call(
        "GetCompositeSchedule", {"evseId": 0, "duration": DURATION_S, "chargingRateUnit": unit}
    )
    require_equal(answer.get("status"), "Rejected", "step 2: GetCompositeScheduleResponse status")
    require(answer.get("schedule") is None, "step 2: GetCompositeScheduleResponse must omit schedule when Rejected")
