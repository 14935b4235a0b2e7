"""Block K, Smart charging: a limit set by an external system at the station (K12), as the CSMS reads it back."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import charging_profiles as cp
from harness.ocpp.v201.states import CaseContext

BLOCK = "K Smart charging"
NEEDS = ["smart_charging"]
EXTERNAL = "ChargingStationExternalConstraints"
EXTERNAL_LIMIT_A = 10  # the external system's limit: 10 A, or 10 kW where the station works in W


@ocpp201_case(
    "TC_K_52_CS", "External limit reported as ChargingStationExternalConstraints", BLOCK, ["K12"], ["K12.FR.05"],
    needs=NEEDS,
)  # fmt: skip
async def test_TC_K_52_CS(ctx: CaseContext) -> None:
    """A limit an energy management system set at the station is reported as a ChargingStationExternalConstraints
    profile by GetChargingProfiles."""
    settings = await cp.schedule_settings(ctx.csms)
    # Memory state: the external limit reaches the station outside OCPP; it is lifted again whatever the verdict.
    await ctx.dut.external_limit(settings.limit(EXTERNAL_LIMIT_A), settings.unit)
    try:
        reported = await cp.require_reported(ctx.csms, {"chargingProfilePurpose": EXTERNAL}, "step 2")
        for found in reported:
            purpose = found.profile.get("chargingProfilePurpose")
            require_equal(purpose, EXTERNAL, f"step 3: chargingProfilePurpose of profile {found.profile.get('id')}")
        require(bool(reported), f"post scenario: no {EXTERNAL} profile was reported")
    finally:
        await ctx.dut.release_external_limit()
