"""The cable pulled out at the EV side (E10) on the virtual station's socket, and an EV that is not ready (E03)."""

from __future__ import annotations

import asyncio
from typing import Any

from .fake_csms import FakeCsms, booted, control, lab


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


async def _charging(csms: FakeCsms, port: int) -> dict[str, Any]:
    await control(port, "POST", "/plug", {"evse_id": 1})
    assert (await csms.expect("StatusNotification"))["connectorStatus"] == "Occupied"
    await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
    await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Started")
    return await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")


def test_ev_side_disconnect_ends_the_transaction_by_default_and_keeps_the_socket_occupied() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _charging(csms, port)
            assert (await control(port, "POST", "/ev/unplug", {"evse_id": 1}))[0] == 200
            ended = await csms.expect("TransactionEvent")
            assert ended["eventType"] == "Ended" and ended["triggerReason"] == "EVCommunicationLost"
            assert ended["transactionInfo"]["stoppedReason"] == "EVDisconnected"
            await csms.expect_none("StatusNotification", during=0.4)  # the cable is still in the socket
            state = (await control(port, "GET", "/state"))[1]["evses"][0]
            assert state["connectors"][0]["status"] == "Occupied" and state["charging_state"] == "Idle"
            assert (await control(port, "POST", "/ev/unplug", {"evse_id": 1}))[0] == 409

    asyncio.run(scenario())


def test_without_stop_tx_on_ev_side_disconnect_the_transaction_waits_for_the_ev() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await _set(csms, "TxCtrlr", "StopTxOnEVSideDisconnect", "false")
            await _set(csms, "TxCtrlr", "TxStopPoint", "Authorized")
            await _charging(csms, port)
            await control(port, "POST", "/ev/unplug", {"evse_id": 1})
            lost = await csms.expect("TransactionEvent")
            assert (lost["eventType"], lost["triggerReason"]) == ("Updated", "EVCommunicationLost")
            assert lost["transactionInfo"]["chargingState"] == "Idle"
            await control(port, "POST", "/ev/plug", {"evse_id": 1})
            back = await csms.expect("TransactionEvent")
            assert back["triggerReason"] == "CablePluggedIn"
            assert back["transactionInfo"]["chargingState"] == "EVConnected"
            again = await csms.expect("TransactionEvent")
            assert again["transactionInfo"]["chargingState"] == "Charging"

    asyncio.run(scenario())


def test_an_ev_that_is_not_ready_is_connected_first_then_suspended() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("Authorize")
            assert (await control(port, "POST", "/ev/not-ready", {"evse_id": 1}))[0] == 200
            await control(port, "POST", "/plug", {"evse_id": 1})
            started = await csms.expect("TransactionEvent")
            assert started["eventType"] == "Started"
            assert started["transactionInfo"]["chargingState"] == "EVConnected"
            suspended = await csms.expect("TransactionEvent")
            assert suspended["triggerReason"] == "ChargingStateChanged"
            assert suspended["transactionInfo"]["chargingState"] == "SuspendedEV"
            assert (await control(port, "POST", "/ev/not-ready", {"evse_id": 1}))[0] == 409

    asyncio.run(scenario())
