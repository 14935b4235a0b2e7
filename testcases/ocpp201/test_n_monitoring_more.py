"""Block N, Diagnostics: monitoring reports by criteria (N02), bases and shipped monitors (N03, N04, N06), refusals."""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.ocpp.v201.monitoring_reports import (
    NOT_A_BASE,
    NOT_A_CRITERION,
    get_report,
    next_request_id,
    require_accepted,
    require_not_supported,
    require_types,
)
from harness.ocpp.v201.monitoring_steps import (
    SEVERITY,
    check_result,
    check_status,
    evse_availability,
    monitor,
    result_for,
    set_monitors,
    station_availability,
)
from harness.ocpp.v201.states import CaseContext
from harness.verdict import Inconclusive

BLOCK = "N Diagnostics"
THRESHOLDS = {"UpperThreshold", "LowerThreshold"}
PERIODICS = {"Periodic", "PeriodicClockAligned"}
QUIET_PERIOD_S = 3600  # a Periodic monitor's interval long enough to raise no event during the case


async def configured(ctx: CaseContext, items: list[dict[str, Any]]) -> list[int]:
    """Configuration state: these monitors exist (set now; a Duplicate means one was there already)."""
    results = await set_monitors(ctx, items)
    ids = []
    for item in items:
        result = result_for(results, item)
        check_result(result, ("Accepted", "Duplicate"), ("InvalidValue",), what="configuration state")
        if result.get("status") == "Accepted":
            ids.append(int(result["id"]))
    return ids


@ocpp201_case("TC_N_04_CS", "Get monitoring report - unknown criterion", BLOCK, ["N02"], ["N02.FR.02"])
async def test_TC_N_04_CS(ctx: CaseContext) -> None:
    """A criterion outside the enumeration (sent off-schema on purpose) is NotSupported, or refused as malformed."""
    payload = {"requestId": next_request_id(), "monitoringCriteria": ["DeltaMonitoring", NOT_A_CRITERION]}
    answer = await ctx.csms.call("GetMonitoringReport", payload, allow_error=True, off_schema=True)
    require_not_supported(answer, "step 1: GetMonitoringReportResponse")


@ocpp201_case("TC_N_07_CS", "Set monitoring base - unknown base", BLOCK, ["N03"], ["N03.FR.02"])
async def test_TC_N_07_CS(ctx: CaseContext) -> None:
    """A monitoringBase outside the enumeration (sent off-schema on purpose) is NotSupported or refused as malformed."""
    answer = await ctx.csms.call("SetMonitoringBase", {"monitoringBase": NOT_A_BASE}, allow_error=True, off_schema=True)
    require_not_supported(answer, "step 2: SetMonitoringBaseResponse")


@ocpp201_case("TC_N_38_CS", "Set variable monitoring - unsupported type", BLOCK, ["N04"], ["N04.FR.05"])
async def test_TC_N_38_CS(ctx: CaseContext) -> None:
    """An UpperThreshold on the EVSE's AvailabilityState (not a number) is refused as an unsupported type."""
    item = evse_availability(ctx, kind="UpperThreshold")
    (result,) = await set_monitors(ctx, [item])
    require_in(result.get("status"), ("UnsupportedMonitorType", "Rejected"), "step 2: setMonitoringResult status")
    require_equal(result.get("type"), "UpperThreshold", "step 2: setMonitoringResult type")
    require_equal((result.get("component") or {}).get("name"), "EVSE", "step 2: setMonitoringResult component.name")
    require_equal(
        (result.get("variable") or {}).get("name"), "AvailabilityState", "step 2: setMonitoringResult variable"
    )


@ocpp201_case("TC_N_39_CS", "Set variable monitoring - id of another variable", BLOCK, ["N04", "N02"], ["N04.FR.16"])
async def test_TC_N_39_CS(ctx: CaseContext) -> None:
    """A monitor id sent with another component/variable is Rejected; the monitor stays where it was."""
    (result,) = await set_monitors(ctx, [evse_availability(ctx)])
    check_result(result, ("Accepted",), what="memory state")
    monitor_id = int(result["id"])
    moved = {**monitor("ChargingStation", "Power", kind="UpperThreshold", value=100.0), "id": monitor_id}
    (result,) = await set_monitors(ctx, [moved])
    require_equal(result.get("status"), "Rejected", "step 2: setMonitoringResult status")
    require_equal(result.get("type"), "UpperThreshold", "step 2: setMonitoringResult type")
    require_equal(result.get("severity"), SEVERITY, "step 2: setMonitoringResult severity")
    require_equal((result.get("component") or {}).get("name"), "ChargingStation", "step 2: component.name")
    require_equal((result.get("variable") or {}).get("name"), "Power", "step 2: variable.name")
    report = await get_report(ctx, "step 5")
    require_accepted(report, "step 4")
    found = report.by_id(monitor_id)
    require(found is not None, f"step 5: monitor {monitor_id} is no longer reported")
    assert found is not None
    entry, kept = found
    require_equal((entry.get("component") or {}).get("name"), "EVSE", f"step 5: component of monitor {monitor_id}")
    require_equal((entry.get("variable") or {}).get("name"), "AvailabilityState", f"step 5: variable of {monitor_id}")
    require_equal(kept.get("type"), "Delta", f"step 5: type of monitor {monitor_id}")


@ocpp201_case(
    "TC_N_01_CS", "Get monitoring report - by criteria", BLOCK, ["N02", "N04"],
    ["N02.FR.01", "N02.FR.03", "N02.FR.04", "N02.FR.05", "N02.FR.06", "N02.FR.09", "N02.FR.12", "N02.FR.13",
     "N02.FR.14"],
)  # fmt: skip
async def test_TC_N_01_CS(ctx: CaseContext) -> None:
    """Reports for Threshold, Threshold+Delta and Delta+Periodic hold exactly the monitors of those types."""
    evse = ctx.cfg.evse_id
    items = [
        monitor("EVSE", "Power", evse_id=evse, kind="UpperThreshold", value=1000.0),
        monitor("EVSE", "Power", evse_id=evse, kind="LowerThreshold", value=0.0),  # idle power is not below 0 W
        evse_availability(ctx),
        monitor("ChargingStation", "Power", kind="Periodic", value=QUIET_PERIOD_S),
        monitor("EVSE", "Power", evse_id=evse, kind="PeriodicClockAligned", value=QUIET_PERIOD_S),
    ]
    await configured(ctx, items)
    steps = (
        ("step 2", ["ThresholdMonitoring"], THRESHOLDS),
        ("step 6", ["ThresholdMonitoring", "DeltaMonitoring"], THRESHOLDS | {"Delta"}),
        ("step 10", ["DeltaMonitoring", "PeriodicMonitoring"], PERIODICS | {"Delta"}),
    )
    for step, criteria, kinds in steps:
        report = await get_report(ctx, step, criteria=criteria)
        require_accepted(report, step)
        require_types(report, kinds, step)
        for item in items:
            if item["type"] in kinds:
                on = report.on(item["component"]["name"], item["variable"]["name"], item["type"])
                require(on != [], f"{step}: the {item['type']} monitor on {item['component']['name']} "
                        f"{item['variable']['name']} is not reported")  # fmt: skip


@ocpp201_case(
    "TC_N_03_CS", "Get monitoring report - criteria and component/variable", BLOCK, ["N02", "N04"],
    ["N02.FR.01", "N02.FR.03", "N02.FR.04", "N02.FR.05", "N02.FR.09", "N02.FR.10", "N02.FR.13"],
)  # fmt: skip
async def test_TC_N_03_CS(ctx: CaseContext) -> None:
    """Threshold monitors on both AvailabilityStates: none; Delta ones: both are reported, and nothing else."""
    # The post-scenario check expects a Delta monitor on the station's AvailabilityState too: it is set up here.
    await configured(ctx, [
        monitor("ChargingStation", "Power", kind="Periodic", value=QUIET_PERIOD_S),
        evse_availability(ctx),
        station_availability(),
    ])  # fmt: skip
    targets = [station_availability(), evse_availability(ctx)]
    empty = await get_report(ctx, "step 2", criteria=["ThresholdMonitoring"], targets=targets)
    check_status(empty.answer, "EmptyResultSet", ("NotFound",), "step 2: GetMonitoringReportResponse")
    report = await get_report(ctx, "step 5", criteria=["DeltaMonitoring"], targets=targets)
    require_accepted(report, "step 4")
    require_types(report, {"Delta"}, "step 5")
    for name in ("ChargingStation", "EVSE"):
        require(report.on(name, "AvailabilityState", "Delta") != [], f"post scenario: no Delta monitor on {name} "
                "AvailabilityState reported")  # fmt: skip
    names = {(e.get("variable") or {}).get("name") for e in report.entries()}
    require(names <= {"AvailabilityState"}, f"step 5: variables {sorted(map(str, names))} reported, not asked for")


@ocpp201_case("TC_N_44_CS", "Clear variable monitoring - hard-wired", BLOCK, ["N06", "N02"], ["N06.FR.03"])
async def test_TC_N_44_CS(ctx: CaseContext) -> None:
    """Clearing the first monitor of the station's report, a hard-wired one, is Rejected."""
    report = await get_report(ctx, "preparation")
    first = [m.get("id") for e in report.entries() for m in e.get("variableMonitoring") or []]
    if not first:
        raise Inconclusive(f"the station reports no monitor (GetMonitoringReport {report.status}): none to clear")
    answer = await ctx.csms.call("ClearVariableMonitoring", {"id": [first[0]]})
    results = answer.get("clearMonitoringResult") or []
    require_equal(len(results), 1, "step 2: number of clearMonitoringResult entries")
    require_equal(results[0].get("id"), first[0], "step 2: clearMonitoringResult id")
    require_equal(results[0].get("status"), "Rejected", "step 2: clearMonitoringResult status")


@ocpp201_case(
    "TC_N_41_CS", "Set variable monitoring - back to FactoryDefault", BLOCK, ["N03", "N04", "N02"],
    ["N03.FR.04", "N04.FR.15"],
)  # fmt: skip
async def test_TC_N_41_CS(ctx: CaseContext) -> None:
    """A preconfigured monitor overruled with another severity is restored by SetMonitoringBase FactoryDefault."""
    monitor_id, severity = ctx.cfg.preconfigured_monitor_id, ctx.cfg.preconfigured_monitor_severity
    if monitor_id is None or severity is None:
        raise Inconclusive("the DUT profile names no preconfigured monitor (preconfigured_monitor_id / _severity)")
    # Memory state: preconfigured monitors are active under base All (and All keeps everything else).
    answer = await ctx.csms.call("SetMonitoringBase", {"monitoringBase": "All"})
    if answer.get("status") != "Accepted":
        raise Inconclusive(f"SetMonitoringBase All answered {answer.get('status')}: preconfigured monitors not active")
    item = {**evse_availability(ctx, severity=severity + 1), "id": monitor_id}
    (result,) = await set_monitors(ctx, [item])
    require_equal(result.get("status"), "Accepted", "step 2: setMonitoringResult status")
    require_equal(result.get("type"), "Delta", "step 2: setMonitoringResult type")
    require_equal((result.get("component") or {}).get("name"), "EVSE", "step 2: component.name")
    require_equal((result.get("variable") or {}).get("name"), "AvailabilityState", "step 2: variable.name")
    await _reported_severity(ctx, monitor_id, severity + 1, "step 5")
    answer = await ctx.csms.call("SetMonitoringBase", {"monitoringBase": "FactoryDefault"})
    require_equal(answer.get("status"), "Accepted", "step 8: SetMonitoringBaseResponse status")
    await _reported_severity(ctx, monitor_id, severity, "step 11")


async def _reported_severity(ctx: CaseContext, monitor_id: int, severity: int, step: str) -> None:
    report = await get_report(ctx, step, criteria=["DeltaMonitoring"], targets=[evse_availability(ctx)])
    require_accepted(report, step)
    found = report.by_id(monitor_id)
    require(found is not None, f"{step}: monitor {monitor_id} is not in the report")
    assert found is not None
    entry, reported = found
    require_equal((entry.get("component") or {}).get("name"), "EVSE", f"{step}: component of monitor {monitor_id}")
    require_equal((entry.get("variable") or {}).get("name"), "AvailabilityState", f"{step}: variable of {monitor_id}")
    require_equal(reported.get("severity"), severity, f"{step}: severity of monitor {monitor_id}")
