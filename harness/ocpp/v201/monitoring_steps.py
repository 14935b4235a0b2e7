"""Steps of N02-N06 (monitoring): build monitors, read SetVariableMonitoring results, collect monitoring reports."""

from __future__ import annotations

import itertools
from typing import Any

from harness.checks import require, require_equal, require_in
from harness.ocpp.v201.states import CaseContext
from harness.verdict import Inconclusive

_request_ids = itertools.count(9100)
SEVERITY = 8  # the configured severity of the monitoring cases


def component(name: str, evse_id: int | None = None) -> dict[str, Any]:
    return {"name": name} if evse_id is None else {"name": name, "evse": {"id": evse_id}}


def monitor(
    name: str,
    variable: str,
    *,
    evse_id: int | None = None,
    kind: str = "Delta",
    value: float = 1,
    severity: int = SEVERITY,
) -> dict[str, Any]:
    """One SetMonitoringData entry."""
    return {
        "value": value, "type": kind, "severity": severity, "component": component(name, evse_id),
        "variable": {"name": variable},
    }  # fmt: skip


def evse_availability(ctx: CaseContext, **options: Any) -> dict[str, Any]:
    return monitor("EVSE", "AvailabilityState", evse_id=ctx.cfg.evse_id, **options)


def station_availability(**options: Any) -> dict[str, Any]:
    return monitor("ChargingStation", "AvailabilityState", **options)


async def set_monitors(ctx: CaseContext, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SetVariableMonitoring; one result per monitor asked for."""
    answer = await ctx.csms.call("SetVariableMonitoring", {"setMonitoringData": items})
    results: list[dict[str, Any]] = answer.get("setMonitoringResult") or []
    require_equal(len(results), len(items), "number of setMonitoringResult entries")
    return results


def result_for(results: list[dict[str, Any]], item: dict[str, Any]) -> dict[str, Any]:
    """The result (any order) that echoes this monitor's component, variable, type and severity."""
    for result in results:
        if all(result.get(k) == item[k] for k in ("type", "severity")) and _same_target(result, item):
            return result
    require(False, f"no setMonitoringResult for {item['component']} {item['variable']} {item['type']}")
    raise AssertionError  # unreachable: require raised


def _same_target(result: dict[str, Any], item: dict[str, Any]) -> bool:
    mine, theirs = item["component"], result.get("component") or {}
    return bool(
        theirs.get("name") == mine["name"]
        and (theirs.get("evse") or {}).get("id") == (mine.get("evse") or {}).get("id")
        and (result.get("variable") or {}).get("name") == item["variable"]["name"]
    )


def check_result(
    result: dict[str, Any], statuses: tuple[str, ...], reasons: tuple[str, ...] = ("NoError",), what: str = "step 2"
) -> None:
    """status one of `statuses`, statusInfo absent or with an allowed reasonCode; an id exactly when Accepted."""
    require_in(result.get("status"), statuses, f"{what}: setMonitoringResult status")
    info = result.get("statusInfo")
    if info is not None:
        require_in(info.get("reasonCode"), reasons, f"{what}: setMonitoringResult statusInfo.reasonCode")
    if result.get("status") == "Accepted":
        require(isinstance(result.get("id"), int), f"{what}: an Accepted setMonitoringResult has no id")
    else:
        require(result.get("id") is None, f"{what}: a {result.get('status')} setMonitoringResult carries an id")


def check_status(answer: Any, status: str, reasons: tuple[str, ...], what: str) -> None:
    require_equal(answer.get("status"), status, f"{what} status")
    info = answer.get("statusInfo")
    if info is not None:
        require_in(info.get("reasonCode"), reasons, f"{what} statusInfo.reasonCode")


async def monitoring_report(
    ctx: CaseContext, targets: list[dict[str, Any]] | None = None, criteria: list[str] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """GetMonitoringReport; when Accepted, every NotifyMonitoringReport of it (until tbc is false) merged."""
    request_id = next(_request_ids)
    payload: dict[str, Any] = {"requestId": request_id}
    if targets:
        # A target without a variable asks for every monitor of its component.
        payload["componentVariable"] = [{k: t[k] for k in ("component", "variable") if k in t} for t in targets]
    if criteria:
        payload["monitoringCriteria"] = criteria
    answer = await ctx.csms.call("GetMonitoringReport", payload)
    status = str(answer.get("status"))
    if status != "Accepted":
        return status, []
    monitors: list[dict[str, Any]] = []
    while True:
        report = await ctx.csms.expect("NotifyMonitoringReport", what=f"for requestId {request_id}")
        require_equal(report.get("requestId"), request_id, "NotifyMonitoringReport requestId")
        monitors += report.get("monitor") or []
        if not report.get("tbc"):
            return status, monitors


def reported(monitors: list[dict[str, Any]], item: dict[str, Any], kind: str = "Delta") -> list[dict[str, Any]]:
    """The reported VariableMonitoring entries of `kind` on this monitor's component and variable."""
    found: list[dict[str, Any]] = []
    for entry in monitors:
        if _same_target(entry, item):
            found += [m for m in entry.get("variableMonitoring") or [] if m.get("type") == kind]
    return found


async def max_limit(ctx: CaseContext, item: dict[str, Any]) -> float:
    """The maxLimit the station reports for the monitored variable (GetReport, B08): out-of-range values need it."""
    request_id = next(_request_ids)
    target = {"component": item["component"], "variable": item["variable"]}
    answer = await ctx.csms.call("GetReport", {"requestId": request_id, "componentVariable": [target]})
    if answer.get("status") != "Accepted":
        raise Inconclusive(f"GetReport for {target} answered {answer.get('status')}: no maxLimit to exceed")
    report = await ctx.csms.expect(
        "NotifyReport", lambda r: r.get("requestId") == request_id, what=f"for requestId {request_id}"
    )
    for data in report.get("reportData") or []:
        limit = (data.get("variableCharacteristics") or {}).get("maxLimit")
        if limit is not None:
            return float(limit)
    raise Inconclusive(f"the station reports no maxLimit for {target}: a value above it cannot be chosen")
