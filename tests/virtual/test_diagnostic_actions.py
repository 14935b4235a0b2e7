"""The diagnostics manual actions of the control API (harness/virtual/diagnostic_actions.py) and what the station
does in the states they bring about: customer records, an unreadable customer data store, an erased log, a hardware
fault; and the faults that break each."""

from __future__ import annotations

from typing import Any

from harness.virtual.station import Station

from .fake_csms import FakeCsms, booted, control, run_scenario

TOKEN = {"idToken": "AB12", "type": "ISO14443"}
LOG = {"remoteLocation": "http://127.0.0.1:9/logs"}  # never reached: the request is refused first


def _customer(request_id: int, **fields: Any) -> dict[str, Any]:
    return {"requestId": request_id, "report": True, "clear": False, **fields}


def test_control_api_checks_the_bodies() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await booted(csms)
        assert (await control(port, "POST", "/customer-identifier", {"customer_identifier": ""}))[0] == 400
        assert (await control(port, "POST", "/customer-data", {"available": "no"}))[0] == 400
        assert (await control(port, "POST", "/logs/erase", {"log_type": "AuditLog"}))[0] == 400
        assert (await control(port, "POST", "/hardware-fault", {}))[0] == 400

    run_scenario(scenario)


def test_customer_identifier_is_reported_then_cleared() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await booted(csms)
        assert (await control(port, "POST", "/customer-identifier", {"customer_identifier": "CUST-9"}))[0] == 200
        answer = await csms.result("CustomerInformation", _customer(1, clear=True, customerIdentifier="CUST-9"))
        assert answer["status"] == "Accepted"
        assert "CUST-9" in (await csms.expect("NotifyCustomerInformation"))["data"]
        await csms.result("CustomerInformation", _customer(2, customerIdentifier="CUST-9"))
        assert "CUST-9" not in (await csms.expect("NotifyCustomerInformation"))["data"]

    run_scenario(scenario)


def test_customer_identifier_kept_fault() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await booted(csms)
        await control(port, "POST", "/customer-identifier", {"customer_identifier": "CUST-9"})
        await csms.result("CustomerInformation", _customer(1, clear=True, customerIdentifier="CUST-9"))
        await csms.expect("NotifyCustomerInformation")
        await csms.result("CustomerInformation", _customer(2, customerIdentifier="CUST-9"))
        assert "CUST-9" in (await csms.expect("NotifyCustomerInformation"))["data"]

    run_scenario(scenario, faults=("customer-identifier-kept",))


def test_unreadable_customer_data_refuses_requests() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await booted(csms)
        await control(port, "POST", "/customer-data", {"available": False})
        assert (await csms.result("CustomerInformation", _customer(1, idToken=TOKEN)))["status"] == "Rejected"
        await csms.expect_none("NotifyCustomerInformation", during=0.3)
        await control(port, "POST", "/customer-data", {"available": True})
        assert (await csms.result("CustomerInformation", _customer(2, idToken=TOKEN)))["status"] == "Accepted"

    run_scenario(scenario)


def test_customer_information_while_unavailable_fault() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await booted(csms)
        await control(port, "POST", "/customer-data", {"available": False})
        assert (await csms.result("CustomerInformation", _customer(1, idToken=TOKEN)))["status"] == "Accepted"

    run_scenario(scenario, faults=("customer-information-while-unavailable",))


def test_erased_security_log_is_rejected() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await booted(csms)
        await control(port, "POST", "/logs/erase", {"log_type": "SecurityLog"})
        answer = await csms.result("GetLog", {"log": LOG, "logType": "SecurityLog", "requestId": 1})
        assert answer["status"] == "Rejected"
        await csms.expect_none("LogStatusNotification", during=0.3)

    run_scenario(scenario)


def test_log_empty_accepted_fault() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await booted(csms)
        await control(port, "POST", "/logs/erase", {"log_type": "SecurityLog"})
        answer = await csms.result("GetLog", {"log": LOG, "logType": "SecurityLog", "requestId": 1})
        assert answer["status"] == "Accepted"

    run_scenario(scenario, faults=("log-empty-accepted",))


def _hardwired(event: dict[str, Any]) -> bool:
    return any(e["eventNotificationType"] == "HardWiredNotification" for e in event["eventData"])


def test_hardware_fault_is_a_hardwired_notification_until_repaired() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await booted(csms)
        await control(port, "POST", "/hardware-fault", {"active": True})
        raised = await csms.expect("NotifyEvent", _hardwired)
        assert raised["seqNo"] == 0 and raised["eventData"][0]["actualValue"] == "true"
        problem = {"component": {"name": "ChargingStation"}, "variable": {"name": "Problem"}}
        got = await csms.result("GetVariables", {"getVariableData": [problem]})
        assert got["getVariableResult"][0]["attributeValue"] == "true"
        await control(port, "POST", "/hardware-fault", {"active": False})
        repaired = await csms.expect("NotifyEvent", _hardwired)
        assert repaired["eventData"][0].get("cleared") is True

    run_scenario(scenario)


def test_hardwired_notification_as_monitor_fault() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await booted(csms)
        await control(port, "POST", "/hardware-fault", {"active": True})
        await csms.expect("NotifyEvent")
        await csms.expect_none("NotifyEvent", during=0.5, where=_hardwired)

    run_scenario(scenario, faults=("hardwired-notification-as-monitor",))
