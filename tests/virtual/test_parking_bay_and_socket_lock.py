"""The parking bay sensor (TxStartPoint/TxStopPoint ParkingBayOccupancy) and the socket lock of E09 on the virtual
station."""

from __future__ import annotations

import asyncio

from .fake_csms import FakeCsms, booted, control, lab


async def _set(csms: FakeCsms, component: str, variable: str, value: str) -> None:
    data = [{"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value}]
    answer = await csms.result("SetVariables", {"setVariableData": data})
    assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"


def test_the_bay_sensor_starts_and_ends_the_transaction() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _set(csms, "TxCtrlr", "TxStartPoint", "ParkingBayOccupancy")
            await _set(csms, "TxCtrlr", "TxStopPoint", "ParkingBayOccupancy")
            assert (await control(port, "POST", "/bay/enter", {"evse_id": 1}))[0] == 200
            started = await csms.expect("TransactionEvent")
            assert (started["eventType"], started["triggerReason"]) == ("Started", "EVDetected")
            assert started["transactionInfo"]["chargingState"] == "Idle"
            assert (await control(port, "POST", "/bay/enter", {"evse_id": 1}))[0] == 409
            await control(port, "POST", "/bay/leave", {"evse_id": 1})
            ended = await csms.expect("TransactionEvent")
            assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "EVDeparted")
            assert ended["transactionInfo"]["stoppedReason"] == "Local"
            assert (await control(port, "POST", "/bay/leave", {"evse_id": 1}))[0] == 409

    asyncio.run(scenario())


def test_an_unread_bay_sensor_starts_nothing() -> None:
    async def scenario() -> None:
        async with lab(faults=("parking-bay-sensor-unread",)) as (csms, _station, port):
            await booted(csms)
            await _set(csms, "TxCtrlr", "TxStartPoint", "ParkingBayOccupancy")
            await control(port, "POST", "/bay/enter", {"evse_id": 1})
            await csms.expect_none("TransactionEvent", during=0.4)

    asyncio.run(scenario())


def test_a_socket_kept_locked_lets_the_cable_go_only_for_the_transactions_id_token() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _set(csms, "OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "false")
            await control(port, "POST", "/plug", {"evse_id": 1})
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("Authorize")
            await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
            await control(port, "POST", "/ev/unplug", {"evse_id": 1})
            ended = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert ended["transactionInfo"]["stoppedReason"] == "EVDisconnected"
            assert (await control(port, "POST", "/unplug", {"evse_id": 1}))[0] == 409
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect_none("Authorize", during=0.3)  # the token opens the lock; it starts no new session
            assert (await control(port, "POST", "/unplug", {"evse_id": 1}))[0] == 200
            status = await csms.expect("StatusNotification", lambda s: s["connectorStatus"] == "Available")
            assert status["evseId"] == 1

    asyncio.run(scenario())


def test_the_unlocking_socket_lets_the_cable_go_at_once() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await control(port, "POST", "/plug", {"evse_id": 1})
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
            await control(port, "POST", "/ev/unplug", {"evse_id": 1})
            await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert (await control(port, "POST", "/unplug", {"evse_id": 1}))[0] == 200

    asyncio.run(scenario())
