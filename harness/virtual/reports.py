"""Custom reports (B08): GetReport filtered by component criteria and by component/variable, sent as NotifyReport.

A component meets a criterion (Available, Enabled, Problem) when it has the variable of that name set to true.
Criteria alone report those criterion variables of the components that meet them (what Part 6 checks);
with componentVariable entries they restrict which components' selected variables are reported. This station
has no component with an Active variable, so it does not support that criterion (B08.FR.02).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.device_model import ComponentRef, DeviceModel, VariableSpec
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox
from harness.virtual.rpc import Reply

SUPPORTED_CRITERIA = ("Available", "Enabled", "Problem")


class CustomReports:
    def __init__(self, dm: DeviceModel, outbox: Outbox, stamp: Callable[[], str], faults: FaultSet) -> None:
        self._dm = dm
        self._outbox = outbox
        self._stamp = stamp
        self._faults = faults

    def get_report(self, payload: dict[str, Any]) -> Reply:
        criteria: list[str] = payload.get("componentCriteria", [])
        wanted: list[dict[str, Any]] = payload.get("componentVariable", [])
        if self._faults.active(F.CUSTOM_REPORT_IGNORES_FILTERS):
            entries = self._dm.custom_report(lambda spec: True)
        elif any(criterion not in SUPPORTED_CRITERIA for criterion in criteria):
            return Reply({"status": "NotSupported", "statusInfo": {"reasonCode": "UnsupportedParam"}})
        else:
            entries = self._dm.custom_report(lambda spec: self._selected(spec, criteria, wanted))
        if not entries:
            return Reply({"status": "EmptyResultSet", "statusInfo": {"reasonCode": "NotFound"}})
        size = self._dm.get_int(dmc.ITEMS_PER_REPORT)
        chunks = [entries[i : i + size] for i in range(0, len(entries), size)]
        request_id = payload["requestId"]

        def send() -> None:
            generated = self._stamp()
            for seq_no, chunk in enumerate(chunks):
                self._outbox.put(
                    "NotifyReport",
                    {
                        "requestId": request_id,
                        "generatedAt": generated,
                        "seqNo": seq_no,
                        "tbc": seq_no < len(chunks) - 1,
                        "reportData": chunk,
                    },
                )

        return Reply({"status": "Accepted"}, then=send)

    def _selected(self, spec: VariableSpec, criteria: list[str], wanted: list[dict[str, Any]]) -> bool:
        if not wanted:
            # Criteria only: the criterion variables themselves, where they hold (B08.FR.07).
            return spec.key.name in criteria and spec.key.instance is None and self._true(spec)
        if criteria and not any(self._meets(spec.key.component, criterion) for criterion in criteria):
            return False
        return any(_matches(spec, entry) for entry in wanted)

    def _meets(self, component: ComponentRef, criterion: str) -> bool:
        return any(
            spec.key.component == component and spec.key.name == criterion and self._true(spec)
            for spec in self._dm.specs()
        )

    def _true(self, spec: VariableSpec) -> bool:
        return spec.data_type == "boolean" and self._dm.value(spec.key).lower() == "true"


def _matches(spec: VariableSpec, entry: dict[str, Any]) -> bool:
    """B08.FR.11-.14: a name must match; an instance, EVSE or connector only when the request gives one."""
    component, variable = entry["component"], entry.get("variable")
    ref = spec.key.component
    if component["name"].lower() != ref.name.lower():
        return False
    if "instance" in component and (ref.instance or "").lower() != component["instance"].lower():
        return False
    evse = component.get("evse")
    if evse is not None and (
        ref.evse_id != evse["id"] or evse.get("connectorId", ref.connector_id) != ref.connector_id
    ):
        return False
    if variable is None:
        return True
    if variable["name"].lower() != spec.key.name.lower():
        return False
    return "instance" not in variable or (spec.key.instance or "").lower() == variable["instance"].lower()
