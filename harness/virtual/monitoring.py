"""N02-N06 variable monitoring on the virtual station: monitors on device-model variables and their reports.

The station leaves the factory without preconfigured or hard-wired monitors; custom monitors live until they are
cleared, replaced, removed by SetMonitoringBase HardWiredOnly or a factory reset. Every tick the monitored values
are sampled; a monitor that triggers (N07: Delta, Upper/LowerThreshold, Periodic) and whose severity passes the
monitoring level raises a NotifyEvent.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.virtual import faults as F
from harness.virtual.device_model import ComponentRef, VariableKey, VariableSpec
from harness.virtual.rpc import Reply

if TYPE_CHECKING:
    from harness.virtual.clock import Clock
    from harness.virtual.device_model import DeviceModel
    from harness.virtual.faults import FaultSet
    from harness.virtual.outbox import Outbox

NUMERIC = frozenset({"integer", "decimal"})
THRESHOLDS = frozenset({"UpperThreshold", "LowerThreshold"})
CRITERIA = {
    "ThresholdMonitoring": THRESHOLDS,
    "DeltaMonitoring": frozenset({"Delta"}),
    "PeriodicMonitoring": frozenset({"Periodic", "PeriodicClockAligned"}),
}
MONITORS_PER_REPORT = 20
LOWEST_SEVERITY = 9


@dataclass(frozen=True)
class Monitor:
    id: int
    variable: VariableKey
    type: str
    value: float
    severity: int
    transaction: bool

    def as_report(self) -> dict[str, Any]:
        return {
            "id": self.id, "transaction": self.transaction, "value": self.value, "type": self.type,
            "severity": self.severity,
        }  # fmt: skip


class Monitoring:
    """The station's monitors, the active monitoring level and the requests that manage them."""

    def __init__(self, dm: DeviceModel, faults: FaultSet, outbox: Outbox, clock: Clock) -> None:
        self._dm, self._faults, self._outbox, self._clock = dm, faults, outbox, clock
        self._ids = itertools.count(1)
        self.monitors: dict[int, Monitor] = {}
        self.level = LOWEST_SEVERITY
        self._events = itertools.count(1)
        self._seen: dict[int, str] = {}  # Delta: the value the next change is measured from
        self._due: dict[int, float] = {}  # Periodic: when the next event is due (epoch seconds)
        self._alerting: set[int] = set()  # thresholds currently exceeded

    def forget_all(self) -> None:
        self.monitors.clear()
        self.level = LOWEST_SEVERITY
        self._seen.clear()
        self._due.clear()
        self._alerting.clear()

    # N07 monitor events
    def tick(self, epoch: float) -> None:
        for monitor in list(self.monitors.values()):
            if self._dm.spec(monitor.variable) is None:
                continue
            current = self._dm.value(monitor.variable)
            trigger = self._triggered(monitor, current, epoch)
            if trigger is not None and (
                monitor.severity <= self.level or self._faults.active(F.MONITOR_EVENTS_IGNORE_LEVEL)
            ):
                self._notify(monitor, trigger, current)

    def _triggered(self, monitor: Monitor, current: str, epoch: float) -> str | None:
        if monitor.type == "Delta":
            return self._delta(monitor, current)
        if monitor.type in ("Periodic", "PeriodicClockAligned"):
            due = self._due.setdefault(monitor.id, epoch + monitor.value)
            if epoch < due:
                return None
            period = monitor.value * (2 if self._faults.active(F.MONITOR_PERIODIC_HALF_RATE) else 1)
            self._due[monitor.id] = due + period if due + period > epoch else epoch + period
            return "Periodic"
        try:
            number = float(current)
        except ValueError:
            return None
        exceeded = number > monitor.value if monitor.type == "UpperThreshold" else number < monitor.value
        was = monitor.id in self._alerting
        if exceeded and not was:
            self._alerting.add(monitor.id)
            return "Alerting"
        if was and not exceeded:
            self._alerting.discard(monitor.id)
            return "Alerting"  # the return to normal is reported too, as cleared (N07.FR.04 reading)
        return None

    def _delta(self, monitor: Monitor, current: str) -> str | None:
        before = self._seen.setdefault(monitor.id, current)
        if self._faults.active(F.MONITOR_DELTA_SILENT) or before == current:
            return None
        try:
            changed = abs(float(current) - float(before)) >= monitor.value
        except ValueError:
            changed = True  # N07.FR.07: a non-numeric value triggers a Delta monitor on any change
        if changed:
            self._seen[monitor.id] = current
            return "Delta"
        return None

    def _notify(self, monitor: Monitor, trigger: str, current: str) -> None:
        event: dict[str, Any] = {
            "eventId": next(self._events), "timestamp": self._clock.stamp(), "trigger": trigger,
            "actualValue": current[:2500], "component": monitor.variable.component.to_json(),
            "variable": monitor.variable.variable_json(), "variableMonitoringId": monitor.id,
            "eventNotificationType": "CustomMonitor",
        }  # fmt: skip
        if trigger == "Alerting" and monitor.id not in self._alerting:
            event["cleared"] = True
        self._outbox.put(
            "NotifyEvent", {"generatedAt": self._clock.stamp(), "seqNo": 0, "tbc": False, "eventData": [event]}
        )

    # N04 SetVariableMonitoring
    def set_variable_monitoring(self, payload: dict[str, Any]) -> Reply:
        return Reply({"setMonitoringResult": [self._set_one(item) for item in payload["setMonitoringData"]]})

    def _set_one(self, item: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {
            "type": item["type"], "severity": item["severity"], "component": item["component"],
            "variable": item["variable"],
        }  # fmt: skip
        component = ComponentRef.from_json(item["component"])
        variable = VariableKey(component, item["variable"]["name"], item["variable"].get("instance"))
        if self._faults.active(F.MONITOR_REQUEST_UNCHECKED):
            refusal: tuple[str, str] | None = None
        else:
            status, spec = self._dm.lookup(component, item["variable"])
            if (
                status == "UnknownComponent"
                and component.evse_id is None
                and self._dm.has_component_named(component.name)
            ):
                status = "UnknownVariable"  # "EVSE" without an id names the component of every EVSE
            refusal = (status, "NotFound") if spec is None else self._refusal(item, spec)
        if refusal is not None:
            result["status"] = refusal[0]
            result["statusInfo"] = {"reasonCode": refusal[1]}
            return result
        monitor_id = item.get("id")
        if monitor_id is not None and monitor_id not in self.monitors:
            result["status"] = "Rejected"
            result["statusInfo"] = {"reasonCode": "NotFound"}
            return result
        if monitor_id is None or self._faults.active(F.MONITOR_ID_NOT_REPLACED):
            monitor_id = next(self._ids)
        self.monitors[monitor_id] = Monitor(
            monitor_id, variable, item["type"], float(item["value"]), item["severity"], item.get("transaction", False)
        )
        for state in (self._seen, self._due):
            state.pop(monitor_id, None)  # a replaced monitor starts afresh from the present value
        self._alerting.discard(monitor_id)
        result["id"] = monitor_id
        result["status"] = "Accepted"
        return result

    def _refusal(self, item: dict[str, Any], spec: VariableSpec) -> tuple[str, str] | None:
        kind, value = item["type"], float(item["value"])
        numeric = spec.data_type in NUMERIC
        if kind in THRESHOLDS and not numeric:
            return "UnsupportedMonitorType", "UnsupportedParam"
        if kind == "Delta" and value < 0:
            return "Rejected", "ValuePositiveOnly"  # N04.FR.14
        if kind in THRESHOLDS and (
            (spec.max_limit is not None and value > spec.max_limit)
            or (spec.min_limit is not None and value < spec.min_limit)
        ):
            return "Rejected", "ValueOutOfRange"  # N04.FR.13
        if "id" not in item and self._duplicate(spec.key, kind, item["severity"]):
            return "Duplicate", "InvalidValue"
        return None

    def _duplicate(self, variable: VariableKey, kind: str, severity: int) -> bool:
        """N04.FR.10: one monitor per type and severity on a variable."""
        ignore_severity = self._faults.active(F.MONITOR_DUPLICATE_IGNORES_SEVERITY)
        return any(
            m.variable.index() == variable.index() and m.type == kind and (ignore_severity or m.severity == severity)
            for m in self.monitors.values()
        )

    # N06 ClearVariableMonitoring
    def clear_variable_monitoring(self, payload: dict[str, Any]) -> Reply:
        results = []
        for monitor_id in payload["id"]:
            keep = self._faults.active(F.MONITOR_CLEAR_ALWAYS_ACCEPTED)
            if keep or self.monitors.pop(monitor_id, None) is not None:
                results.append({"id": monitor_id, "status": "Accepted"})
            else:
                results.append({"id": monitor_id, "status": "NotFound", "statusInfo": {"reasonCode": "NotFound"}})
        return Reply({"clearMonitoringResult": results})

    # N03 SetMonitoringBase, N05 SetMonitoringLevel
    def set_monitoring_base(self, payload: dict[str, Any]) -> Reply:
        base = payload["monitoringBase"]
        if base == "HardWiredOnly":
            if self._faults.active(F.MONITORING_BASE_HARDWIRED_REJECTED):
                return Reply({"status": "Rejected"})
            self.monitors.clear()  # N03.FR.05: custom monitors go; there are no preconfigured ones to disable
        return Reply({"status": "Accepted"})

    def set_monitoring_level(self, payload: dict[str, Any]) -> Reply:
        severity = payload["severity"]
        if not 0 <= severity <= LOWEST_SEVERITY and not self._faults.active(F.MONITORING_LEVEL_UNCHECKED):
            reason = "ValueTooHigh" if severity > LOWEST_SEVERITY else "ValueTooLow"
            return Reply({"status": "Rejected", "statusInfo": {"reasonCode": reason}})
        self.level = severity
        return Reply({"status": "Accepted"})

    # N02 GetMonitoringReport
    def get_monitoring_report(self, payload: dict[str, Any]) -> Reply:
        criteria = payload.get("monitoringCriteria")
        kinds: frozenset[str] | None = None
        if criteria:
            kinds = frozenset().union(*(CRITERIA[c] for c in criteria))
        wanted = payload.get("componentVariable")
        chosen = [
            m for m in sorted(self.monitors.values(), key=lambda m: m.id)
            if (kinds is None or m.type in kinds) and (not wanted or any(_matches(m.variable, cv) for cv in wanted))
        ]  # fmt: skip
        if not chosen:
            return Reply({"status": "EmptyResultSet"})
        request_id = 0 if self._faults.active(F.MONITOR_REPORT_WRONG_REQUEST_ID) else payload["requestId"]
        return Reply({"status": "Accepted"}, then=self._reporter(request_id, chosen))

    def _reporter(self, request_id: int, chosen: list[Monitor]) -> Callable[[], None]:
        grouped: dict[VariableKey, list[Monitor]] = {}
        for monitor in chosen:
            grouped.setdefault(monitor.variable, []).append(monitor)
        entries = [
            {
                "component": variable.component.to_json(), "variable": variable.variable_json(),
                "variableMonitoring": [m.as_report() for m in monitors],
            }
            for variable, monitors in grouped.items()
        ]  # fmt: skip
        chunks = [entries[i : i + MONITORS_PER_REPORT] for i in range(0, len(entries), MONITORS_PER_REPORT)]

        def send() -> None:
            generated = self._clock.stamp()
            for seq_no, chunk in enumerate(chunks):
                self._outbox.put("NotifyMonitoringReport", {
                    "requestId": request_id, "seqNo": seq_no, "generatedAt": generated,
                    "tbc": seq_no < len(chunks) - 1, "monitor": chunk,
                })  # fmt: skip

        return send


def _matches(variable: VariableKey, wanted: dict[str, Any]) -> bool:
    """A ComponentVariable filter: the component (EVSE scope only when given) and, if named, the variable."""
    component = wanted["component"]
    mine = variable.component
    if component["name"].lower() != mine.name.lower() or component.get("instance") != mine.instance:
        return False
    evse = component.get("evse")
    if evse is not None and (evse["id"] != mine.evse_id or evse.get("connectorId") not in (None, mine.connector_id)):
        return False
    named = wanted.get("variable")
    if named is None:
        return True
    return bool(named["name"].lower() == variable.name.lower() and named.get("instance") == variable.instance)
