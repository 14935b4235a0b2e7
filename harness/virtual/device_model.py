"""The station's device model (OCPP 2.0.1 Part 1 §4, use cases B05-B07): typed variables, get, set, base reports.

Only attribute type Actual exists here; Target/MinSet/MaxSet answer NotSupportedAttributeType (B05.FR.06,
B06.FR.08). Values are kept as the strings that travel on the wire and are checked against the declared data
type and limits before a set is accepted (B05.FR.07).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.virtual import faults as F
from harness.virtual.faults import FaultSet

LIST_TYPES = frozenset({"OptionList", "MemberList", "SequenceList"})
MULTI_VALUE_TYPES = frozenset({"MemberList", "SequenceList"})
MAX_VALUE_LENGTH = 1000  # SetVariableData.attributeValue maxLength in the 2.0.1 schema

_INTEGER = re.compile(r"[+-]?\d{1,12}")
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


# The statuses that say "no such thing here", as opposed to Accepted or Rejected.
_LOOKUP_ERRORS = frozenset({"UnknownComponent", "UnknownVariable", "NotSupportedAttributeType"})


@dataclass(frozen=True)
class ComponentRef:
    """A component as addressed on the wire: name, optional instance, optional EVSE/connector scope."""

    name: str
    instance: str | None = None
    evse_id: int | None = None
    connector_id: int | None = None

    def index(self) -> tuple[str, str | None, int | None, int | None]:
        return (self.name.lower(), self.instance.lower() if self.instance else None, self.evse_id, self.connector_id)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.instance is not None:
            data["instance"] = self.instance
        if self.evse_id is not None:
            evse: dict[str, Any] = {"id": self.evse_id}
            if self.connector_id is not None:
                evse["connectorId"] = self.connector_id
            data["evse"] = evse
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ComponentRef:
        evse = data.get("evse") or {}
        return cls(data["name"], data.get("instance"), evse.get("id"), evse.get("connectorId"))


@dataclass(frozen=True)
class VariableKey:
    """A variable of a component, with its optional instance."""

    component: ComponentRef
    name: str
    instance: str | None = None

    def index(self) -> tuple[tuple[str, str | None, int | None, int | None], str, str | None]:
        return (self.component.index(), self.name.lower(), self.instance.lower() if self.instance else None)

    def variable_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name}
        if self.instance is not None:
            data["instance"] = self.instance
        return data


def key(
    component: str, variable: str, instance: str | None = None, *, evse: int | None = None, connector: int | None = None
) -> VariableKey:
    """Shorthand for a VariableKey."""
    return VariableKey(ComponentRef(component, None, evse, connector), variable, instance)


@dataclass(frozen=True)
class VariableSpec:
    """Declaration of one variable: type, mutability, factory value and the values it may take."""

    key: VariableKey
    data_type: str
    mutability: str = "ReadWrite"
    default: str = ""
    unit: str | None = None
    min_limit: float | None = None
    max_limit: float | None = None
    values: tuple[str, ...] = ()
    allow_empty: bool = False
    dynamic: bool = False  # the value is read from the running station, never stored


def value_problem(spec: VariableSpec, value: str) -> str | None:
    """Why `value` is not acceptable for `spec`, or None when it is."""
    if len(value) > MAX_VALUE_LENGTH:
        return "value too long"
    check = _TYPE_CHECKS.get(spec.data_type)
    if check is None:
        return f"unsupported data type {spec.data_type}"
    problem = check(spec, value)
    if problem is None and spec.values and spec.data_type not in LIST_TYPES and value not in spec.values:
        return f"value not one of {','.join(spec.values)}"
    return problem


def _check_boolean(spec: VariableSpec, value: str) -> str | None:
    return None if value in ("true", "false") else "not a boolean"


def _check_number(spec: VariableSpec, value: str, pattern: re.Pattern[str]) -> str | None:
    if not pattern.fullmatch(value):
        return "not a number of the declared type"
    number = float(value)
    if not math.isfinite(number):
        return "not a finite number"
    if spec.min_limit is not None and number < spec.min_limit:
        return "below minLimit"
    if spec.max_limit is not None and number > spec.max_limit:
        return "above maxLimit"
    return None


def _check_string(spec: VariableSpec, value: str) -> str | None:
    if spec.max_limit is not None and len(value) > spec.max_limit:
        return "longer than maxLimit"
    return None


def _check_datetime(spec: VariableSpec, value: str) -> str | None:
    if not _RFC3339.fullmatch(value):
        return "not an RFC 3339 date-time"
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return "not a valid date-time"
    return None


def _check_option(spec: VariableSpec, value: str) -> str | None:
    return None if value in spec.values else "not a member of the option list"


def _check_members(spec: VariableSpec, value: str) -> str | None:
    members = split_list(value)
    if not members:
        return None if spec.allow_empty else "empty list"
    if len(set(members)) != len(members):
        return "duplicate member"
    unknown = [m for m in members if m not in spec.values]
    return f"unsupported member {unknown[0]}" if unknown else None


_TYPE_CHECKS: dict[str, Callable[[VariableSpec, str], str | None]] = {
    "boolean": _check_boolean,
    "integer": lambda spec, value: _check_number(spec, value, _INTEGER),
    "decimal": lambda spec, value: _check_number(spec, value, _DECIMAL),
    "string": _check_string,
    "dateTime": _check_datetime,
    "OptionList": _check_option,
    "MemberList": _check_members,
    "SequenceList": _check_members,
}


def split_list(value: str) -> list[str]:
    return [member.strip() for member in value.split(",") if member.strip()]


class DeviceModel:
    """Variables of one station; values survive power cycles and resets, only factory_reset restores them."""

    def __init__(self, specs: Sequence[VariableSpec], faults: FaultSet) -> None:
        self._specs = list(specs)
        self._faults = faults
        self._by_index = {spec.key.index(): spec for spec in self._specs}
        self._components = {spec.key.component.index() for spec in self._specs}
        self._providers: dict[VariableKey, Callable[[], str]] = {}
        self._guards: dict[VariableKey, Callable[[str], str | None]] = {}
        self._listeners: list[Callable[[VariableKey], None]] = []
        self._values: dict[VariableKey, str] = {}
        self.factory_reset()

    def factory_reset(self) -> None:
        self._values = {spec.key: spec.default for spec in self._specs if not spec.dynamic}

    def bind(self, variable: VariableKey, provider: Callable[[], str]) -> None:
        """Supply the live value of a dynamic variable."""
        self._providers[variable] = provider

    def guard(self, variable: VariableKey, check: Callable[[str], str | None]) -> None:
        """A check a CSMS write must pass beyond the type rules: it returns "Rejected", "RebootRequired" or None."""
        self._guards[variable] = check

    def on_change(self, listener: Callable[[VariableKey], None]) -> None:
        self._listeners.append(listener)

    def spec(self, variable: VariableKey) -> VariableSpec | None:
        return self._by_index.get(variable.index())

    def value(self, variable: VariableKey) -> str:
        spec = self._by_index[variable.index()]
        provider = self._providers.get(spec.key)
        if spec.dynamic and provider is not None:
            return provider()
        return self._values.get(spec.key, spec.default)

    def get_int(self, variable: VariableKey) -> int:
        return int(self.value(variable))

    def get_bool(self, variable: VariableKey) -> bool:
        return self.value(variable) == "true"

    def get_list(self, variable: VariableKey) -> list[str]:
        return split_list(self.value(variable))

    def put(self, variable: VariableKey, value: str) -> bool:
        """Internal write (e.g. the heartbeat interval from a BootNotificationResponse); False if invalid."""
        spec = self._by_index[variable.index()]
        if value_problem(spec, value) is not None:
            return False
        self._store(spec, value)
        return True

    def _store(self, spec: VariableSpec, value: str) -> None:
        changed = self._values.get(spec.key) != value
        self._values[spec.key] = value
        if changed:
            for listener in self._listeners:
                listener(spec.key)

    def lookup(self, component: ComponentRef, variable: dict[str, Any]) -> tuple[str, VariableSpec | None]:
        """("Accepted", spec) for a known variable, else ("UnknownComponent" | "UnknownVariable", None)."""
        return self._lookup(component, variable)

    def has_component_named(self, name: str) -> bool:
        """Whether any instance or EVSE scope of a component of this name exists."""
        return any(index[0] == name.lower() for index in self._components)

    def _lookup(self, component: ComponentRef, variable: dict[str, Any]) -> tuple[str, VariableSpec | None]:
        wanted = VariableKey(component, variable["name"], variable.get("instance"))
        spec = self._by_index.get(wanted.index())
        if spec is not None:
            return "Accepted", spec
        if component.index() not in self._components:
            return "UnknownComponent", None
        return "UnknownVariable", None

    def get_variables(self, requests: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Answer GetVariableData entries with GetVariableResult entries (B06)."""
        return [self._faulty_status(self._get_one(item)) for item in requests]

    def _get_one(self, item: dict[str, Any]) -> dict[str, Any]:
        attribute = item.get("attributeType", "Actual")
        result: dict[str, Any] = {
            "attributeType": attribute,
            "component": item["component"],
            "variable": item["variable"],
        }
        status, spec = self._lookup(ComponentRef.from_json(item["component"]), item["variable"])
        if status == "UnknownComponent" and self._faults.active(F.GETVARIABLES_UNKNOWN_COMPONENT_AS_VARIABLE):
            status = "UnknownVariable"
        if spec is not None and attribute != "Actual":
            status = "NotSupportedAttributeType"
        elif spec is not None and spec.mutability == "WriteOnly":
            status = "Rejected"
        elif spec is not None:
            result["attributeValue"] = self.value(spec.key)
        result["attributeStatus"] = status
        return result

    def set_variables(self, requests: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Answer SetVariableData entries with SetVariableResult entries (B05)."""
        results = []
        for index, item in enumerate(requests):
            if index > 0 and self._faults.active(F.SETVARIABLES_BATCH_ONLY_FIRST):
                rejected = {"attributeType": item.get("attributeType", "Actual"), "attributeStatus": "Rejected"}
                results.append({**rejected, "component": item["component"], "variable": item["variable"]})
            else:
                results.append(self._faulty_status(self._set_one(item)))
        return results

    def _faulty_status(self, result: dict[str, Any]) -> dict[str, Any]:
        if result["attributeStatus"] in _LOOKUP_ERRORS and self._faults.active(F.DEVICE_MODEL_ERRORS_REJECTED):
            result["attributeStatus"] = "Rejected"
        return result

    def _set_one(self, item: dict[str, Any]) -> dict[str, Any]:
        attribute = item.get("attributeType", "Actual")
        result: dict[str, Any] = {
            "attributeType": attribute,
            "component": item["component"],
            "variable": item["variable"],
        }
        status, spec = self._lookup(ComponentRef.from_json(item["component"]), item["variable"])
        value = str(item["attributeValue"])
        if spec is not None:
            status = self._set_status(spec, attribute, value)
            if status == "Rejected" and spec.mutability != "ReadOnly":
                result["attributeStatusInfo"] = {"reasonCode": "InvalidValue"}
            elif status == "Rejected":
                result["attributeStatusInfo"] = {"reasonCode": "ReadOnly"}
        result["attributeStatus"] = status
        return result

    def _set_status(self, spec: VariableSpec, attribute: str, value: str) -> str:
        if attribute != "Actual":
            return "NotSupportedAttributeType"
        readonly = spec.mutability == "ReadOnly"
        if readonly and not self._faults.active(F.SETVARIABLES_READONLY_ACCEPTED):
            return "Rejected"
        if value_problem(spec, value) is not None:
            # The fault answers as if it took the value but keeps the old one (a stored bad value would break it).
            return "Accepted" if self._faults.active(F.SETVARIABLES_NO_TYPE_CHECK) else "Rejected"
        guard = self._guards.get(spec.key)
        verdict = guard(value) if guard is not None else None
        if verdict == "Rejected":
            return "Rejected"
        if not self._faults.active(F.SETVARIABLES_NOT_APPLIED):
            self._store(spec, value)
        return verdict or "Accepted"

    def report(self, base: str) -> list[dict[str, Any]]:
        """ReportData entries for GetBaseReport (B07): Full, Configuration (writable) or Summary inventory."""
        chosen = [spec for spec in self._specs if _in_report(spec, base)]
        return [self._report_entry(spec) for spec in chosen]

    def custom_report(self, select: Callable[[VariableSpec], bool]) -> list[dict[str, Any]]:
        """ReportData entries for GetReport (B08): the variables `select` picks, in catalogue order."""
        return [self._report_entry(spec) for spec in self._specs if select(spec)]

    def specs(self) -> list[VariableSpec]:
        return list(self._specs)

    def _report_entry(self, spec: VariableSpec) -> dict[str, Any]:
        attribute: dict[str, Any] = {
            "type": "Actual",
            "mutability": spec.mutability,
            "persistent": not spec.dynamic,
            "constant": spec.mutability == "ReadOnly" and not spec.dynamic,
        }
        if spec.mutability != "WriteOnly":
            attribute["value"] = self.value(spec.key)
        characteristics: dict[str, Any] = {"dataType": spec.data_type, "supportsMonitoring": False}
        if spec.unit:
            characteristics["unit"] = spec.unit
        if spec.min_limit is not None:
            characteristics["minLimit"] = spec.min_limit
        if spec.max_limit is not None:
            characteristics["maxLimit"] = spec.max_limit
        if spec.values:
            characteristics["valuesList"] = ",".join(spec.values)
        if self._faults.active(F.REPORT_WITHOUT_CHARACTERISTICS):
            return {
                "component": spec.key.component.to_json(),
                "variable": spec.key.variable_json(),
                "variableAttribute": [attribute],
            }
        return {
            "component": spec.key.component.to_json(),
            "variable": spec.key.variable_json(),
            "variableAttribute": [attribute],
            "variableCharacteristics": characteristics,
        }


_SUMMARY_VARIABLES = frozenset({"availabilitystate", "available"})


def _in_report(spec: VariableSpec, base: str) -> bool:
    if base == "FullInventory":
        return True
    if base == "ConfigurationInventory":
        return spec.mutability in ("ReadWrite", "WriteOnly")
    return spec.key.name.lower() in _SUMMARY_VARIABLES
