"""Block N, Diagnostics: monitoring - reports (N02), base (N03), custom monitors (N04), level (N05), clearing (N06)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.monitoring_steps import (
    SEVERITY,
    check_result,
    check_status,
    evse_availability,
    max_limit,
    monitor,
    monitoring_report,
    reported,
    result_for,
    set_monitors,
    station_availability,
)
from harness.ocpp.v201.states import CaseContext

BLOCK = "N Diagnostics"
NO_MONITOR_ID = 123456  # the id the tool uses when the station reports no monitor at all
N45_REQUIREMENTS = ["N07.FR.06", "N07.FR.07", "N07.FR.18", "N07.FR.19"]
SET_MONITORING = ["N04.FR.01", "N04.FR.02", "N04.FR.08", "N04.FR.11"]


async def availability_monitors(ctx: CaseContext, items: list[dict[str, Any]]) -> None:
    """Memory state of several cases: these Delta monitors exist (set now; Duplicate: one was there already)."""
    results = await set_monitors(ctx, items)
    for item in items:
        check_result(result_for(results, item), ("Accepted", "Duplicate"), ("InvalidValue",), what="memory state")


@ocpp201_case(
    "TC_N_05_CS",
    "Set monitoring base - each base",
    BLOCK,
    ["N03"],
    ["N03.FR.01", "N03.FR.03", "N03.FR.04", "N03.FR.05"],
)
async def test_TC_N_05_CS(ctx: CaseContext) -> None:
    """SetMonitoringBase All, FactoryDefault and HardWiredOnly are each Accepted."""
    for step, base in ((2, "All"), (4, "FactoryDefault"), (6, "HardWiredOnly")):
        answer = await ctx.csms.call("SetMonitoringBase", {"monitoringBase": base})
        check_status(answer, "Accepted", ("NoError",), f"step {step}: SetMonitoringBaseResponse ({base})")


@ocpp201_case("TC_N_08_CS", "Set variable monitoring - one monitor", BLOCK, ["N04", "N02"], SET_MONITORING)
async def test_TC_N_08_CS(ctx: CaseContext) -> None:
    """A Delta monitor on the EVSE's AvailabilityState is Accepted and then reported for that variable."""
    item = evse_availability(ctx)
    (result,) = await set_monitors(ctx, [item])
    check_result(result_for([result], item), ("Accepted",))
    status, monitors = await monitoring_report(ctx, [item])
    require_equal(status, "Accepted", "step 4: GetMonitoringReportResponse status")
    require(
        reported(monitors, item) != [], "step 5: NotifyMonitoringReport has no Delta monitor on EVSE AvailabilityState"
    )


@ocpp201_case("TC_N_09_CS", "Set variable monitoring - two variables", BLOCK, ["N04", "N02"], SET_MONITORING)
async def test_TC_N_09_CS(ctx: CaseContext) -> None:
    """Delta monitors on the EVSE's and the station's AvailabilityState are Accepted and both reported."""
    items = [evse_availability(ctx), station_availability()]
    results = await set_monitors(ctx, items)
    for item in items:
        check_result(result_for(results, item), ("Accepted",))
    status, monitors = await monitoring_report(ctx, items)
    require_equal(status, "Accepted", "step 4: GetMonitoringReportResponse status")
    for item in items:
        require(
            reported(monitors, item) != [],
            f"step 5: NotifyMonitoringReport has no Delta monitor on {item['component']['name']} AvailabilityState",
        )


@ocpp201_case("TC_N_10_CS", "Set variable monitoring - two severities", BLOCK, ["N04"], SET_MONITORING)
async def test_TC_N_10_CS(ctx: CaseContext) -> None:
    """Two Delta monitors on one variable that differ in severity are both Accepted, with different ids."""
    items = [evse_availability(ctx, severity=8), evse_availability(ctx, severity=7)]
    results = await set_monitors(ctx, items)
    first, second = (result_for(results, item) for item in items)
    check_result(first, ("Accepted",))
    check_result(second, ("Accepted",))
    require(first.get("id") != second.get("id"), "step 2: both monitors got the same id")


@ocpp201_case("TC_N_11_CS", "Set variable monitoring - unknown component", BLOCK, ["N04"], ["N04.FR.03"])
async def test_TC_N_11_CS(ctx: CaseContext) -> None:
    """A monitor on a missing EVSE and one on a missing component are refused, without ids."""
    missing_evse = monitor("EVSE", "AvailabilityState", evse_id=99)
    missing_component = monitor("NonExistent", "Power", kind="UpperThreshold", value=1234.0)
    results = await set_monitors(ctx, [missing_evse, missing_component])
    check_result(result_for(results, missing_evse), ("UnknownComponent", "Rejected"), ("UnknownEVSE", "NotFound"))
    check_result(result_for(results, missing_component), ("UnknownComponent", "UnknownVariable"), ("NotFound",))


@ocpp201_case("TC_N_12_CS", "Set variable monitoring - negative delta", BLOCK, ["N04"], ["N04.FR.14"])
async def test_TC_N_12_CS(ctx: CaseContext) -> None:
    """A Delta monitor with a negative value is Rejected."""
    item = evse_availability(ctx, value=-1)
    results = await set_monitors(ctx, [item])
    check_result(result_for(results, item), ("Rejected",), ("ValueOutOfRange", "ValuePositiveOnly"))


@ocpp201_case("TC_N_15_CS", "Set variable monitoring - duplicate", BLOCK, ["N04"], ["N04.FR.10"])
async def test_TC_N_15_CS(ctx: CaseContext) -> None:
    """Of two identical Delta monitors in one request, one is Accepted and the other is a Duplicate."""
    item = evse_availability(ctx)
    results = await set_monitors(ctx, [item, dict(item)])
    accepted = [r for r in results if r.get("status") == "Accepted"]
    duplicate = [r for r in results if r.get("status") == "Duplicate"]
    require(len(accepted) == 1 and len(duplicate) == 1, f"step 2: statuses {[r.get('status') for r in results]}, "
            "expected one Accepted and one Duplicate")  # fmt: skip
    check_result(result_for(accepted, item), ("Accepted",))
    check_result(result_for(duplicate, item), ("Duplicate",), ("InvalidValue",))


@ocpp201_case("TC_N_17_CS", "Set monitoring level - out of range", BLOCK, ["N05"], ["N05.FR.02"])
async def test_TC_N_17_CS(ctx: CaseContext) -> None:
    """SetMonitoringLevel 10 and -1 are both Rejected."""
    for step, severity, reason in ((2, 10, "ValueTooHigh"), (4, -1, "ValueTooLow")):
        answer = await ctx.csms.call("SetMonitoringLevel", {"severity": severity})
        check_status(answer, "Rejected", ("ValueOutOfRange", reason), f"step {step}: SetMonitoringLevelResponse")


@ocpp201_case("TC_N_18_CS", "Clear variable monitoring - accepted", BLOCK, ["N06", "N02"], ["N06.FR.01", "N06.FR.05"])
async def test_TC_N_18_CS(ctx: CaseContext) -> None:
    """Clearing the two monitors set beforehand is Accepted for each; a report on their variables is then empty."""
    items = [station_availability(), evse_availability(ctx)]
    results = await set_monitors(ctx, items)  # memory state: a monitor on each variable
    ids = []
    for item in items:
        result = result_for(results, item)
        check_result(result, ("Accepted",), what="memory state")
        ids.append(result["id"])
    answer = await ctx.csms.call("ClearVariableMonitoring", {"id": ids})
    cleared = {r.get("id"): r for r in answer.get("clearMonitoringResult") or []}
    for monitor_id in ids:
        require(monitor_id in cleared, f"step 2: no clearMonitoringResult for id {monitor_id}")
        check_status(cleared[monitor_id], "Accepted", ("NoError",), f"step 2: clearMonitoringResult id {monitor_id}")
    status, _ = await monitoring_report(ctx, items)
    require_equal(status, "EmptyResultSet", "step 4: GetMonitoringReportResponse status")


@ocpp201_case("TC_N_19_CS", "Clear variable monitoring - unknown id", BLOCK, ["N06"], ["N06.FR.02"])
async def test_TC_N_19_CS(ctx: CaseContext) -> None:
    """Clearing a monitor id the station does not have is answered NotFound."""
    _, monitors = await monitoring_report(ctx)
    known = [m.get("id", 0) for entry in monitors for m in entry.get("variableMonitoring") or []]
    unknown = max(known) + 1 if known else NO_MONITOR_ID
    answer = await ctx.csms.call("ClearVariableMonitoring", {"id": [unknown]})
    results = answer.get("clearMonitoringResult") or []
    require_equal(len(results), 1, "step 2: number of clearMonitoringResult entries")
    require_equal(results[0].get("id"), unknown, "step 2: clearMonitoringResult id")
    check_status(results[0], "NotFound", ("NotFound",), "step 2: clearMonitoringResult")


@ocpp201_case("TC_N_37_CS", "Set variable monitoring - unknown variable", BLOCK, ["N04"], ["N04.FR.04"])
async def test_TC_N_37_CS(ctx: CaseContext) -> None:
    """A monitor on a variable the EVSE component does not have is answered UnknownVariable."""
    item = monitor("EVSE", "unknownVariable", severity=SEVERITY)
    results = await set_monitors(ctx, [item])
    result = result_for(results, item)
    require_equal(result.get("status"), "UnknownVariable", "step 2: setMonitoringResult status")


@ocpp201_case("TC_N_47_CS", "Get monitoring report - everything", BLOCK, ["N02"], ["N02.FR.01", "N02.FR.11"])
async def test_TC_N_47_CS(ctx: CaseContext) -> None:
    """Without criteria or variables the report holds every monitor, the AvailabilityState Delta ones included."""
    items = [station_availability(), evse_availability(ctx)]
    await availability_monitors(ctx, items)
    status, monitors = await monitoring_report(ctx)
    require_equal(status, "Accepted", "step 2: GetMonitoringReportResponse status")
    for item in items:
        require(
            reported(monitors, item) != [],
            f"step 3: the report has no Delta monitor on {item['component']['name']} AvailabilityState",
        )


@ocpp201_case(
    "TC_N_02_CS", "Get monitoring report - component/variable", BLOCK, ["N02"],
    ["N02.FR.01", "N02.FR.03", "N02.FR.04", "N02.FR.05", "N02.FR.08", "N02.FR.09"],
)  # fmt: skip
async def test_TC_N_02_CS(ctx: CaseContext) -> None:
    """A report for the station's AvailabilityState and every variable of one EVSE holds both Delta monitors."""
    items = [station_availability(), evse_availability(ctx)]
    await availability_monitors(ctx, items)
    evse_only = {"component": items[1]["component"]}
    status, monitors = await monitoring_report(ctx, [items[0], evse_only])
    require_equal(status, "Accepted", "step 2: GetMonitoringReportResponse status")
    for entry in monitors:
        if (entry.get("variable") or {}).get("name") == "AvailabilityState":
            kinds = {m.get("type") for m in entry.get("variableMonitoring") or []}
            require(kinds <= {"Delta"}, f"step 3: AvailabilityState monitors of type {sorted(kinds)}, expected Delta")
    for item in items:
        require(
            reported(monitors, item) != [],
            f"post scenario: no Delta monitor on {item['component']['name']} AvailabilityState reported",
        )


@ocpp201_case("TC_N_06_CS", "Set monitoring base - HardWiredOnly", BLOCK, ["N03", "N02"], ["N03.FR.01", "N03.FR.05"])
async def test_TC_N_06_CS(ctx: CaseContext) -> None:
    """After SetMonitoringBase HardWiredOnly the custom Delta monitor on the station's AvailabilityState is gone."""
    item = station_availability()
    await availability_monitors(ctx, [item])
    status, monitors = await monitoring_report(ctx, [item])
    require_equal(status, "Accepted", "step 2: GetMonitoringReportResponse status")
    require(reported(monitors, item) != [], "step 3: no Delta monitor on ChargingStation AvailabilityState reported")
    answer = await ctx.csms.call("SetMonitoringBase", {"monitoringBase": "HardWiredOnly"})
    check_status(answer, "Accepted", ("NoError",), "step 6: SetMonitoringBaseResponse")
    status, _ = await monitoring_report(ctx, [item])
    require_equal(status, "EmptyResultSet", "step 8: GetMonitoringReportResponse status")


@ocpp201_case("TC_N_40_CS", "Set variable monitoring - replace by id", BLOCK, ["N04", "N02"], ["N04.FR.08"])
async def test_TC_N_40_CS(ctx: CaseContext) -> None:
    """A SetVariableMonitoring naming an existing monitor's id replaces it: the report shows the new severity."""
    first = evse_availability(ctx, severity=5)
    (result,) = await set_monitors(ctx, [first])
    check_result(result, ("Accepted",), what="memory state")
    monitor_id = result["id"]
    replacement = {**evse_availability(ctx, severity=4), "id": monitor_id}
    (result,) = await set_monitors(ctx, [replacement])
    require_equal(result.get("status"), "Accepted", "step 2: setMonitoringResult status")
    status, monitors = await monitoring_report(ctx, [first], ["DeltaMonitoring"])
    require_equal(status, "Accepted", "step 4: GetMonitoringReportResponse status")
    mine = [m for m in reported(monitors, first) if m.get("id") == monitor_id]
    require(mine != [], f"step 5: monitor {monitor_id} is not in the report")
    require_equal(mine[0].get("severity"), 4, f"step 5: severity of monitor {monitor_id}")


def _evse_availability_event(ctx: CaseContext) -> Callable[[Received], bool]:
    def match(received: Received) -> bool:
        return any(
            (e.get("component") or {}).get("name") == "EVSE"
            and ((e.get("component") or {}).get("evse") or {}).get("id") == ctx.cfg.evse_id
            and (e.get("variable") or {}).get("name") == "AvailabilityState"
            for e in received.get("eventData") or []
        )

    return match


@ocpp201_case("TC_N_16_CS", "Set monitoring level - events filtered", BLOCK, ["N05"], ["N05.FR.01", "N05.FR.03"])
async def test_TC_N_16_CS(ctx: CaseContext) -> None:
    """With the level at 7, a change seen by a severity-8 Delta monitor raises no NotifyEvent."""
    item = evse_availability(ctx, severity=8)
    (result,) = await set_monitors(ctx, [item])
    check_result(result, ("Accepted",), what="memory state")
    answer = await ctx.csms.call("SetMonitoringLevel", {"severity": 7})
    check_status(answer, "Accepted", ("NoError",), "step 2: SetMonitoringLevelResponse")
    await states.ev_connected_pre_session(ctx, ctx.new_transaction())
    await ctx.csms.expect_none(
        "NotifyEvent", _evse_availability_event(ctx), during=ctx.timing.absence_s,
        what="for the EVSE's AvailabilityState while the monitoring level suppresses severity 8",
    )  # fmt: skip


@ocpp201_case(
    "TC_N_24_CS", "Periodic monitor - events at its interval", BLOCK, ["N07", "N08"],
    ["N07.FR.20", "N08.FR.01", "N08.FR.05"],
)  # fmt: skip
async def test_TC_N_24_CS(ctx: CaseContext) -> None:
    """A Periodic monitor on the EVSE's AvailabilityState raises a NotifyEvent every interval."""
    interval = ctx.cfg.aligned_interval_s
    item = evse_availability(ctx, kind="Periodic", value=interval)
    (result,) = await set_monitors(ctx, [item])
    check_result(result_for([result], item), ("Accepted",))
    periodic = _evse_availability_event(ctx)
    limit = interval + ctx.timing.message_timeout_s
    first = await ctx.csms.expect("NotifyEvent", periodic, timeout=limit, what="Periodic for EVSE AvailabilityState")
    second = await ctx.csms.expect("NotifyEvent", periodic, timeout=limit, what="the next Periodic one")
    for event in (first, second):
        triggers = {e.get("trigger") for e in event.get("eventData") or []}
        require("Periodic" in triggers, f"step 3: NotifyEvent trigger {sorted(map(str, triggers))}, expected Periodic")
    # Half an interval at most: beyond that, events at another rate would pass as "every interval".
    tolerance = min(ctx.timing.time_tolerance_s, interval / 2)
    gap = second.mono - first.mono
    require(abs(gap - interval) < tolerance, f"step 3: {gap:.1f} s between Periodic events, expected {interval} s")


@ocpp201_case(
    "TC_N_56_CS", "Delta monitor - non-numeric change", BLOCK, ["N07"],
    ["N07.FR.06", "N07.FR.07", "N07.FR.18", "N07.FR.19"],
)  # fmt: skip
async def test_TC_N_56_CS(ctx: CaseContext) -> None:
    """Any change of the EVSE's AvailabilityState raises a Delta NotifyEvent naming the monitor."""
    item = evse_availability(ctx)
    (result,) = await set_monitors(ctx, [item])
    check_result(result, ("Accepted",), what="memory state")
    monitor_id = result["id"]
    await states.ev_connected_pre_session(ctx, ctx.new_transaction())  # the value changes: Available -> Occupied
    event = await ctx.csms.expect("NotifyEvent", _evse_availability_event(ctx), what="for EVSE AvailabilityState")
    data = next(e for e in event.get("eventData") or [] if (e.get("variable") or {}).get("name") == "AvailabilityState")
    require_equal(data.get("trigger"), "Delta", "step 1: eventData trigger")
    require_equal(data.get("variableMonitoringId"), monitor_id, "step 1: eventData variableMonitoringId")


@ocpp201_case(
    "TC_N_45_CS", "Delta monitor - numeric change", BLOCK, ["N07"], N45_REQUIREMENTS,
)  # fmt: skip
async def test_TC_N_45_CS(ctx: CaseContext) -> None:
    """A Delta monitor of 100 W on the EVSE's Power raises a Delta NotifyEvent once energy transfer starts."""
    # Part 6 leaves the variable to the tool's configuration and fixes 100.0 for Power; EVSE Power is the choice.
    item = monitor("EVSE", "Power", evse_id=ctx.cfg.evse_id, value=100.0)
    (result,) = await set_monitors(ctx, [item])
    check_result(result, ("Accepted",), what="memory state")
    monitor_id = result["id"]
    await states.energy_transfer_started(ctx, ctx.new_transaction())

    def power_event(received: Received) -> bool:
        return any((e.get("variable") or {}).get("name") == "Power" for e in received.get("eventData") or [])

    event = await ctx.csms.expect("NotifyEvent", power_event, what="for the EVSE's Power")
    data = next(e for e in event.get("eventData") or [] if (e.get("variable") or {}).get("name") == "Power")
    require_equal(data.get("trigger"), "Delta", "step 2: eventData trigger")
    require_equal((data.get("component") or {}).get("name"), "EVSE", "step 2: eventData component.name")
    require_equal(data.get("variableMonitoringId"), monitor_id, "step 2: eventData variableMonitoringId")


def _evse_power(ctx: CaseContext, kind: str, value: float) -> dict[str, Any]:
    # Part 6 leaves the threshold variable to the tool's configuration and suggests Power; EVSE Power is the choice.
    return monitor("EVSE", "Power", evse_id=ctx.cfg.evse_id, kind=kind, value=value)


@ocpp201_case("TC_N_13_CS", "Set variable monitoring - threshold above maxLimit", BLOCK, ["N04"], ["N04.FR.13"])
async def test_TC_N_13_CS(ctx: CaseContext) -> None:
    """An UpperThreshold monitor above the variable's maxLimit is Rejected, without an id."""
    limit = await max_limit(ctx, _evse_power(ctx, "UpperThreshold", 0))  # configuration: a value beyond maxLimit
    item = _evse_power(ctx, "UpperThreshold", limit + 1)
    results = await set_monitors(ctx, [item])
    check_result(result_for(results, item), ("Rejected",), ("ValueOutOfRange",))


@ocpp201_case("TC_N_43_CS", "Set variable monitoring - one invalid in a list", BLOCK, ["N04"], [])
async def test_TC_N_43_CS(ctx: CaseContext) -> None:
    """Upper and lower thresholds on EVSE Power are Accepted while a negative Delta in the same request is Rejected."""
    upper = _evse_power(ctx, "UpperThreshold", 100.0)
    delta = _evse_power(ctx, "Delta", -1.0)
    lower = _evse_power(ctx, "LowerThreshold", 10.0)
    results = await set_monitors(ctx, [upper, delta, lower])
    check_result(result_for(results, upper), ("Accepted",))
    # The table allows only NoError for the refusal; TC_N_12_CS names the reasons a negative Delta really has.
    check_result(result_for(results, delta), ("Rejected",), ("NoError", "ValueOutOfRange", "ValuePositiveOnly"))
    check_result(result_for(results, lower), ("Accepted",))


def _monitor_event(monitor_id: int) -> Callable[[Received], bool]:
    def match(received: Received) -> bool:
        return any(e.get("variableMonitoringId") == monitor_id for e in received.get("eventData") or [])

    return match


@ocpp201_case("TC_N_51_CS", "Threshold monitor - changed value triggers", BLOCK, ["N07", "N04"], ["N07.FR.11"])
async def test_TC_N_51_CS(ctx: CaseContext) -> None:
    """An UpperThreshold just below maxLimit stays quiet while charging; set to 0 under its id, it raises Alerting."""
    limit = await max_limit(ctx, _evse_power(ctx, "UpperThreshold", 0))
    first = _evse_power(ctx, "UpperThreshold", limit - 1)  # Part 6: maxLimit - 1 for Power
    (result,) = await set_monitors(ctx, [first])
    check_result(result, ("Accepted",), what="memory state")
    monitor_id = result["id"]
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    changed = {**_evse_power(ctx, "UpperThreshold", 0.0), "id": monitor_id}
    (result,) = await set_monitors(ctx, [changed])
    require_equal(result.get("status"), "Accepted", "step 3: setMonitoringResult status")
    require_equal(result.get("type"), "UpperThreshold", "step 3: setMonitoringResult type")
    # The result names the monitor that was changed; another id would mean a second monitor was added instead.
    require(result.get("id") in (None, monitor_id), f"step 3: setMonitoringResult id {result.get('id')}")
    event = await ctx.csms.expect("NotifyEvent", _monitor_event(monitor_id), what=f"for monitor {monitor_id}")
    data = next(e for e in event.get("eventData") or [] if e.get("variableMonitoringId") == monitor_id)
    require_equal(data.get("trigger"), "Alerting", "step 4: eventData trigger")
    require_equal((data.get("variable") or {}).get("name"), "Power", "step 4: eventData variable.name")
    require(not data.get("cleared"), "step 4: the threshold event says cleared while the threshold is exceeded")


@ocpp201_case("TC_N_52_CS", "Threshold monitor - cleared one stays quiet", BLOCK, ["N07", "N06"], ["N07.FR.12"])
async def test_TC_N_52_CS(ctx: CaseContext) -> None:
    """A cleared UpperThreshold monitor is not reported any more and raises no event when charging stops."""
    item = _evse_power(ctx, "UpperThreshold", 0.0)
    (result,) = await set_monitors(ctx, [item])
    check_result(result, ("Accepted",), what="memory state")
    monitor_id = result["id"]
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    # Charging state: the monitor is triggered (power above 0 W) before the scenario clears it.
    await ctx.csms.expect("NotifyEvent", _monitor_event(monitor_id), what=f"for monitor {monitor_id} (charging state)")
    answer = await ctx.csms.call("ClearVariableMonitoring", {"id": [monitor_id]})
    cleared = answer.get("clearMonitoringResult") or [{}]
    require_equal(cleared[0].get("id"), monitor_id, "step 2: clearMonitoringResult id")
    require_equal(cleared[0].get("status"), "Accepted", "step 2: clearMonitoringResult status")
    status, _ = await monitoring_report(ctx, [item], ["ThresholdMonitoring"])
    require_equal(status, "EmptyResultSet", "step 4: GetMonitoringReportResponse status")
    await states.stop_authorized(ctx, tx)
    await ctx.csms.expect_none(
        "NotifyEvent", _monitor_event(monitor_id), during=ctx.timing.absence_s,
        what=f"for the cleared monitor {monitor_id}",
    )  # fmt: skip
