"""Reset (B11, B12), ChangeAvailability (G03, G04) and TriggerMessage (F06)."""

from __future__ import annotations

import asyncio

from .fake_csms import FakeCsms, booted, control, lab


async def _charging(csms: FakeCsms, port: int) -> str:
    await control(port, "POST", "/plug", {"evse_id": 1})
    await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
    started = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Started")
    await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
    return str(started["transactionInfo"]["transactionId"])


def test_reset_without_transaction_reboots_with_remote_reset() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, _port):
            await booted(csms)
            answer = await csms.result("Reset", {"type": "OnIdle"})
            assert answer == {"status": "Accepted"}
            await csms.wait_closed()
            boot = await csms.expect("BootNotification")
            assert boot["reason"] == "RemoteReset"
            assert (await csms.expect("StatusNotification"))["connectorStatus"] == "Available"
            assert (await csms.expect("SecurityEventNotification"))["type"] == "ResetOrReboot"
            evse_reset = await csms.result("Reset", {"type": "Immediate", "evseId": 1})
            assert evse_reset["status"] == "Rejected"

    asyncio.run(scenario())


def test_reset_immediate_ends_the_transaction_first() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _charging(csms, port)
            csms.forget()
            assert await csms.result("Reset", {"type": "Immediate"}) == {"status": "Accepted"}
            ended = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert ended["triggerReason"] == "ResetCommand"
            assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
            assert ended["transactionInfo"]["chargingState"] == "EVConnected"
            assert "idToken" not in ended
            assert (await csms.expect("BootNotification"))["reason"] == "RemoteReset"
            assert (await csms.expect("StatusNotification"))["connectorStatus"] == "Occupied"  # EV still plugged

    asyncio.run(scenario())


def test_reset_on_idle_waits_for_the_transaction_to_end() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _charging(csms, port)
            assert await csms.result("Reset", {"type": "OnIdle"}) == {"status": "Scheduled"}
            await csms.expect_none("BootNotification", during=0.5)
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert (await csms.expect("BootNotification"))["reason"] == "ScheduledReset"

    asyncio.run(scenario())


def test_change_availability_of_an_evse() -> None:
    async def scenario() -> None:
        async with lab(evses=2) as (csms, _station, port):
            await booted(csms, 2)
            answer = await csms.result("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}})
            assert answer == {"status": "Accepted"}
            status = await csms.expect("StatusNotification")
            assert (status["evseId"], status["connectorStatus"]) == (2, "Unavailable")
            again = await csms.result("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}})
            assert again == {"status": "Accepted"}
            await csms.expect_none("StatusNotification", during=0.3)
            await control(port, "POST", "/plug", {"evse_id": 2})
            start = await csms.result(
                "RequestStartTransaction",
                {"idToken": {"idToken": "AB12", "type": "ISO14443"}, "remoteStartId": 1, "evseId": 2},
            )
            assert start["status"] == "Rejected"
            back = await csms.result("ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 2}})
            assert back == {"status": "Accepted"}
            assert (await csms.expect("StatusNotification"))["connectorStatus"] == "Occupied"
            unknown = await csms.result("ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 9}})
            assert unknown == {"status": "Rejected"}

    asyncio.run(scenario())


def test_change_availability_during_a_transaction_is_scheduled() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _charging(csms, port)
            csms.forget()
            answer = await csms.result("ChangeAvailability", {"operationalStatus": "Inoperative"})
            assert answer == {"status": "Scheduled"}
            await csms.expect_none("StatusNotification", during=0.3)
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert (await csms.expect("StatusNotification"))["connectorStatus"] == "Unavailable"
            # The requested state survives a power cycle.
            await control(port, "POST", "/power-cycle", {})
            await csms.expect("BootNotification")
            assert (await csms.expect("StatusNotification"))["connectorStatus"] == "Unavailable"

    asyncio.run(scenario())


def test_trigger_message() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            assert (await csms.result("TriggerMessage", {"requestedMessage": "Heartbeat"}))["status"] == "Accepted"
            await csms.expect("Heartbeat")
            status = await csms.result(
                "TriggerMessage", {"requestedMessage": "StatusNotification", "evse": {"id": 1, "connectorId": 1}}
            )
            assert status["status"] == "Accepted"
            assert (await csms.expect("StatusNotification"))["connectorStatus"] == "Available"
            meter = await csms.result("TriggerMessage", {"requestedMessage": "MeterValues"})
            assert meter["status"] == "Accepted"
            values = await csms.expect("MeterValues")
            assert values["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"
            none_running = await csms.result("TriggerMessage", {"requestedMessage": "TransactionEvent"})
            assert none_running["status"] == "Rejected"
            await _charging(csms, port)
            tx = await csms.result("TriggerMessage", {"requestedMessage": "TransactionEvent", "evse": {"id": 1}})
            assert tx["status"] == "Accepted"
            event = await csms.expect("TransactionEvent", lambda e: e["triggerReason"] == "Trigger")
            assert event["meterValue"][0]["sampledValue"][0]["context"] == "Trigger"
            unknown_evse = await csms.result("TriggerMessage", {"requestedMessage": "Heartbeat", "evse": {"id": 5}})
            assert unknown_evse["status"] == "Rejected"
            # Only a station claiming ISO-3 signs a combined certificate; this one does not.
            other = await csms.result("TriggerMessage", {"requestedMessage": "SignCombinedCertificate"})
            assert other["status"] == "NotImplemented"
            assert csms.violations == []

    asyncio.run(scenario())
