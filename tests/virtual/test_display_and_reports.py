"""The virtual station's display messages (O01-O06) and custom reports (B08), and the faults that break them."""

from __future__ import annotations

import time
from typing import Any

import pytest

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.device_model import DeviceModel
from harness.virtual.display_messages import DisplayMessages
from harness.virtual.faults import FaultSet
from harness.virtual.reports import CustomReports

IDENTITY = dmc.StationIdentity("VS-T", "Vendor", "Model", "SN", "1.0")


class _Outbox:
    """Records what the station would send."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def put(self, action: str, payload: dict[str, Any], **_: Any) -> None:
        self.sent.append((action, payload))


def _store(*faults: str, running: set[str] | None = None) -> tuple[DisplayMessages, _Outbox]:
    outbox = _Outbox()
    store = DisplayMessages(FaultSet(faults), outbox, time.time, lambda: running or set())  # type: ignore[arg-type]
    return store, outbox


def _message(message_id: int, **extra: Any) -> dict[str, Any]:
    return {"message": {"id": message_id, "priority": "NormalCycle",
                        "message": {"format": "ASCII", "content": f"m{message_id}"}, **extra}}  # fmt: skip


def _reported(store: DisplayMessages, outbox: _Outbox, **criteria: Any) -> list[int] | None:
    outbox.sent.clear()
    reply = store.get({"requestId": 1, **criteria})
    assert reply.payload is not None
    if reply.payload["status"] == "Unknown":
        return None
    assert reply.then is not None
    reply.then()
    return [info["id"] for _, body in outbox.sent for info in body.get("messageInfo", [])]


def test_messages_are_filtered_replaced_and_cleared() -> None:
    store, outbox = _store()
    assert store.set(_message(1)).payload == {"status": "Accepted"}
    assert store.set(_message(2, state="Idle")).payload == {"status": "Accepted"}
    assert _reported(store, outbox, state="Idle") == [2]
    assert _reported(store, outbox, id=[3]) is None
    store.set({"message": {**_message(1)["message"], "priority": "AlwaysFront"}})
    assert _reported(store, outbox, priority="AlwaysFront") == [1]
    assert store.clear({"id": 1}).payload == {"status": "Accepted"}
    assert store.clear({"id": 1}).payload == {"status": "Unknown"}


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"priority": "InFront"}, "NotSupportedPriority"),
        ({"state": "Faulted"}, "NotSupportedState"),
        ({"message": {"format": "HTML", "content": "<p>x</p>"}}, "NotSupportedMessageFormat"),
        ({"transactionId": "nope"}, "UnknownTransaction"),
    ],
)
def test_unsupported_options_are_refused_unless_the_fault_is_on(extra: dict[str, Any], status: str) -> None:
    payload = {"message": {**_message(7)["message"], **extra}}
    assert _store()[0].set(payload).payload == {"status": status}
    assert _store(F.DISPLAY_MESSAGE_OPTIONS_UNCHECKED)[0].set(payload).payload == {"status": "Accepted"}


def test_transaction_and_expired_messages_disappear() -> None:
    running = {"tx-1"}
    store, _ = _store(running=running)
    assert store.set(_message(1, transactionId="tx-1")).payload == {"status": "Accepted"}
    assert store.set(_message(2, endDateTime="2020-01-01T00:00:00Z")).payload == {"status": "Accepted"}
    assert store.count() == 1
    running.clear()
    assert store.count() == 0


def test_volatile_fault_loses_messages_at_power_down() -> None:
    kept, _ = _store()
    lost, _ = _store(F.DISPLAY_MESSAGES_VOLATILE)
    for store in (kept, lost):
        store.set(_message(1))
        store.powered_down()
    assert (kept.count(), lost.count()) == (1, 0)


def _reports(*faults: str) -> tuple[CustomReports, _Outbox]:
    catalog = dmc.build_catalog(IDENTITY, [1, 2], 11_000.0)
    outbox = _Outbox()
    reports = CustomReports(DeviceModel(catalog, FaultSet(faults)), outbox, lambda: "2026-01-01T00:00:00Z",  # type: ignore[arg-type]
                            FaultSet(faults))  # fmt: skip
    return reports, outbox


def _entries(reports: CustomReports, outbox: _Outbox, request: dict[str, Any]) -> list[dict[str, Any]] | str:
    outbox.sent.clear()
    reply = reports.get_report({"requestId": 5, **request})
    assert reply.payload is not None
    if reply.payload["status"] != "Accepted":
        return str(reply.payload["status"])
    assert reply.then is not None
    reply.then()
    return [entry for _, body in outbox.sent for entry in body["reportData"]]


def test_custom_report_selects_by_component_variable_and_criteria() -> None:
    reports, outbox = _reports()
    evses = _entries(reports, outbox, {"componentVariable": [
        {"component": {"name": "EVSE"}, "variable": {"name": "AvailabilityState"}}]})  # fmt: skip
    assert isinstance(evses, list)
    assert sorted(e["component"]["evse"]["id"] for e in evses) == [1, 2]
    problem = {"componentCriteria": ["Problem"], "componentVariable": [
        {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "AvailabilityState"}}]}  # fmt: skip
    assert _entries(reports, outbox, problem) == "EmptyResultSet"
    assert _entries(reports, outbox, {"componentCriteria": ["Active"]}) == "NotSupported"
    enabled = _entries(reports, outbox, {"componentCriteria": ["Enabled"]})
    assert isinstance(enabled, list) and enabled
    assert {e["variable"]["name"] for e in enabled} == {"Enabled"}


def test_custom_report_fault_reports_everything() -> None:
    reports, outbox = _reports(F.CUSTOM_REPORT_IGNORES_FILTERS)
    everything = _entries(reports, outbox, {"componentCriteria": ["Active"]})
    assert isinstance(everything, list) and len(everything) > 50
