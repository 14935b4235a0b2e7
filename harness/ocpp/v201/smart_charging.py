"""CSMS steps for charging limits (OCPP 2.0.1 K01, K10) that other test cases build on."""

from __future__ import annotations

from harness.checks import require_equal
from harness.ocpp.channel import StationChannel

DEFAULT_LIMIT_PROFILE_ID = 9001  # an id the test configuration never uses for anything else
DEFAULT_LIMIT_STACK_LEVEL = 0


def default_limit_profile(limit_w: float, profile_id: int = DEFAULT_LIMIT_PROFILE_ID) -> dict[str, object]:
    """A TxDefaultProfile with one absolute period of `limit_w` watts, valid from now on."""
    return {
        "id": profile_id,
        "stackLevel": DEFAULT_LIMIT_STACK_LEVEL,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [
            {
                "id": profile_id,
                "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": float(limit_w)}],
            }
        ],
    }


async def set_default_limit(csms: StationChannel, evse_id: int, limit_w: float) -> None:
    """K01: install a TxDefaultProfile limiting `evse_id` to `limit_w`; anything but Accepted fails the case."""
    outcome = await csms.call(
        "SetChargingProfile", {"evseId": evse_id, "chargingProfile": default_limit_profile(limit_w)}
    )
    require_equal(outcome.get("status"), "Accepted", "SetChargingProfileResponse status")


async def clear_default_limit(csms: StationChannel, profile_id: int = DEFAULT_LIMIT_PROFILE_ID) -> None:
    """K10: remove the profile `set_default_limit` installed."""
    await csms.call("ClearChargingProfile", {"chargingProfileId": profile_id})
