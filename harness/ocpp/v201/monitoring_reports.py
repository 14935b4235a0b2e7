"""Steps of N02-N04 cases that look at every part of a monitoring report, and at refusals of bad enumerations."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from harness.checks import require, require_equal, require_in
from harness.ocpp.messages import CallOutcome, Received
from harness.ocpp.v201.monitoring_steps import check_status
from harness.ocpp.v201.states import CaseContext

_request_ids = itertools.count(9300)
# CALLERROR codes (Part 4 §4.3) that say "this payload breaks the schema"; a station whose JSON parser refuses an
# unknown enumeration value answers with one of them, as the notes of TC_N_04_CS and TC_N_07_CS foresee.
SCHEMA_ERRORS = (
    "FormatViolation", "PropertyConstraintViolation", "TypeConstraintViolation",
    "OccurrenceConstraintViolation",
)  # fmt: skip
NOT_A_CRITERION = "UnknownMonitoring"  # outside MonitoringCriterionEnumType
NOT_A_BASE = "UnknownBase"  # outside MonitoringBaseEnumType


def next_request_id() -> int:
    return next(_request_ids)


@dataclass
class MonitoringReport:
    """A GetMonitoringReport answer and, when Accepted, every NotifyMonitoringReport part of it."""

    request_id: int
    answer: CallOutcome
    parts: list[Received] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.answer.get("status"))

    def entries(self) -> list[dict[str, Any]]:
        return [entry for part in self.parts for entry in part.get("monitor") or []]

    def types(self) -> set[str]:
        return {str(m.get("type")) for e in self.entries() for m in e.get("variableMonitoring") or []}

    def by_id(self, monitor_id: int) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(entry, variableMonitoring) of the monitor with this id, if reported."""
        for entry in self.entries():
            for monitor in entry.get("variableMonitoring") or []:
                if monitor.get("id") == monitor_id:
                    return entry, monitor
        return None

    def on(self, component: str, variable: str, kind: str) -> list[dict[str, Any]]:
        """Reported monitors of `kind` on this component and variable (any EVSE)."""
        return [
            m for e in self.entries()
            if (e.get("component") or {}).get("name") == component and (e.get("variable") or {}).get("name") == variable
            for m in e.get("variableMonitoring") or [] if m.get("type") == kind
        ]  # fmt: skip


async def get_report(
    ctx: CaseContext,
    step: str,
    *,
    criteria: list[str] | None = None,
    targets: list[dict[str, Any]] | None = None,
) -> MonitoringReport:
    """GetMonitoringReport; when Accepted, its parts, each checked for requestId and a seqNo counting from 0."""
    request_id = next_request_id()
    payload: dict[str, Any] = {"requestId": request_id}
    if criteria:
        payload["monitoringCriteria"] = criteria
    if targets:
        payload["componentVariable"] = [{k: t[k] for k in ("component", "variable") if k in t} for t in targets]
    report = MonitoringReport(request_id, await ctx.csms.call("GetMonitoringReport", payload))
    if report.status != "Accepted":
        return report
    while True:
        part = await ctx.csms.expect("NotifyMonitoringReport", what=f"{step}: for requestId {request_id}")
        require_equal(part.get("requestId"), request_id, f"{step}: NotifyMonitoringReport requestId")
        require_equal(part.get("seqNo"), len(report.parts), f"{step}: NotifyMonitoringReport seqNo")
        report.parts.append(part)
        if not part.get("tbc"):
            return report


def require_accepted(report: MonitoringReport, step: str) -> None:
    check_status(report.answer, "Accepted", ("NoError",), f"{step}: GetMonitoringReportResponse")


def require_types(report: MonitoringReport, allowed: set[str], step: str) -> None:
    unexpected = report.types() - allowed
    require(
        not unexpected, f"{step}: the report holds monitors of type {sorted(unexpected)}, expected {sorted(allowed)}"
    )


def require_not_supported(answer: CallOutcome, what: str) -> None:
    """NotSupported (statusInfo absent, UnsupportedParam or InvalidValue), or a CALLERROR naming the bad value."""
    if answer.error_code is not None:
        require_in(answer.error_code, SCHEMA_ERRORS, f"{what}: CALLERROR code")
        return
    check_status(answer, "NotSupported", ("UnsupportedParam", "InvalidValue"), what)
