"""Every named fault changes the one behaviour it names (each scenario fails against the clean station)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from harness.virtual import faults as F
from harness.virtual.station import Station
from tests.test_fault_kill_matrix import KILLS

from .fake_csms import FakeCsms, booted, control, lab

TOKEN = {"idToken": "AB12", "type": "ISO14443"}
Scenario = Callable[[FakeCsms, Station, int], Awaitable[None]]


def _get(component: str, variable: str, instance: str | None = None) -> dict[str, Any]:
    var: dict[str, Any] = {"name": variable}
    if instance:
        var["instance"] = instance
    return {"component": {"name": component}, "variable": var}


async def _charge(csms: FakeCsms, port: int) -> dict[str, Any]:
    await control(port, "POST", "/plug", {"evse_id": 1})
    await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
    started = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Started")
    await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
    return started


async def boot_pending_allows_start(csms: FakeCsms, station: Station, port: int) -> None:
    await csms.expect("BootNotification")
    answer = await csms.result("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1, "evseId": 1})
    assert answer["status"] == "Accepted"


async def boot_rejected_retries_early(csms: FakeCsms, station: Station, port: int) -> None:
    first = await csms.expect_request("BootNotification")
    second = await csms.expect_request("BootNotification", timeout=2)
    assert second.at - first.at < 1.5


async def no_status_after_boot(csms: FakeCsms, station: Station, port: int) -> None:
    await csms.expect("SecurityEventNotification")
    assert csms.sent("StatusNotification") == []


async def getvariables_unknown_component_as_variable(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await csms.result("GetVariables", {"getVariableData": [_get("UnknownComponent", "OfflineThreshold")]})
    assert answer["getVariableResult"][0]["attributeStatus"] == "UnknownVariable"


async def setvariables_not_applied(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await csms.result(
        "SetVariables", {"setVariableData": [{**_get("OCPPCommCtrlr", "OfflineThreshold"), "attributeValue": "300"}]}
    )
    assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
    read = await csms.result("GetVariables", {"getVariableData": [_get("OCPPCommCtrlr", "OfflineThreshold")]})
    assert read["getVariableResult"][0]["attributeValue"] == "180"


async def setvariables_readonly_accepted(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await csms.result(
        "SetVariables",
        {"setVariableData": [{**_get("OCPPCommCtrlr", "MessageTimeout", "Default"), "attributeValue": "20"}]},
    )
    assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"


async def reset_not_performed(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await csms.result("Reset", {"type": "OnIdle"}) == {"status": "Accepted"}
    await csms.expect_none("BootNotification", during=1.0)
    assert csms.connections == 1


async def reset_onidle_interrupts_transaction(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await _charge(csms, port)
    assert await csms.result("Reset", {"type": "OnIdle"}) == {"status": "Accepted"}
    ended = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
    assert ended["triggerReason"] == "ResetCommand"


async def authorize_ignored(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    csms.responders["Authorize"] = lambda payload: {"idTokenInfo": {"status": "Invalid"}}
    started = await _charge(csms, port)
    assert started["idToken"] == TOKEN


async def seqno_gap(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await _charge(csms, port)
    assert [e["seqNo"] for e in csms.sent("TransactionEvent")] == [0, 2]


async def wrong_trigger_reason_on_plug(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
    await csms.expect("Authorize")
    await control(port, "POST", "/plug", {"evse_id": 1})
    started = await csms.expect("TransactionEvent")
    assert started["triggerReason"] == "Authorized"


async def no_meter_values_in_transaction(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    started = await _charge(csms, port)
    assert "meterValue" not in started


async def energy_register_resets(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await csms.result(
        "SetVariables", {"setVariableData": [{**_get("SampledDataCtrlr", "TxUpdatedInterval"), "attributeValue": "1"}]}
    )
    await _charge(csms, port)
    first = await csms.expect("TransactionEvent", lambda e: e["triggerReason"] == "MeterValuePeriodic", timeout=3)
    second = await csms.expect("TransactionEvent", lambda e: e["triggerReason"] == "MeterValuePeriodic", timeout=3)
    value = [e["meterValue"][0]["sampledValue"][0]["value"] for e in (first, second)]
    assert value[1] < value[0]


async def remote_start_ignored(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await csms.result("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1, "evseId": 1})
    assert answer["status"] == "Accepted"
    await csms.expect_none("Authorize", during=0.5)


async def remote_stop_ignored(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    started = await _charge(csms, port)
    answer = await csms.result("RequestStopTransaction", {"transactionId": started["transactionInfo"]["transactionId"]})
    assert answer["status"] == "Accepted"
    await csms.expect_none("TransactionEvent", during=0.5, where=lambda e: e["eventType"] == "Ended")


async def remote_stop_unknown_accepted(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await csms.result("RequestStopTransaction", {"transactionId": "unknown"})
    assert answer["status"] == "Accepted"


async def availability_no_status(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await csms.result("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}})
    assert answer["status"] == "Accepted"
    await csms.expect_none("StatusNotification", during=0.5)
    assert (await control(port, "GET", "/state"))[1]["evses"][0]["operative"] is False


async def availability_not_applied(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await csms.result("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}})
    assert answer["status"] == "Accepted"
    await csms.expect_none("StatusNotification", during=0.5)
    assert (await control(port, "GET", "/state"))[1]["evses"][0]["operative"] is True


async def status_not_sent_on_plug(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await control(port, "POST", "/plug", {"evse_id": 1})
    await csms.expect_none("StatusNotification", during=0.5)


async def timestamp_without_timezone(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    status = csms.sent("StatusNotification")[0]
    assert not status["timestamp"].endswith("Z") and "+" not in status["timestamp"]
    assert any("date-time" in violation for violation in csms.violations)


async def malformed_frame(csms: FakeCsms, station: Station, port: int) -> None:
    await csms.expect("SecurityEventNotification")
    broken = [text for text in csms.raw if not _is_json(text)]
    assert len(broken) == 1 and "StatusNotification" in broken[0]


async def two_calls_in_flight(csms: FakeCsms, station: Station, port: int) -> None:
    first = await csms.expect_request("StatusNotification")
    second = await csms.expect_request("SecurityEventNotification")
    assert second.at - first.at < csms.reply_delay_s / 2  # sent before the first one was answered


async def slow_response(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    with pytest.raises(TimeoutError):
        await csms.call("GetVariables", {"getVariableData": [_get("OCPPCommCtrlr", "OfflineThreshold")]}, timeout=2)


async def heartbeat_interval_ignored(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await csms.expect("Heartbeat", timeout=3)


async def device_model_errors_rejected(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await csms.result("GetVariables", {"getVariableData": [_get("OCPPCommCtrlr", "NoSuchVariable")]})
    assert answer["getVariableResult"][0]["attributeStatus"] == "Rejected"


async def setvariables_batch_only_first(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    data = [
        {**_get("OCPPCommCtrlr", "OfflineThreshold"), "attributeValue": "300"},
        {**_get("AuthCtrlr", "LocalAuthorizeOffline"), "attributeValue": "true"},
    ]
    answer = await csms.result("SetVariables", {"setVariableData": data})
    assert [r["attributeStatus"] for r in answer["setVariableResult"]] == ["Accepted", "Rejected"]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


async def energy_register_drifts(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await _charge(csms, port)
    await asyncio.sleep(2.0)
    meter = station.evses[0].meter
    assert meter.energy_wh > 1.0
    assert meter.register_wh_raw / meter.energy_wh > 1.02


async def ignores_grid(csms: FakeCsms, station: Station, port: int) -> None:
    """Under-frequency (49.0 Hz from the grid simulator) must cut the import by the droop; the fault ignores it."""
    await booted(csms)
    await _charge(csms, port)
    await asyncio.sleep(2.0)
    grid = station.plant.grid
    grid.output_on, grid.frequency_set_hz = True, 49.0
    await asyncio.sleep(3.0)
    meter = station.evses[0].meter
    assert meter.power_w < 0.8 * meter.rated_w, f"{meter.power_w:.0f} W at 49.0 Hz"


# fault -> (scenario, options for the fake CSMS and the station)
SCENARIOS: dict[str, tuple[Scenario, dict[str, Any]]] = {
    F.BOOT_PENDING_ALLOWS_START: (boot_pending_allows_start, {"boot_status": "Pending"}),
    F.BOOT_REJECTED_RETRIES_EARLY: (boot_rejected_retries_early, {"boot_status": "Rejected", "interval": 5}),
    F.NO_STATUS_AFTER_BOOT: (no_status_after_boot, {}),
    F.GETVARIABLES_UNKNOWN_COMPONENT_AS_VARIABLE: (getvariables_unknown_component_as_variable, {}),
    F.SETVARIABLES_NOT_APPLIED: (setvariables_not_applied, {}),
    F.SETVARIABLES_READONLY_ACCEPTED: (setvariables_readonly_accepted, {}),
    F.RESET_NOT_PERFORMED: (reset_not_performed, {}),
    F.RESET_ONIDLE_INTERRUPTS_TRANSACTION: (reset_onidle_interrupts_transaction, {}),
    F.AUTHORIZE_IGNORED: (authorize_ignored, {}),
    F.SEQNO_GAP: (seqno_gap, {}),
    F.WRONG_TRIGGER_REASON_ON_PLUG: (wrong_trigger_reason_on_plug, {}),
    F.NO_METER_VALUES_IN_TRANSACTION: (no_meter_values_in_transaction, {}),
    F.ENERGY_REGISTER_RESETS: (energy_register_resets, {}),
    F.REMOTE_START_IGNORED: (remote_start_ignored, {}),
    F.REMOTE_STOP_IGNORED: (remote_stop_ignored, {}),
    F.REMOTE_STOP_UNKNOWN_ACCEPTED: (remote_stop_unknown_accepted, {}),
    F.AVAILABILITY_NO_STATUS: (availability_no_status, {}),
    F.AVAILABILITY_NOT_APPLIED: (availability_not_applied, {}),
    F.STATUS_NOT_SENT_ON_PLUG: (status_not_sent_on_plug, {}),
    F.TIMESTAMP_WITHOUT_TIMEZONE: (timestamp_without_timezone, {}),
    F.MALFORMED_FRAME: (malformed_frame, {}),
    F.TWO_CALLS_IN_FLIGHT: (two_calls_in_flight, {"reply_delay_s": 0.3}),
    F.SLOW_RESPONSE: (slow_response, {}),
    F.HEARTBEAT_INTERVAL_IGNORED: (heartbeat_interval_ignored, {}),
    F.DEVICE_MODEL_ERRORS_REJECTED: (device_model_errors_rejected, {}),
    F.SETVARIABLES_BATCH_ONLY_FIRST: (setvariables_batch_only_first, {}),
    F.ENERGY_REGISTER_DRIFTS: (energy_register_drifts, {}),
}
# Grid faults assert the clean behaviour, so the faulty station is the one that passes the assertion's negation.
INVERTED: dict[str, tuple[Scenario, dict[str, Any]]] = {
    F.IGNORES_GRID: (ignores_grid, {}),
}


def test_every_station_fault_is_proven_somewhere() -> None:
    """A fault is shown to break its behaviour here (a scenario against the clean station's), or end to end by the
    test cases it must make fail (tests/test_fault_kill_matrix.py); the scenarios here need no lab at all."""
    station_faults = {fault.name for fault in F.CATALOGUE if not fault.lab}
    proven = set(SCENARIOS) | set(INVERTED) | set(KILLS)
    assert station_faults <= proven, sorted(station_faults - proven)
    assert set(SCENARIOS) | set(INVERTED) <= station_faults


@pytest.mark.parametrize("name", list(INVERTED))
def test_grid_fault_breaks_the_clean_behaviour(name: str) -> None:
    scenario, options = INVERTED[name]

    async def run(faults: tuple[str, ...]) -> None:
        async with lab(faults=faults, **options) as (csms, station, port):
            await asyncio.wait_for(scenario(csms, station, port), 20)

    asyncio.run(run(()))
    with pytest.raises(AssertionError):
        asyncio.run(run((name,)))


async def _run(faults: tuple[str, ...], name: str) -> None:
    scenario, options = SCENARIOS[name]
    async with lab(faults=faults, **options) as (csms, station, port):
        await asyncio.wait_for(scenario(csms, station, port), 15)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fault_changes_its_behaviour(name: str) -> None:
    asyncio.run(_run((name,), name))


@pytest.mark.parametrize(
    "name",
    [
        F.SEQNO_GAP,
        F.STATUS_NOT_SENT_ON_PLUG,
        F.REMOTE_STOP_UNKNOWN_ACCEPTED,
        F.GETVARIABLES_UNKNOWN_COMPONENT_AS_VARIABLE,
        F.TIMESTAMP_WITHOUT_TIMEZONE,
        F.TWO_CALLS_IN_FLIGHT,
        F.SETVARIABLES_NOT_APPLIED,
        F.WRONG_TRIGGER_REASON_ON_PLUG,
        F.MALFORMED_FRAME,
        F.SETVARIABLES_READONLY_ACCEPTED,
        F.DEVICE_MODEL_ERRORS_REJECTED,
        F.SETVARIABLES_BATCH_ONLY_FIRST,
        F.ENERGY_REGISTER_DRIFTS,
    ],
)
def test_clean_station_does_not_show_the_fault(name: str) -> None:
    with pytest.raises(AssertionError):
        asyncio.run(_run((), name))
