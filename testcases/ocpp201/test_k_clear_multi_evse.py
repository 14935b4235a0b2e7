"""Block K, Smart charging, on a station with two EVSEs or more: clearing by chargingProfilePurpose and stackLevel
without an EVSE removes the matching profiles of every EVSE (K10.FR.04)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.v201 import charging_profiles as cp
from harness.ocpp.v201.states import CaseContext
from harness.verdict import Inconclusive

BLOCK = "K Smart charging"
NEEDS = ["smart_charging"]
PROFILE_IDS = (241, 242)  # one configured chargingProfileId per EVSE
PURPOSE = "TxDefaultProfile"  # <Configured chargingProfilePurpose>
STACK_LEVEL = 1  # <Configured stackLevel>
DURATION_S = 300


@ocpp201_case(
    "TC_K_24_CS", "Clear charging profile - purpose and stackLevel on several EVSEs", BLOCK, ["K10"], ["K10.FR.04"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_24_CS(ctx: CaseContext) -> None:
    """The same purpose and stackLevel installed on EVSE 1 and EVSE 2 are both cleared by one request naming only
    the purpose and the stackLevel."""
    if len(ctx.profile.evses) < 2:
        raise Inconclusive("the DUT profile names a single EVSE; the case needs two")
    settings = await cp.schedule_settings(ctx.csms)
    for profile_id, evse in zip(PROFILE_IDS, ctx.profile.evses[:2], strict=True):
        body = cp.profile(
            profile_id, PURPOSE, [settings.period(0, 6)], settings.unit, stack_level=STACK_LEVEL, duration_s=DURATION_S
        )
        await cp.install(ctx.csms, evse.id, body, f"the {PURPOSE} on EVSE {evse.id}")
    criteria = {"chargingProfilePurpose": PURPOSE, "stackLevel": STACK_LEVEL}
    answer = await ctx.csms.call("ClearChargingProfile", {"chargingProfileCriteria": criteria})
    require_equal(answer.get("status"), "Accepted", "step 2: ClearChargingProfileResponse status")
    await cp.require_no_profiles(ctx.csms, criteria, "step 4")
