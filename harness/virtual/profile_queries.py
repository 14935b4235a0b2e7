"""Which installed profiles a ClearChargingProfile (K10) or GetChargingProfiles (K09) request addresses."""

from __future__ import annotations

from typing import Any

from harness.virtual.charging_profile import ChargingProfile

LIMIT_SOURCE = "CSO"  # the profiles the CSMS installed
EXTERNAL_SOURCE = "EMS"  # the limits an energy management system set at the station (K12, external_limit.py)


def clear_matches(profile: ChargingProfile, request: dict[str, Any]) -> bool:
    """An id decides alone; otherwise every criterion given must match, and none given matches every profile."""
    if "chargingProfileId" in request:
        return profile.id == int(request["chargingProfileId"])
    criteria = request.get("chargingProfileCriteria", {})
    fields = {"evseId": profile.evse_id, "chargingProfilePurpose": profile.purpose, "stackLevel": profile.stack_level}
    return all(criteria[name] == value for name, value in fields.items() if name in criteria)


def report_matches(profile: ChargingProfile, request: dict[str, Any], source: str = LIMIT_SOURCE) -> bool:
    """Ids decide alone (K09.FR.01); otherwise the EVSE when given (K09.FR.04, K09.FR.05: 0 is the station's own;
    K09.FR.06: absent is all) and every criterion given; `source` is where the profile came from.
    """
    criterion = request["chargingProfile"]
    if "chargingProfileId" in criterion:
        return profile.id in criterion["chargingProfileId"]
    if "evseId" in request and profile.evse_id != request["evseId"]:
        return False
    if source not in criterion.get("chargingLimitSource", [source]):
        return False
    fields = {"chargingProfilePurpose": profile.purpose, "stackLevel": profile.stack_level}
    return all(criterion[name] == value for name, value in fields.items() if name in criterion)
