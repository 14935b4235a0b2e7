"""Block B, Provisioning: the summary base report (B07) and custom reports (B08, GetReport)."""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import reports
from harness.ocpp.v201.states import CaseContext
from harness.verdict import LabError

BLOCK = "B Provisioning"
AVAILABILITY_VALUES = {"Available", "Occupied", "Reserved", "Unavailable", "Faulted"}
B08_ALL = ["B08.FR.01", "B08.FR.03", "B08.FR.04", "B08.FR.11", "B08.FR.12", "B08.FR.14"]


def _evse_availability(evse_id: int | None = 1) -> dict[str, Any]:
    component: dict[str, Any] = {"name": "EVSE"}
    if evse_id is not None:
        component["evse"] = {"id": evse_id}
    return {"component": component, "variable": {"name": "AvailabilityState"}}


def _items_per_message(instance: str | None = None) -> dict[str, Any]:
    variable: dict[str, Any] = {"name": "ItemsPerMessage"}
    if instance is not None:
        variable["instance"] = instance
    return {"component": {"name": "DeviceDataCtrlr"}, "variable": variable}


def _is(entry: dict[str, Any], component: str, variable: str) -> bool:
    return bool(
        entry.get("component", {}).get("name") == component and entry.get("variable", {}).get("name") == variable
    )


def _check_evse_availability(entries: list[dict[str, Any]], step: str) -> None:
    """Part 6's checks of a reported EVSE 1 AvailabilityState: the only entry, an Actual ReadOnly OptionList."""
    require(len(entries) == 1, f"{step}: {len(entries)} entries reported, expected EVSE 1 AvailabilityState only")
    entry = entries[0]
    require(_is(entry, "EVSE", "AvailabilityState"), f"{step}: reported {reports.label(reports.key_of(entry))}")
    require_equal(entry.get("component", {}).get("evse", {}).get("id"), 1, f"{step}: component.evse.id")
    characteristics = entry.get("variableCharacteristics") or {}
    require_equal(characteristics.get("dataType"), "OptionList", f"{step}: variableCharacteristics.dataType")
    values = {v.strip() for v in str(characteristics.get("valuesList", "")).split(",")}
    require_equal(values, AVAILABILITY_VALUES, f"{step}: variableCharacteristics.valuesList")
    for attribute in entry.get("variableAttribute", []):
        require_equal(attribute.get("mutability"), "ReadOnly", f"{step}: variableAttribute.mutability")
        require_equal(attribute.get("type", "Actual"), "Actual", f"{step}: variableAttribute.type")


# ---------------------------------------------------------------- B07 summary


@ocpp201_case(
    "TC_B_14_CS", "Get base report - SummaryInventory", BLOCK, ["B07"],
    ["B07.FR.01", "B07.FR.03", "B07.FR.04", "B07.FR.09", "B07.FR.10", "B07.FR.12"], needs=["base_report"],
)  # fmt: skip
async def test_TC_B_14_CS(ctx: CaseContext) -> None:
    """The summary describes its variables and holds the availability of the station and of every EVSE."""
    entries = await reports.base_report(ctx, "SummaryInventory", "step 2")
    reports.check_characteristics(entries, "post")
    reported = {(reports.key_of(e)[:2], e.get("component", {}).get("evse", {}).get("id")) for e in entries}
    require((("ChargingStation", "AvailabilityState"), None) in reported, "post: no ChargingStation AvailabilityState")
    for evse in ctx.profile.evses:
        require((("EVSE", "AvailabilityState"), evse.id) in reported, f"post: no AvailabilityState of EVSE {evse.id}")


@ocpp201_case("TC_B_15_CS", "Get base report - SummaryInventory not supported", BLOCK, ["B07"], ["B07.FR.02"])
async def test_TC_B_15_CS(ctx: CaseContext) -> None:
    """A station without the optional summary (Part 5 applies the case only then) answers NotSupported and sends
    no report for the request."""
    request_id = reports.next_request_id()
    answer = await ctx.csms.call("GetBaseReport", {"requestId": request_id, "reportBase": "SummaryInventory"})
    require_equal(answer.get("status"), "NotSupported", "step 2: GetBaseReportResponse status")
    reason = answer.get("statusInfo.reasonCode")
    require(reason in (None, "UnsupportedParam"), f"step 2: GetBaseReportResponse statusInfo.reasonCode is {reason!r}")
    await ctx.csms.expect_none(
        "NotifyReport", lambda r: r.get("requestId") == request_id, during=ctx.timing.absence_s,
        what=f"for the refused requestId {request_id}",
    )  # fmt: skip


# ---------------------------------------------------------------- B08 custom reports


@ocpp201_case(
    "TC_B_16_CS", "Get custom report - component criteria", BLOCK, ["B08"],
    ["B08.FR.01", "B08.FR.03", "B08.FR.04", "B08.FR.07", "B08.FR.09", "B08.FR.10", "B08.FR.12", "B08.FR.13",
     "B08.FR.14"],
)  # fmt: skip
async def test_TC_B_16_CS(ctx: CaseContext) -> None:
    """Criterion Enabled reports the Enabled variables that are true, all of them, and GetVariables agrees."""
    entries = await reports.custom_report(ctx, {"componentCriteria": ["Enabled"]}, "step 2")
    for entry in entries:
        what = reports.label(reports.key_of(entry))
        require(entry.get("variableCharacteristics") is not None, f"step 3: {what} without variableCharacteristics")
        require_equal(entry.get("variable", {}).get("name"), "Enabled", "step 3: reportData.variable.name")
        values = [a.get("value") for a in entry.get("variableAttribute", []) if a.get("type", "Actual") == "Actual"]
        require_equal([str(v).lower() for v in values], ["true"], f"step 3: {what} Actual value")
    if entries:
        check = await ctx.csms.call(
            "GetVariables",
            {"getVariableData": [{"component": e["component"], "variable": e["variable"]} for e in entries]},
        )
        for result in check.get("getVariableResult", []):
            what = f"step 6: {result.get('component', {}).get('name')}.Enabled"
            require_equal(result.get("attributeStatus"), "Accepted", f"{what} attributeStatus")
            require_equal(str(result.get("attributeValue")).lower(), "true", f"{what} attributeValue")
    full = await reports.base_report(ctx, "FullInventory", "post (full inventory)")
    enabled = {
        reports.label(reports.key_of(e)) + str(e.get("component", {}).get("evse", ""))
        for e in full
        if e.get("variable", {}).get("name") == "Enabled"
        and any(str(a.get("value")).lower() == "true" for a in e.get("variableAttribute", []))
    }
    custom = {reports.label(reports.key_of(e)) + str(e.get("component", {}).get("evse", "")) for e in entries}
    missing = sorted(enabled - custom)
    require(not missing, f"post: Enabled true in the full inventory but not in the custom report: {missing}")


@ocpp201_case("TC_B_17_CS", "Get custom report - component/variable", BLOCK, ["B08"], B08_ALL)
async def test_TC_B_17_CS(ctx: CaseContext) -> None:
    """Asking for EVSE 1 AvailabilityState reports exactly that variable, described as Part 6 expects."""
    entries = await reports.custom_report(ctx, {"componentVariable": [_evse_availability()]}, "step 2")
    _check_evse_availability(entries, "step 3")


@ocpp201_case(
    "TC_B_18_CS", "Get custom report - criteria and component/variable", BLOCK, ["B08"],
    ["B08.FR.01", "B08.FR.03", "B08.FR.04", "B08.FR.05", "B08.FR.11", "B08.FR.12", "B08.FR.14", "B08.FR.15"],
)  # fmt: skip
async def test_TC_B_18_CS(ctx: CaseContext) -> None:
    """The criteria narrow the component/variable: Available finds EVSE 1, Problem finds nothing."""
    wanted = {"componentVariable": [_evse_availability()]}
    entries = await reports.custom_report(ctx, {"componentCriteria": ["Available"], **wanted}, "step 2")
    _check_evse_availability(entries, "step 3")
    await reports.custom_report_refused(
        ctx, {"componentCriteria": ["Problem"], **wanted}, "EmptyResultSet", ("NotFound",), "step 6"
    )


@ocpp201_case("TC_B_19_CS", "Get custom report - unsupported criterion", BLOCK, ["B08"], ["B08.FR.02"])
async def test_TC_B_19_CS(ctx: CaseContext) -> None:
    """A criterion the station does not support makes the whole request NotSupported."""
    unsupported = ctx.cfg.unsupported_component_criterion
    if unsupported is None:
        raise LabError("test_configuration.unsupported_component_criterion is not set in the DUT profile")
    await reports.custom_report_refused(
        ctx, {"componentCriteria": ["Available", unsupported]}, "NotSupported", ("UnsupportedParam", "InvalidValue"),
        "step 2",
    )  # fmt: skip


@ocpp201_case("TC_B_54_CS", "Get custom report - variable without instance", BLOCK, ["B08"], B08_ALL)
async def test_TC_B_54_CS(ctx: CaseContext) -> None:
    """A variable asked without instance is reported in every instance it has."""
    entries = await reports.custom_report(ctx, {"componentVariable": [_items_per_message()]}, "step 2")
    for entry in entries:
        what = reports.label(reports.key_of(entry))
        require(_is(entry, "DeviceDataCtrlr", "ItemsPerMessage"), f"step 3: reported {what}")
    instances = {entry.get("variable", {}).get("instance") for entry in entries}
    # Part 6 prints the second instance as "GetVariable"; the required instance is GetVariables.
    for instance in ("GetReport", "GetVariables"):
        require(instance in instances, f"step 3: ItemsPerMessage instance {instance} not reported (got {instances})")


@ocpp201_case("TC_B_55_CS", "Get custom report - variable with instance", BLOCK, ["B08"], B08_ALL)
async def test_TC_B_55_CS(ctx: CaseContext) -> None:
    """A variable asked with an instance is reported in that instance only."""
    entries = await reports.custom_report(ctx, {"componentVariable": [_items_per_message("GetReport")]}, "step 2")
    require(bool(entries), "step 3: nothing reported")
    for entry in entries:
        what = reports.label(reports.key_of(entry))
        require(_is(entry, "DeviceDataCtrlr", "ItemsPerMessage"), f"step 3: reported {what}")
        require_equal(entry.get("variable", {}).get("instance"), "GetReport", f"step 3: {what} variable.instance")


@ocpp201_case("TC_B_56_CS", "Get custom report - EVSE variable without evseId", BLOCK, ["B08"], B08_ALL)
async def test_TC_B_56_CS(ctx: CaseContext) -> None:
    """An EVSE variable asked without evseId is reported once for every EVSE."""
    entries = await reports.custom_report(ctx, {"componentVariable": [_evse_availability(None)]}, "step 2")
    for entry in entries:
        require(_is(entry, "EVSE", "AvailabilityState"), f"step 3: reported {reports.label(reports.key_of(entry))}")
    evse_ids = sorted(entry.get("component", {}).get("evse", {}).get("id") for entry in entries)
    require_equal(evse_ids, [evse.id for evse in ctx.profile.evses], "step 3: EVSEs reported")
