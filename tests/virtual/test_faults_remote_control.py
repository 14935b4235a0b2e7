"""The remote-control and data-transfer faults (blocks F, P) each change the one behaviour they name.

Same pattern as test_faults.py: a scenario asserts the faulty behaviour, so it passes with its fault switched on
and raises AssertionError against the clean station.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.virtual import faults as F
from harness.virtual.station import Station

from .fake_csms import FakeCsms, booted, control, run_scenario
from .test_faults import TOKEN, Scenario, _charge

CUSTOM_DATA = {"vendorId": "org.example", "x": 1}


def _set(component: str, variable: str, value: str) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value}


async def _trigger(csms: FakeCsms, requested: str, evse: dict[str, int] | None = None) -> str:
    payload: dict[str, Any] = {"requestedMessage": requested}
    if evse is not None:
        payload["evse"] = evse
    answer = await csms.result("TriggerMessage", payload)
    return str(answer["status"])


async def remote_start_always_authorizes(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await csms.result("SetVariables", {"setVariableData": [_set("AuthCtrlr", "AuthorizeRemoteStart", "false")]})
    answer = await csms.result("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1, "evseId": 1})
    assert answer["status"] == "Accepted"
    await csms.expect("Authorize", timeout=1)


async def ev_connection_timeout_ignored(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    settings = [_set("TxCtrlr", "TxStartPoint", "Authorized"), _set("TxCtrlr", "EVConnectionTimeOut", "1")]
    await csms.result("SetVariables", {"setVariableData": settings})
    await csms.result("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 1, "evseId": 1})
    await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Started")
    await csms.expect_none("TransactionEvent", during=2.5, where=lambda e: e["eventType"] == "Ended")


async def unlock_during_transaction(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await _charge(csms, port)
    answer = await csms.result("UnlockConnector", {"evseId": 1, "connectorId": 1})
    assert answer["status"] == "Unlocked"


async def unlock_connector_fails(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert (await csms.result("UnlockConnector", {"evseId": 1, "connectorId": 1}))["status"] == "UnlockFailed"
    await control(port, "POST", "/plug", {"evse_id": 1})
    assert (await csms.result("UnlockConnector", {"evseId": 1, "connectorId": 1}))["status"] == "UnlockFailed"


async def unlock_unknown_connector_failed(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert (await csms.result("UnlockConnector", {"evseId": 1, "connectorId": 999}))["status"] == "UnlockFailed"


async def trigger_boot_accepted_again(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _trigger(csms, "BootNotification") == "Accepted"


async def trigger_meter_values_wrong_context(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _trigger(csms, "MeterValues", {"id": 1}) == "Accepted"
    values = await csms.expect("MeterValues")
    assert values["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Periodic"


async def trigger_transaction_event_wrong_reason(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await _charge(csms, port)
    assert await _trigger(csms, "TransactionEvent", {"id": 1}) == "Accepted"
    event = await csms.expect("TransactionEvent", lambda e: e["triggerReason"] in ("Trigger", "MeterValuePeriodic"))
    assert event["triggerReason"] == "MeterValuePeriodic"


async def trigger_status_notification_not_sent(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _trigger(csms, "StatusNotification", {"id": 1, "connectorId": 1}) == "Accepted"
    await csms.expect_none("StatusNotification", during=0.5)


async def trigger_evse_not_ignored(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _trigger(csms, "FirmwareStatusNotification", {"id": 1}) == "Rejected"


async def trigger_reports_last_status(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _trigger(csms, "LogStatusNotification") == "Accepted"
    assert (await csms.expect("LogStatusNotification"))["status"] == "Uploaded"
    assert await _trigger(csms, "FirmwareStatusNotification") == "Accepted"
    assert (await csms.expect("FirmwareStatusNotification"))["status"] == "Installed"


async def trigger_unknown_message_accepted(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _trigger(csms, "SignCombinedCertificate") == "Accepted"


async def data_transfer_unknown_vendor_accepted(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await csms.result("DataTransfer", {"vendorId": "org.example.unknown", "messageId": "X"})
    assert answer["status"] == "Accepted"


async def custom_data_rejected(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    setting = {**_set("OCPPCommCtrlr", "OfflineThreshold", "200"), "customData": CUSTOM_DATA}
    frame = await csms.call("SetVariables", {"setVariableData": [setting]})
    assert frame[0] == 4 and frame[2] == "FormatViolation"


SCENARIOS: dict[str, Scenario] = {
    F.REMOTE_START_ALWAYS_AUTHORIZES: remote_start_always_authorizes,
    F.EV_CONNECTION_TIMEOUT_IGNORED: ev_connection_timeout_ignored,
    F.UNLOCK_DURING_TRANSACTION: unlock_during_transaction,
    F.UNLOCK_CONNECTOR_FAILS: unlock_connector_fails,
    F.UNLOCK_UNKNOWN_CONNECTOR_FAILED: unlock_unknown_connector_failed,
    F.TRIGGER_BOOT_ACCEPTED_AGAIN: trigger_boot_accepted_again,
    F.TRIGGER_METER_VALUES_WRONG_CONTEXT: trigger_meter_values_wrong_context,
    F.TRIGGER_TRANSACTION_EVENT_WRONG_REASON: trigger_transaction_event_wrong_reason,
    F.TRIGGER_STATUS_NOTIFICATION_NOT_SENT: trigger_status_notification_not_sent,
    F.TRIGGER_EVSE_NOT_IGNORED: trigger_evse_not_ignored,
    F.TRIGGER_REPORTS_LAST_STATUS: trigger_reports_last_status,
    F.TRIGGER_UNKNOWN_MESSAGE_ACCEPTED: trigger_unknown_message_accepted,
    F.DATA_TRANSFER_UNKNOWN_VENDOR_ACCEPTED: data_transfer_unknown_vendor_accepted,
    F.CUSTOM_DATA_REJECTED: custom_data_rejected,
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fault_changes_its_behaviour(name: str) -> None:
    run_scenario(SCENARIOS[name], (name,))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_clean_station_does_not_show_the_fault(name: str) -> None:
    with pytest.raises(AssertionError):
        run_scenario(SCENARIOS[name])
