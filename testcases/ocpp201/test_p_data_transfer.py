"""Block P, DataTransfer: vendor-specific messages (P01) and customData on ordinary requests."""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require_equal, require_in
from harness.ocpp.v201 import charging_profiles as cp
from harness.ocpp.v201.states import CaseContext

BLOCK = "P DataTransfer"
OCTT_VENDOR_ID = "org.openchargealliance.octt"  # the vendorId Part 6 TC_P_01_CS sends
UNUSED_MESSAGE_ID = "HarnessUnusedMessage"  # a messageId no station defines: Part 6 leaves the choice to the lab
# customData as the schemas allow it anywhere: a vendorId plus the vendor's own properties.
CUSTOM_DATA: dict[str, Any] = {"vendorId": "org.v2g-harness", "note": "ignore me"}
OFFLINE_THRESHOLD = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "OfflineThreshold"}}
PROFILE_ID = 301  # <Configured chargingProfileId>
PROFILE_DURATION_S = 300  # <Configured duration>


@ocpp201_case(
    "TC_P_01_CS", "Data transfer to the station - unknown vendorId or messageId", BLOCK, ["P01"],
    ["P01.FR.05", "P01.FR.06"],
)  # fmt: skip
async def test_TC_P_01_CS(ctx: CaseContext) -> None:
    """DataTransfer for a vendor extension the station does not have answers UnknownVendorId/MessageId or Rejected."""
    answer = await ctx.csms.call("DataTransfer", {"vendorId": OCTT_VENDOR_ID, "messageId": UNUSED_MESSAGE_ID})
    require_in(
        answer.get("status"), ("UnknownVendorId", "UnknownMessageId", "Rejected"), "step 2: DataTransferResponse status"
    )


@ocpp201_case("TC_P_03_CS", "CustomData - receive custom data", BLOCK, [], [])
async def test_TC_P_03_CS(ctx: CaseContext) -> None:
    """Set- and GetVariables carrying customData are handled as if it were absent."""
    setting = {**OFFLINE_THRESHOLD, "attributeType": "Actual", "attributeValue": "200", "customData": CUSTOM_DATA}
    answer = await ctx.csms.call("SetVariables", {"setVariableData": [setting], "customData": CUSTOM_DATA})
    require_equal(
        answer.get("setVariableResult.0.attributeStatus"), "Accepted", "step 2: setVariableResult[0].attributeStatus"
    )
    reading = {**OFFLINE_THRESHOLD, "attributeType": "Actual", "customData": CUSTOM_DATA}
    answer = await ctx.csms.call("GetVariables", {"getVariableData": [reading], "customData": CUSTOM_DATA})
    require_equal(
        answer.get("getVariableResult.0.attributeStatus"), "Accepted", "step 4: getVariableResult[0].attributeStatus"
    )
    require_in(
        answer.get("getVariableResult.0.attributeType"), (None, "Actual"), "step 4: getVariableResult[0].attributeType"
    )
    require_equal(
        answer.get("getVariableResult.0.attributeValue"), "200", "step 4: getVariableResult[0].attributeValue"
    )


@ocpp201_case("TC_P_04_CS", "CustomData - in a charging profile", BLOCK, [], [], needs=["smart_charging"])
async def test_TC_P_04_CS(ctx: CaseContext) -> None:
    """A TxDefaultProfile whose profile and period carry customData is Accepted."""
    settings = await cp.schedule_settings(ctx.csms)
    period = {**settings.period(0, 6), "customData": CUSTOM_DATA}
    body = cp.profile(PROFILE_ID, "TxDefaultProfile", [period], settings.unit, duration_s=PROFILE_DURATION_S)
    body["customData"] = CUSTOM_DATA
    status = await cp.set_profile(ctx.csms, ctx.cfg.evse_id, body)
    require_equal(status, "Accepted", "step 2: SetChargingProfileResponse status")
    # Not a step of the case: take the 6 A limit away again so it cannot slow the cases that follow.
    cleared = await ctx.csms.call("ClearChargingProfile", {"chargingProfileId": PROFILE_ID}, allow_error=True)
    if cleared.get("status") != "Accepted":
        ctx.csms.evidence.note(f"the TxDefaultProfile {PROFILE_ID} of this case could not be cleared afterwards")
