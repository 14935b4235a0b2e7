"""Base reports (B07): collecting a NotifyReport chain and the checks Part 6 applies to what it reports.

The variables a station must have come from the 2.0.1 Part 2 appendix (dm_components_vars, Required = yes), kept
for the controllers Part 5 §5 makes mandatory per certification profile, plus the physical components (station,
EVSE, connector) every station reports.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from harness.checks import require, require_equal
from harness.ocpp.messages import CallOutcome
from harness.ocpp.v201.states import CaseContext
from harness.verdict import Nonconformity

LIST_TYPES = frozenset({"OptionList", "SequenceList", "MemberList"})
WRITABLE = frozenset({"ReadWrite", "WriteOnly"})

# Part 5 §5: the controller components each certification profile makes mandatory.
PROFILE_COMPONENTS: dict[str, tuple[str, ...]] = {
    "core": (
        "OCPPCommCtrlr", "TxCtrlr", "DeviceDataCtrlr", "ClockCtrlr", "SecurityCtrlr", "SampledDataCtrlr",
        "AlignedDataCtrlr", "AuthCtrlr", "ChargingStation", "EVSE", "Connector",
    ),
    "smart_charging": ("SmartChargingCtrlr",),
    "iso15118": ("ISO15118Ctrlr", "SmartChargingCtrlr"),
    "advanced_device_management": ("MonitoringCtrlr",),
    "local_auth_list": ("LocalAuthListCtrlr",),
    "advanced_user_interface": ("TariffCostCtrlr", "DisplayMessageCtrlr"),
}  # fmt: skip

# Part 2 appendix, dm_components_vars with Required = yes: (component, variable, instance).
REQUIRED: tuple[tuple[str, str, str | None], ...] = (
    ("AlignedDataCtrlr", "Interval", None), ("AlignedDataCtrlr", "Measurands", None),
    ("AlignedDataCtrlr", "TxEndedInterval", None), ("AlignedDataCtrlr", "TxEndedMeasurands", None),
    ("AuthCtrlr", "AuthorizeRemoteStart", None), ("AuthCtrlr", "LocalAuthorizeOffline", None),
    ("AuthCtrlr", "LocalPreAuthorize", None),
    ("ChargingStation", "AvailabilityState", None), ("ChargingStation", "Available", None),
    ("ChargingStation", "SupplyPhases", None),
    ("ClockCtrlr", "DateTime", None), ("ClockCtrlr", "TimeSource", None),
    ("Connector", "Available", None), ("Connector", "ConnectorType", None), ("Connector", "SupplyPhases", None),
    ("DeviceDataCtrlr", "BytesPerMessage", "GetReport"), ("DeviceDataCtrlr", "BytesPerMessage", "GetVariables"),
    ("DeviceDataCtrlr", "BytesPerMessage", "SetVariables"), ("DeviceDataCtrlr", "ItemsPerMessage", "GetReport"),
    ("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables"), ("DeviceDataCtrlr", "ItemsPerMessage", "SetVariables"),
    ("DisplayMessageCtrlr", "DisplayMessages", None), ("DisplayMessageCtrlr", "SupportedFormats", None),
    ("DisplayMessageCtrlr", "SupportedPriorities", None),
    ("EVSE", "AvailabilityState", None), ("EVSE", "Available", None), ("EVSE", "Power", None),
    ("EVSE", "SupplyPhases", None),
    ("ISO15118Ctrlr", "ContractValidationOffline", None),
    ("LocalAuthListCtrlr", "BytesPerMessage", None), ("LocalAuthListCtrlr", "Entries", None),
    ("LocalAuthListCtrlr", "ItemsPerMessage", None),
    ("MonitoringCtrlr", "BytesPerMessage", "SetVariableMonitoring"),
    ("MonitoringCtrlr", "ItemsPerMessage", "SetVariableMonitoring"),
    ("OCPPCommCtrlr", "FileTransferProtocols", None), ("OCPPCommCtrlr", "MessageTimeout", "Default"),
    ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"),
    ("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"), ("OCPPCommCtrlr", "NetworkConfigurationPriority", None),
    ("OCPPCommCtrlr", "NetworkProfileConnectionAttempts", None), ("OCPPCommCtrlr", "OfflineThreshold", None),
    ("OCPPCommCtrlr", "ResetRetries", None), ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", None),
    ("SampledDataCtrlr", "TxEndedInterval", None), ("SampledDataCtrlr", "TxEndedMeasurands", None),
    ("SampledDataCtrlr", "TxStartedMeasurands", None), ("SampledDataCtrlr", "TxUpdatedInterval", None),
    ("SampledDataCtrlr", "TxUpdatedMeasurands", None),
    ("SecurityCtrlr", "CertificateEntries", None), ("SecurityCtrlr", "OrganizationName", None),
    ("SecurityCtrlr", "SecurityProfile", None),
    ("SmartChargingCtrlr", "Entries", "ChargingProfiles"), ("SmartChargingCtrlr", "LimitChangeSignificance", None),
    ("SmartChargingCtrlr", "PeriodsPerSchedule", None), ("SmartChargingCtrlr", "ProfileStackLevel", None),
    ("SmartChargingCtrlr", "RateUnit", None),
    ("TariffCostCtrlr", "Currency", None), ("TariffCostCtrlr", "TariffFallbackMessage", None),
    ("TariffCostCtrlr", "TotalCostFallbackMessage", None),
    ("TxCtrlr", "EVConnectionTimeOut", None), ("TxCtrlr", "StopTxOnEVSideDisconnect", None),
    ("TxCtrlr", "StopTxOnInvalidId", None), ("TxCtrlr", "TxStartPoint", None), ("TxCtrlr", "TxStopPoint", None),
)  # fmt: skip

Key = tuple[str, str, str | None]
_request_ids = itertools.count(7300)


def next_request_id() -> int:
    """A requestId no other report request of this run has used."""
    return next(_request_ids)


def required_for(profiles: Iterable[str]) -> set[Key]:
    """The required variables of the controllers the claimed certification profiles make mandatory."""
    components = {name for profile in profiles for name in PROFILE_COMPONENTS.get(profile, ())}
    return {entry for entry in REQUIRED if entry[0] in components}


def key_of(entry: dict[str, Any]) -> Key:
    """Component and variable of a ReportData entry, without EVSE scope (one EVSE reporting it is enough)."""
    variable = entry.get("variable", {})
    return (str(entry.get("component", {}).get("name")), str(variable.get("name")), variable.get("instance"))


def label(key: Key) -> str:
    return f"{key[0]}.{key[1]}" + (f"[{key[2]}]" if key[2] else "")


async def base_report(ctx: CaseContext, report_base: str, step: str) -> list[dict[str, Any]]:
    """GetBaseReport Accepted (statusInfo NoError if any), then the NotifyReport chain: requestId, seqNo 0, 1, …"""
    request_id = next(_request_ids)
    answer = await ctx.csms.call("GetBaseReport", {"requestId": request_id, "reportBase": report_base})
    require_accepted(answer, f"{step}: GetBaseReportResponse")
    return await notify_chain(ctx, request_id)


async def custom_report(ctx: CaseContext, request: dict[str, Any], step: str) -> list[dict[str, Any]]:
    """GetReport (B08) Accepted, then its NotifyReport chain."""
    request_id = next(_request_ids)
    answer = await ctx.csms.call("GetReport", {"requestId": request_id, **request})
    require_accepted(answer, f"{step}: GetReportResponse")
    return await notify_chain(ctx, request_id)


async def custom_report_refused(
    ctx: CaseContext, request: dict[str, Any], status: str, reasons: tuple[str, ...], step: str
) -> None:
    """GetReport answered with `status` and, if any, one of the statusInfo reason codes Part 6 allows."""
    answer = await ctx.csms.call("GetReport", {"requestId": next(_request_ids), **request})
    require_equal(answer.get("status"), status, f"{step}: GetReportResponse status")
    reason = answer.get("statusInfo.reasonCode")
    require(reason is None or reason in reasons, f"{step}: GetReportResponse statusInfo.reasonCode is {reason!r}")


def require_accepted(answer: CallOutcome, what: str) -> None:
    require_equal(answer.get("status"), "Accepted", f"{what} status")
    reason = answer.get("statusInfo.reasonCode")
    require(reason in (None, "NoError"), f"{what} statusInfo.reasonCode is {reason!r}")


async def notify_chain(ctx: CaseContext, request_id: int) -> list[dict[str, Any]]:
    """Every NotifyReport of the request: generatedAt present, seqNo 0, 1, … until tbc is false."""
    entries: list[dict[str, Any]] = []
    for seq_no in itertools.count():
        part = await ctx.csms.expect(
            "NotifyReport", lambda r: r.get("requestId") == request_id, what=f"for requestId {request_id}"
        )
        require_equal(part.get("seqNo"), seq_no, "NotifyReport seqNo")
        require(bool(part.get("generatedAt")), "NotifyReport without generatedAt")
        entries.extend(part.get("reportData", []) or [])
        if not part.get("tbc", False):
            return entries
    raise AssertionError("unreachable")


def check_characteristics(entries: list[dict[str, Any]], step: str) -> None:
    """Every reported variable has variableCharacteristics, and a list type names its valuesList."""
    for entry in entries:
        what = label(key_of(entry))
        characteristics = entry.get("variableCharacteristics")
        if characteristics is None:
            raise Nonconformity(f"{step}: {what} is reported without variableCharacteristics")
        if characteristics.get("dataType") in LIST_TYPES:
            require(bool(characteristics.get("valuesList")), f"{step}: {what} is a list type without valuesList")


def check_list_values(entries: list[dict[str, Any]], step: str) -> None:
    """A list variable's value holds only members of its valuesList; a WriteOnly variable shows no value."""
    for entry in entries:
        what = label(key_of(entry))
        characteristics = entry.get("variableCharacteristics") or {}
        allowed = {v.strip() for v in str(characteristics.get("valuesList", "")).split(",") if v.strip()}
        for attribute in entry.get("variableAttribute", []):
            value = attribute.get("value")
            if attribute.get("mutability") == "WriteOnly":
                require(value is None, f"{step}: WriteOnly {what} is reported with a value")
            elif characteristics.get("dataType") in LIST_TYPES and value:
                members = {v.strip() for v in str(value).split(",")}
                require(members <= allowed, f"{step}: {what} value {value!r} is outside its valuesList")


def check_required(entries: list[dict[str, Any]], wanted: set[Key], step: str) -> None:
    reported = {key_of(entry) for entry in entries}
    missing = sorted(label(key) for key in wanted - reported)
    require(not missing, f"{step}: the report lacks required variable(s) {', '.join(missing)}")


def writable(entries: list[dict[str, Any]]) -> set[Key]:
    """The variables an inventory shows with a writable Actual (or any) attribute."""
    return {
        key_of(entry)
        for entry in entries
        if any(attribute.get("mutability", "ReadWrite") in WRITABLE for attribute in entry.get("variableAttribute", []))
    }
