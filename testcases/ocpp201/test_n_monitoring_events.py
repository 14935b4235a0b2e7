"""Block N, Diagnostics: monitor events (N07) - thresholds, write-only and numeric config variables, reboots,
offline queuing by OfflineQueuingSeverity."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.monitoring_reports import get_report, require_accepted
from harness.ocpp.v201.monitoring_steps import SEVERITY, check_result, evse_availability, monitor, set_monitors
from harness.ocpp.v201.network import require_server
from harness.ocpp.v201.offline import offline, reconnected
from harness.ocpp.v201.offline_auth import restored
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, read_variable
from harness.verdict import Inconclusive

BLOCK = "N Diagnostics"
UPPER_W = 100.0  # Part 6's threshold for Power: exceeded as soon as energy flows
LOWER_W = 10.0  # Part 6's second threshold: not reached while charging, reached once charging stops
STATE_HOLD_S = 0.5  # how long the EVSE stays unplugged offline: a station samples its states well within that
OFFLINE_BACKOFF_S = 1  # RetryBackOffWaitMinimum during the offline cases: the outage lasts about this long
_passwords = itertools.count(1)


def _event_of(monitor_id: int, since: int = 0) -> Callable[[Received], bool]:
    def match(received: Received) -> bool:
        return received.index >= since and any(
            e.get("variableMonitoringId") == monitor_id for e in received.get("eventData") or []
        )

    return match


async def _monitor_event(ctx: CaseContext, monitor_id: int, what: str, since: int = 0) -> tuple[Received, Any]:
    """The next NotifyEvent with an eventData element of this monitor, and that element."""
    event = await ctx.csms.expect("NotifyEvent", _event_of(monitor_id, since), what=f"{what} (monitor {monitor_id})")
    data = next(e for e in event.get("eventData") or [] if e.get("variableMonitoringId") == monitor_id)
    return event, data


async def _set_one(ctx: CaseContext, item: dict[str, Any], what: str) -> int:
    (result,) = await set_monitors(ctx, [item])
    check_result(result, ("Accepted",), what=what)
    return int(result["id"])


def _evse_power(ctx: CaseContext, kind: str, value: float) -> dict[str, Any]:
    # Part 6 leaves the threshold variable to the tool's configuration and suggests Power; EVSE Power is the choice.
    return monitor("EVSE", "Power", evse_id=ctx.cfg.evse_id, kind=kind, value=value)


def _check_power_event(ctx: CaseContext, data: Any, transaction_id: str | None, step: str) -> None:
    require_equal(data.get("trigger"), "Alerting", f"{step}: eventData trigger")
    require_equal(data.get("transactionId"), transaction_id, f"{step}: eventData transactionId")
    require_equal((data.get("component") or {}).get("name"), "EVSE", f"{step}: eventData component.name")
    require_equal(((data.get("component") or {}).get("evse") or {}).get("id"), ctx.cfg.evse_id, f"{step}: evse.id")
    require_equal((data.get("variable") or {}).get("name"), "Power", f"{step}: eventData variable.name")


def _power(data: Any, step: str) -> float:
    try:
        return float(data.get("actualValue"))
    except (TypeError, ValueError):
        require(False, f"{step}: eventData actualValue {data.get('actualValue')!r} is not a power")
        raise AssertionError from None  # unreachable: require raised


@ocpp201_case(
    "TC_N_20_CS", "Threshold monitors - exceeded and back", BLOCK, ["N07", "N03", "N04"],
    ["N07.FR.06", "N07.FR.07", "N07.FR.16", "N07.FR.17"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_N_20_CS(ctx: CaseContext) -> None:
    """Charging raises an UpperThreshold alert; stopping clears it and raises the LowerThreshold one, in the
    transaction."""
    answer = await ctx.csms.call("SetMonitoringBase", {"monitoringBase": "All"})
    if answer.get("status") != "Accepted":
        raise Inconclusive(f"memory state: SetMonitoringBase All answered {answer.get('status')}")
    upper_id = await _set_one(ctx, _evse_power(ctx, "UpperThreshold", UPPER_W), "memory state")
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    event, data = await _monitor_event(ctx, upper_id, "step 2: power above the upper threshold")
    require_equal(event.get("seqNo"), 0, "step 2: NotifyEvent seqNo")
    _check_power_event(ctx, data, tx.transaction_id, "step 2")
    require(_power(data, "step 2") > UPPER_W, f"step 2: actualValue {data.get('actualValue')} is not above {UPPER_W}")
    require(not data.get("cleared"), "step 2: the event of an exceeded threshold says cleared")
    lower_id = await _set_one(ctx, _evse_power(ctx, "LowerThreshold", LOWER_W), "step 5")
    await states.stop_authorized(ctx, tx)
    _, back = await _monitor_event(ctx, upper_id, "step 7: power back below the upper threshold")
    _check_power_event(ctx, back, tx.transaction_id, "step 7 (upper)")
    require_equal(back.get("cleared"), True, "step 7: cleared of the upper threshold event")
    require_equal(back.get("eventNotificationType"), "CustomMonitor", "step 7: eventNotificationType (upper)")
    _, below = await _monitor_event(ctx, lower_id, "step 7: power below the lower threshold")
    _check_power_event(ctx, below, tx.transaction_id, "step 7 (lower)")
    require(_power(below, "step 7") < LOWER_W, f"step 7: actualValue {below.get('actualValue')} not below {LOWER_W}")
    require(not below.get("cleared"), "step 7: the event of the lower threshold says cleared")
    require_equal(below.get("eventNotificationType"), "CustomMonitor", "step 7: eventNotificationType (lower)")


@ocpp201_case(
    "TC_N_53_CS", "Custom monitor kept over a reboot", BLOCK, ["N07", "N04", "N02"], ["N07.FR.13"], needs=["reset"]
)
async def test_TC_N_53_CS(ctx: CaseContext) -> None:
    """An UpperThreshold monitor set before a reboot is reported afterwards under its id."""
    monitor_id = await _set_one(ctx, _evse_power(ctx, "UpperThreshold", UPPER_W), "memory state")
    await states.booted(ctx, via="reset")
    report = await get_report(ctx, "step 3", criteria=["ThresholdMonitoring"])
    require_accepted(report, "step 2")
    found = report.by_id(monitor_id)
    require(found is not None, f"step 3: monitor {monitor_id} set before the reboot is not reported")
    assert found is not None
    require_equal(found[1].get("type"), "UpperThreshold", f"step 3: type of monitor {monitor_id}")


async def _set_variable(ctx: CaseContext, component: str, variable: str, value: str, step: str) -> None:
    """SetVariables one value: Accepted, or RebootRequired followed by the reboot (reusable state Booted)."""
    data = {"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value}
    answer = await ctx.csms.call("SetVariables", {"setVariableData": [data]})
    status = answer.get("setVariableResult.0.attributeStatus")
    require_in(status, ("Accepted", "RebootRequired"), f"{step}: SetVariablesResponse attributeStatus")
    if status == "RebootRequired":
        await states.booted(ctx, via="reset")


@ocpp201_case(
    "TC_N_48_CS", "Delta monitor on a write-only variable", BLOCK, ["N07", "N04", "A01"], ["N07.FR.10"],
    needs=["security_profile:1,2"],
)  # fmt: skip
async def test_TC_N_48_CS(ctx: CaseContext) -> None:
    """A new BasicAuthPassword raises the Delta monitor's NotifyEvent with an empty actualValue."""
    server = require_server(ctx)
    configured = ctx.profile.ocpp.password or ""
    item = monitor("SecurityCtrlr", "BasicAuthPassword")
    monitor_id = await _set_one(ctx, item, "memory state")
    # <Generated password with same length as the configured one>; identifierString characters only.
    prefix = f"N48-{next(_passwords):04d}-"
    password = prefix + "x" * max(len(configured) - len(prefix), 16 - len(prefix))
    server.password = password  # from now on the CSMS accepts only the new password
    await _set_variable(ctx, "SecurityCtrlr", "BasicAuthPassword", password, "step 2")
    _, data = await _monitor_event(ctx, monitor_id, "step 4: the password changed")
    require_equal(data.get("actualValue"), "", "step 4: eventData actualValue of a write-only variable")


@ocpp201_case("TC_N_61_CS", "Delta monitor on a numeric setting", BLOCK, ["N07", "N04"], ["N07.FR.10"])
async def test_TC_N_61_CS(ctx: CaseContext) -> None:
    """A Delta of 2 on OfflineThreshold stays quiet after +1 and fires after +2, reporting the new value."""
    current = await read_variable(ctx.csms, "OCPPCommCtrlr", "OfflineThreshold")
    if current is None or not current.lstrip("-").isdigit():
        raise Inconclusive(f"OCPPCommCtrlr.OfflineThreshold reads {current!r}: no number to change")
    base = int(current)
    # The Delta must lie between the two changes of Part 6's scenario (+1 stays below it, +2 reaches it).
    monitor_id = await _set_one(ctx, monitor("OCPPCommCtrlr", "OfflineThreshold", value=2), "memory state")
    async with restored(ctx, [("OCPPCommCtrlr", "OfflineThreshold")]):
        await _set_variable(ctx, "OCPPCommCtrlr", "OfflineThreshold", str(base + 1), "step 2")
        await ctx.csms.expect_none(
            "NotifyEvent", _event_of(monitor_id), during=ctx.timing.absence_s,
            what=f"for monitor {monitor_id} after a change smaller than its Delta",
        )  # fmt: skip
        await _set_variable(ctx, "OCPPCommCtrlr", "OfflineThreshold", str(base + 2), "step 5")
        _, data = await _monitor_event(ctx, monitor_id, "step 7: OfflineThreshold changed by the Delta")
        require_equal(data.get("actualValue"), str(base + 2), "step 7: eventData actualValue")


async def _offline_queuing(ctx: CaseContext, monitor_severity: int) -> tuple[int, int]:
    """Configuration and memory state of N_22/N_23: OfflineQueuingSeverity <Configured severity>, a Delta monitor
    of `monitor_severity` on the EVSE's AvailabilityState, short reconnect timers. Returns (monitor id, backoff)."""
    await configure(ctx.csms, [
        ("MonitoringCtrlr", "OfflineQueuingSeverity", str(SEVERITY)),
        ("OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(OFFLINE_BACKOFF_S)),
        ("OCPPCommCtrlr", "RetryBackOffRandomRange", "0"),
    ])  # fmt: skip
    monitor_id = await _set_one(ctx, evse_availability(ctx, severity=monitor_severity), "memory state")
    return monitor_id, OFFLINE_BACKOFF_S


OFFLINE_SETTINGS = [
    ("MonitoringCtrlr", "OfflineQueuingSeverity"),
    ("OCPPCommCtrlr", "RetryBackOffWaitMinimum"),
    ("OCPPCommCtrlr", "RetryBackOffRandomRange"),
]


@ocpp201_case(
    "TC_N_22_CS", "Offline - events at OfflineQueuingSeverity are queued", BLOCK, ["N07", "B05"], ["N07.FR.04"]
)
async def test_TC_N_22_CS(ctx: CaseContext) -> None:
    """A Delta event of the queuing severity raised while offline is delivered after the reconnect."""
    async with restored(ctx, OFFLINE_SETTINGS):
        monitor_id, backoff = await _offline_queuing(ctx, SEVERITY)
        async with offline(ctx):
            since = len(ctx.csms.inbox)
            await ctx.dut.plug_in(ctx.cfg.evse_id, ctx.cfg.connector_id)  # step 1: Available -> Occupied
            await asyncio.sleep(ctx.cfg.transaction_duration_s)
        await reconnected(ctx, backoff)
        _, data = await _monitor_event(ctx, monitor_id, "step 3: queued while offline", since)
        require_equal(data.get("trigger"), "Delta", "step 3: eventData trigger")
        require_equal(data.get("actualValue"), "Occupied", "step 3: eventData actualValue")
        require_equal((data.get("component") or {}).get("name"), "EVSE", "step 3: eventData component.name")
        require_equal(((data.get("component") or {}).get("evse") or {}).get("id"), ctx.cfg.evse_id, "step 3: evse.id")
        require_equal((data.get("variable") or {}).get("name"), "AvailabilityState", "step 3: eventData variable")


@ocpp201_case(
    "TC_N_23_CS", "Offline - events above OfflineQueuingSeverity are dropped", BLOCK, ["N07", "B05"],
    ["N07.FR.04"],
)  # fmt: skip
async def test_TC_N_23_CS(ctx: CaseContext) -> None:
    """Delta events of a severity above the queuing one, raised while offline, never reach the CSMS."""
    async with restored(ctx, OFFLINE_SETTINGS):
        monitor_id, backoff = await _offline_queuing(ctx, SEVERITY + 1)
        tx = ctx.new_transaction()
        await states.ev_connected_pre_session(ctx, tx)  # steps 1-4, online
        async with offline(ctx):
            since = len(ctx.csms.inbox)
            await ctx.dut.unplug(ctx.cfg.evse_id, ctx.cfg.connector_id)
            await asyncio.sleep(STATE_HOLD_S)
            await ctx.dut.plug_in(ctx.cfg.evse_id, ctx.cfg.connector_id)
            await asyncio.sleep(ctx.cfg.transaction_duration_s)
        await reconnected(ctx, backoff)
        await ctx.csms.expect_none(
            "NotifyEvent", _event_of(monitor_id, since), during=ctx.timing.absence_s,
            what=f"for monitor {monitor_id} (severity {SEVERITY + 1}) raised while offline",
        )  # fmt: skip
