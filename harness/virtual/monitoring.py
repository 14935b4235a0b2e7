"""N02-N06 variable monitoring on the virtual station: monitors on device-model variables and their reports.

Which monitors the station leaves the factory with, and what each monitoring base keeps, is in monitor_base.py.
Custom monitors live until they are cleared, replaced, removed by SetMonitoringBase FactoryDefault or
HardWiredOnly or a factory reset; they survive reboots (N07.FR.13). Every tick the monitored values are sampled;
a monitor that triggers (N07: Delta, Upper/LowerThreshold, Periodic) and whose severity passes the monitoring level
raises a NotifyEvent.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual import monitor_base as mb
from harness.virtual.device_model import ComponentRef, VariableKey, VariableSpec
from harness.virtual.monitor_base import Monitor
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
HARDWIRED_NOTIFICATION = "HardWiredNotification"


class Monitoring:
    """The station's monitors, the active monitoring level and the requests that manage them."""

    def __init__(
        self, dm: DeviceModel, faults: FaultSet, outbox: Outbox, clock: Clock, evse_ids: list[int] | None = None
    ) -> None:
        self._dm, self._faults, self._outbox, self._clock = dm, faults, outbox, clock
        self._evse_ids = evse_ids or []
        self._ids = itertools.count(mb.FIRST_CUSTOM_ID)
        self.monitors: dict[int, Monitor] = {}
        self.level = LOWEST_SEVERITY
        self.base = mb.SHIPPED_BASE
        self._events = itertools.count(1)
        self._seen: dict[int, str] = {}  # Delta: the value the next change is measured from
        self._due: dict[int, float] = {}  # Periodic: when the next event is due (epoch seconds)
        self._alerting: set[int] = set()  # thresholds currently exceeded
        self._last_tx: dict[int, str] = {}  # per EVSE: the transaction that ran last
        self.transaction_of: Callable[[int | None], str | None] = lambda evse_id: None
        self.online: Callable[[], bool] = lambda: True
        self.forget_all()
        dm.bind(dmc.ACTIVE_MONITORING_BASE, lambda: self.base)
        dm.bind(dmc.ACTIVE_MONITORING_LEVEL, lambda: str(self.level))

    def forget_all(self) -> None:
        """Back to the factory: the shipped base, its monitors only, the lowest level."""
        self.base = mb.SHIPPED_BASE
        self.monitors = mb.after_base(self.base, {}, self._evse_ids, keep_overruled=False)
        self._ids = itertools.count(mb.FIRST_CUSTOM_ID)
        self.level = LOWEST_SEVERITY
        self._seen.clear()
        self._due.clear()
        self._alerting.clear()
        self._last_tx.clear()

    def powered_down(self) -> None:
        """Monitors are persistent (N07.FR.13); the fault forgets the custom ones."""
        if self._faults.active(F.MONITORS_LOST_ON_REBOOT):
            self.monitors = mb.after_base(self.base, {}, self._evse_ids, keep_overruled=False)

    # N07 monitor events
    def tick(self, epoch: float) -> None:
        transactions = {evse_id: self._transaction_for(evse_id) for evse_id in self._evse_ids}
        for monitor in list(self.monitors.values()):
            if self._dm.spec(monitor.variable) is None:
                continue
            current = self._dm.value(monitor.variable)
            trigger = self._triggered(monitor, current, epoch)
            if trigger is not None and (
                monitor.severity <= self.level or self._faults.active(F.MONITOR_EVENTS_IGNORE_LEVEL)
            ):
                evse_id = monitor.variable.component.evse_id
                self._notify(monitor, trigger, current, transactions.get(evse_id) if evse_id is not None else None)

    def _transaction_for(self, evse_id: int) -> str | None:
        """The transaction an EVSE's event belongs to: the one running, or the one that just ended while its
        energy still dies away (the power falls through a threshold only after the transaction stopped)."""
        running = self.transaction_of(evse_id)
        if running is not None:
            self._last_tx[evse_id] = running
            return running
        power = dmc.evse_power(evse_id)
        if self._dm.spec(power) is not None and float(self._dm.value(power)) != 0.0:
            return self._last_tx.get(evse_id)
        self._last_tx.pop(evse_id, None)
        return None

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
            if self._faults.active(F.MONITOR_THRESHOLD_CLEAR_SILENT):
                return None
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
        if changed or self._faults.active(F.MONITOR_DELTA_FROM_LAST_SAMPLE):
            self._seen[monitor.id] = current  # the fault: every sample becomes the reference
        return "Delta" if changed else None

    def _notify(self, monitor: Monitor, trigger: str, current: str, transaction_id: str | None) -> None:
        if not self.online() and not self._queued_offline(monitor.severity):
            return  # N07.FR.04: offline, only events at or below OfflineQueuingSeverity are kept
        spec = self._dm.spec(monitor.variable)
        secret = spec is not None and spec.mutability == "WriteOnly"
        if secret and not self._faults.active(F.MONITOR_EVENT_SHOWS_SECRET):
            current = ""  # N07.FR.10: a write-only value never leaves the station
        event: dict[str, Any] = {
            "eventId": next(self._events), "timestamp": self._clock.stamp(), "trigger": trigger,
            "actualValue": current[:2500], "component": monitor.variable.component.to_json(),
            "variable": monitor.variable.variable_json(), "variableMonitoringId": monitor.id,
            "eventNotificationType": monitor.origin,
        }  # fmt: skip
        if trigger == "Alerting" and monitor.id not in self._alerting:
            event["cleared"] = True
        if transaction_id is not None:
            event["transactionId"] = transaction_id
        self._outbox.put(
            "NotifyEvent", {"generatedAt": self._clock.stamp(), "seqNo": 0, "tbc": False, "eventData": [event]}
        )

    def hardwired_notification(self, variable: VariableKey, problem: bool) -> None:
        """N07: what the firmware reports by itself, with no monitor behind it (HardWiredNotification): a hardware
        problem that begins, or ends (cleared)."""
        if not self.online() and not self._queued_offline(mb.HARDWIRED_SEVERITY):
            return
        kind = mb.HARDWIRED if self._faults.active(F.HARDWIRED_NOTIFICATION_AS_MONITOR) else HARDWIRED_NOTIFICATION
        event: dict[str, Any] = {
            "eventId": next(self._events), "timestamp": self._clock.stamp(), "trigger": "Alerting",
            "actualValue": "true" if problem else "false", "component": variable.component.to_json(),
            "variable": variable.variable_json(), "eventNotificationType": kind,
        }  # fmt: skip
        if not problem:
            event["cleared"] = True
        self._outbox.put(
            "NotifyEvent", {"generatedAt": self._clock.stamp(), "seqNo": 0, "tbc": False, "eventData": [event]}
        )

    def firmware_delta(self, variable: VariableKey, value: str, severity: int) -> None:
        """A change the firmware itself watches (no configurable monitor behind it, e.g. G05's plug retention
        lock): a Delta event when `severity` passes the monitoring level (N07)."""
        if severity > self.level and not self._faults.active(F.MONITOR_EVENTS_IGNORE_LEVEL):
            return
        if not self.online() and not self._queued_offline(severity):
            return
        event: dict[str, Any] = {
            "eventId": next(self._events), "timestamp": self._clock.stamp(), "trigger": "Delta",
            "actualValue": value, "component": variable.component.to_json(),
            "variable": variable.variable_json(), "eventNotificationType": HARDWIRED_NOTIFICATION,
        }  # fmt: skip
        self._outbox.put(
            "NotifyEvent", {"generatedAt": self._clock.stamp(), "seqNo": 0, "tbc": False, "eventData": [event]}
        )

    def _queued_offline(self, severity: int) -> bool:
        limit = self._dm.get_int(dmc.OFFLINE_QUEUING_SEVERITY)
        if self._faults.active(F.OFFLINE_QUEUING_SEVERITY_INVERTED):
            return severity > limit
        return severity <= limit

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
        existing = self.monitors.get(item["id"]) if "id" in item else None
        if existing is not None and self._unchangeable(existing, variable):
            result["status"] = "Rejected"  # N04.FR.16 / N04.FR.18: another variable, or a hard-wired monitor
            result["statusInfo"] = {"reasonCode": "InvalidValue" if existing.origin != mb.HARDWIRED else "ReadOnly"}
            return result
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
        # N04.FR.15: a changed preconfigured monitor counts as custom until a base restores it.
        self.monitors[monitor_id] = Monitor(
            monitor_id, variable, item["type"], float(item["value"]), item["severity"], item.get("transaction", False)
        )
        self._due.pop(monitor_id, None)
        self._seen.pop(monitor_id, None)
        if self._dm.spec(variable) is not None:
            self._seen[monitor_id] = self._dm.value(variable)  # a Delta counts from the value when it was set
        self._alerting.discard(monitor_id)
        result["id"] = monitor_id
        result["status"] = "Accepted"
        return result

    def _unchangeable(self, existing: Monitor, variable: VariableKey) -> bool:
        if existing.origin == mb.HARDWIRED:
            return True
        return existing.variable.index() != variable.index() and not self._faults.active(F.MONITOR_ID_TARGET_UNCHECKED)

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
            found = self.monitors.get(monitor_id)
            if found is not None and found.origin == mb.HARDWIRED and not keep:
                results.append({"id": monitor_id, "status": "Rejected", "statusInfo": {"reasonCode": "ReadOnly"}})
            elif keep or self.monitors.pop(monitor_id, None) is not None:
                results.append({"id": monitor_id, "status": "Accepted"})
            else:
                results.append({"id": monitor_id, "status": "NotFound", "statusInfo": {"reasonCode": "NotFound"}})
        return Reply({"clearMonitoringResult": results})

    # N03 SetMonitoringBase, N05 SetMonitoringLevel
    def set_monitoring_base(self, payload: dict[str, Any]) -> Reply:
        base = payload["monitoringBase"]
        if base == "HardWiredOnly" and self._faults.active(F.MONITORING_BASE_HARDWIRED_REJECTED):
            return Reply({"status": "Rejected"})
        if base not in mb.BASES:
            return Reply({"status": "Accepted"})  # only reachable when the request parser let the value through
        keep = self._faults.active(F.MONITORING_BASE_KEEPS_OVERRULED)
        self.monitors = mb.after_base(base, self.monitors, self._evse_ids, keep_overruled=keep)
        for monitor_id in [i for i in (*self._seen, *self._due) if i not in self.monitors]:
            self._seen.pop(monitor_id, None)
            self._due.pop(monitor_id, None)
        self.base = base
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
            # An unknown criterion only gets here when the request parser let it through (a fault): ignored.
            kinds = frozenset().union(*(CRITERIA.get(c, frozenset()) for c in criteria))
            if self._faults.active(F.MONITOR_REPORT_CRITERIA_IGNORED):
                kinds = None
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
