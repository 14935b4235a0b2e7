"""Transactions: local and remote start/stop, meter values, power cycle (E01-E07, F01-F03, J01/J02)."""

from __future__ import annotations

import asyncio
from typing import Any

from .fake_csms import FakeCsms, booted, control, lab

TOKEN = {"idToken": "AB12", "type": "ISO14443"}


def _events(csms: FakeCsms) -> list[dict[str, Any]]:
    return csms.sent("TransactionEvent")


def _energy(event: dict[str, Any]) -> float:
    values = event["meterValue"][0]["sampledValue"]
    return float(next(v["value"] for v in values if v["measurand"] == "Energy.Active.Import.Register"))


async def _set(csms: FakeCsms, component: str, variable: str, value: str) -> None:
    answer = await csms.result(
        "SetVariables",
        {
            "setVariableData": [
                {"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value}
            ]
        },
    )
    assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"


def test_plug_then_local_authorization_charges_and_local_stop_ends() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _set(csms, "SampledDataCtrlr", "TxUpdatedInterval", "1")
            await control(port, "POST", "/plug", {"evse_id": 1, "connector_id": 1})
            occupied = await csms.expect("StatusNotification")
            assert occupied["connectorStatus"] == "Occupied"
            await csms.expect_none("TransactionEvent", during=0.4)  # TxStartPoint PowerPathClosed: not yet
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            assert await csms.expect("Authorize") == {"idToken": TOKEN}
            started = await csms.expect("TransactionEvent")
            assert started["eventType"] == "Started" and started["triggerReason"] == "Authorized"
            assert started["idToken"] == TOKEN and started["evse"] == {"id": 1, "connectorId": 1}
            assert started["transactionInfo"]["chargingState"] == "EVConnected"
            assert started["meterValue"][0]["sampledValue"][0]["context"] == "Transaction.Begin"
            charging = await csms.expect("TransactionEvent")
            assert charging["triggerReason"] == "ChargingStateChanged"
            assert charging["transactionInfo"]["chargingState"] == "Charging"
            periodic = [await csms.expect("TransactionEvent", timeout=3) for _ in range(2)]
            assert all(p["triggerReason"] == "MeterValuePeriodic" for p in periodic)
            assert periodic[0]["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Periodic"
            assert _energy(periodic[0]) < _energy(periodic[1])
            state = (await control(port, "GET", "/state"))[1]["evses"][0]
            assert state["charging_state"] == "Charging" and state["power_w"] > 5000
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            ended = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert ended["triggerReason"] == "StopAuthorized"
            assert ended["transactionInfo"]["stoppedReason"] == "Local"
            assert ended["transactionInfo"]["chargingState"] == "EVConnected"
            assert ended["meterValue"][-1]["sampledValue"][0]["context"] == "Transaction.End"
            await control(port, "POST", "/unplug", {"evse_id": 1})
            available = await csms.expect("StatusNotification")
            assert available["connectorStatus"] == "Available"
            events = _events(csms)
            assert [e["seqNo"] for e in events] == list(range(len(events)))
            assert len({e["transactionInfo"]["transactionId"] for e in events}) == 1
            await csms.expect_none("TransactionEvent", during=0.3)
            assert csms.violations == []

    asyncio.run(scenario())


def test_authorize_first_then_plug_and_unplug_ends_the_transaction() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("Authorize")
            await control(port, "POST", "/plug", {"evse_id": 1})
            started = await csms.expect("TransactionEvent")
            assert started["triggerReason"] == "CablePluggedIn" and started["idToken"] == TOKEN
            await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
            await control(port, "POST", "/ev/suspend", {"evse_id": 1})
            suspended = await csms.expect("TransactionEvent")
            assert suspended["transactionInfo"]["chargingState"] == "SuspendedEV"
            await control(port, "POST", "/ev/resume", {"evse_id": 1})
            await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
            await control(port, "POST", "/unplug", {"evse_id": 1})
            ended = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert ended["triggerReason"] == "EVCommunicationLost"
            assert ended["transactionInfo"]["stoppedReason"] == "EVDisconnected"
            assert ended["transactionInfo"]["chargingState"] == "Idle"
            assert csms.violations == []

    asyncio.run(scenario())


def test_rejected_token_starts_nothing() -> None:
    async def scenario() -> None:
        async with lab(responders={"Authorize": lambda p: {"idTokenInfo": {"status": "Invalid"}}}) as (
            csms,
            _station,
            port,
        ):
            await booted(csms)
            await control(port, "POST", "/plug", {"evse_id": 1})
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "BAD"})
            await csms.expect("Authorize")
            await csms.expect_none("TransactionEvent", during=1.0)

    asyncio.run(scenario())


def test_remote_start_then_plug_and_remote_stop() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            answer = await csms.result("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 17, "evseId": 1})
            assert answer == {"status": "Accepted"}
            await csms.expect("Authorize")
            await control(port, "POST", "/plug", {"evse_id": 1})
            started = await csms.expect("TransactionEvent")
            assert started["triggerReason"] == "RemoteStart"
            assert started["transactionInfo"]["remoteStartId"] == 17 and started["idToken"] == TOKEN
            await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
            busy = await csms.result("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 18, "evseId": 1})
            assert busy["status"] == "Rejected"
            unknown = await csms.result("RequestStopTransaction", {"transactionId": "no-such-transaction"})
            assert unknown == {"status": "Rejected"}
            stop = await csms.result(
                "RequestStopTransaction", {"transactionId": started["transactionInfo"]["transactionId"]}
            )
            assert stop == {"status": "Accepted"}
            ended = await csms.expect("TransactionEvent")
            assert ended["eventType"] == "Ended" and ended["triggerReason"] == "RemoteStop"
            assert ended["transactionInfo"]["stoppedReason"] == "Remote"
            assert ended["transactionInfo"]["chargingState"] == "EVConnected"
            assert csms.violations == []

    asyncio.run(scenario())


def test_remote_start_with_transaction_started_on_plug_reports_its_id() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _set(csms, "TxCtrlr", "TxStartPoint", "EVConnected")
            await control(port, "POST", "/plug", {"evse_id": 1})
            started = await csms.expect("TransactionEvent")
            assert started["eventType"] == "Started" and started["triggerReason"] == "CablePluggedIn"
            assert started["transactionInfo"]["chargingState"] == "EVConnected"
            answer = await csms.result("RequestStartTransaction", {"idToken": TOKEN, "remoteStartId": 3})
            assert answer["transactionId"] == started["transactionInfo"]["transactionId"]
            updated = await csms.expect("TransactionEvent")
            assert updated["eventType"] == "Updated" and updated["triggerReason"] == "RemoteStart"

    asyncio.run(scenario())


def test_authorization_lapses_without_cable() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _set(csms, "TxCtrlr", "TxStartPoint", "Authorized")
            await _set(csms, "TxCtrlr", "EVConnectionTimeOut", "1")
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            started = await csms.expect("TransactionEvent")
            assert started["eventType"] == "Started" and started["evse"] == {"id": 1}
            ended = await csms.expect("TransactionEvent", timeout=3)
            assert ended["eventType"] == "Ended" and ended["triggerReason"] == "EVConnectTimeout"
            assert ended["transactionInfo"]["stoppedReason"] == "Timeout"

    asyncio.run(scenario())


def test_clock_aligned_meter_values_idle_and_in_transaction() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _set(csms, "AlignedDataCtrlr", "Interval", "1")
            first = await csms.expect("MeterValues", timeout=3)
            assert first["evseId"] == 1
            sample = first["meterValue"][0]
            assert sample["sampledValue"][0]["context"] == "Sample.Clock"
            assert sample["timestamp"].endswith(".000Z")
            await control(port, "POST", "/plug", {"evse_id": 1})
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            clock = await csms.expect("TransactionEvent", lambda e: e["triggerReason"] == "MeterValueClock", timeout=3)
            assert clock["meterValue"][0]["sampledValue"][0]["context"] == "Sample.Clock"

    asyncio.run(scenario())


def test_power_cycle_ends_the_transaction_as_power_loss_and_reboots() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await control(port, "POST", "/plug", {"evse_id": 1})
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
            csms.forget()
            assert (await control(port, "POST", "/power-cycle", {}))[0] == 200
            boot = await csms.expect("BootNotification")
            assert boot["reason"] == "PowerUp"
            status = await csms.expect("StatusNotification")
            assert status["connectorStatus"] == "Occupied"  # the EV stayed plugged in
            await csms.expect("SecurityEventNotification")
            ended = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert ended["offline"] is True and ended["triggerReason"] == "AbnormalCondition"
            assert ended["transactionInfo"]["stoppedReason"] == "PowerLoss"
            csms.forget()
            await control(port, "POST", "/factory-reset", {})
            await csms.expect("BootNotification")
            assert (await csms.expect("StatusNotification"))["connectorStatus"] == "Available"
            state = (await control(port, "GET", "/state"))[1]
            assert state["evses"][0]["connectors"][0]["plugged"] is False
            assert csms.violations == []

    asyncio.run(scenario())
