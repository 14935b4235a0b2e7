"""Boot, registration states and reconnects of the virtual station (B01-B03)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable

from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.station import Station, StationConfig

from .fake_csms import FakeCsms, booted, control, lab


def test_boot_sequence_reports_every_connector_then_security_event() -> None:
    async def scenario() -> None:
        async with lab(evses=2) as (csms, _station, _port):
            boot = await csms.expect("BootNotification")
            assert boot["reason"] == "PowerUp"
            assert boot["chargingStation"] == {
                "model": "VirtualStation-1",
                "vendorName": "OpenV2G Lab",
                "serialNumber": "VS-TEST-SN",
                "firmwareVersion": "0.1.0",
            }
            statuses = [await csms.expect("StatusNotification") for _ in range(2)]
            assert {(s["evseId"], s["connectorId"], s["connectorStatus"]) for s in statuses} == {
                (1, 1, "Available"),
                (2, 1, "Available"),
            }
            assert all(s["timestamp"].endswith("Z") for s in statuses)
            event = await csms.expect("SecurityEventNotification")
            assert event["type"] == "StartupOfTheDevice"
            assert [r.action for r in csms.requests][:4] == [
                "BootNotification",
                "StatusNotification",
                "StatusNotification",
                "SecurityEventNotification",
            ]
            assert csms.paths == ["/ocpp/VS-TEST"]
            assert csms.auth_headers == [None]
            assert csms.violations == []

    asyncio.run(scenario())


def test_heartbeat_follows_the_interval_from_the_boot_response() -> None:
    async def scenario() -> None:
        async with lab(interval=1) as (csms, _station, _port):
            await booted(csms)
            first = await csms.expect_request("Heartbeat", timeout=3)
            second = await csms.expect_request("Heartbeat", timeout=3)
            assert 0.7 <= second.at - first.at <= 1.6
            # HeartbeatInterval changed by SetVariables takes effect at once.
            await csms.result(
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "HeartbeatInterval"},
                            "attributeValue": "60",
                        }
                    ]
                },
            )
            await asyncio.sleep(0.3)
            await csms.expect_none("Heartbeat", during=1.5)

    asyncio.run(scenario())


def test_pending_boot_allows_configuration_and_rejects_remote_start() -> None:
    async def scenario() -> None:
        async with lab(boot_status="Pending", interval=30) as (csms, _station, _port):
            await csms.expect("BootNotification")
            answer = await csms.result(
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "component": {"name": "OCPPCommCtrlr"},
                            "variable": {"name": "OfflineThreshold"},
                            "attributeValue": "300",
                        }
                    ]
                },
            )
            assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
            report = await csms.result("GetBaseReport", {"requestId": 7, "reportBase": "FullInventory"})
            assert report["status"] == "Accepted"
            await csms.expect("NotifyReport")
            start = await csms.result(
                "RequestStartTransaction",
                {"idToken": {"idToken": "AB12", "type": "ISO14443"}, "remoteStartId": 1, "evseId": 1},
            )
            assert start["status"] == "Rejected"
            csms.boot_status = "Accepted"
            trigger = await csms.result("TriggerMessage", {"requestedMessage": "BootNotification"})
            assert trigger["status"] == "Accepted"
            again = await csms.expect("BootNotification", timeout=2)
            assert again["reason"] == "Triggered"
            await csms.expect("StatusNotification")
            rejected = await csms.result("TriggerMessage", {"requestedMessage": "BootNotification"})
            assert rejected["status"] == "Rejected"
            actions = [r.action for r in csms.requests]
            assert set(actions[1 : actions.index("BootNotification", 1)]) == {"NotifyReport"}

    asyncio.run(scenario())


def test_rejected_boot_stays_silent_until_the_interval_passed() -> None:
    async def scenario() -> None:
        async with lab(boot_status="Rejected", interval=2) as (csms, _station, _port):
            first = await csms.expect_request("BootNotification")
            refused = await csms.call(
                "GetVariables",
                {
                    "getVariableData": [
                        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "OfflineThreshold"}}
                    ]
                },
            )
            assert refused[0] == 4 and refused[2] == "SecurityError"
            csms.boot_status = "Accepted"
            second = await csms.expect_request("BootNotification", timeout=4)
            assert second.at - first.at >= 1.9
            assert [r.action for r in csms.requests[:2]] == ["BootNotification", "BootNotification"]
            await csms.expect("StatusNotification")

    asyncio.run(scenario())


def test_plain_reconnect_does_not_boot_again_and_delivers_queued_events() -> None:
    async def scenario() -> None:
        async with lab() as (csms, station, port):
            await booted(csms)
            await csms.result(
                "SetVariables",
                {
                    "setVariableData": [
                        {
                            "component": {"name": "TxCtrlr"},
                            "variable": {"name": "TxStartPoint"},
                            "attributeValue": "EVConnected",
                        }
                    ]
                },
            )
            await csms.stop()  # the CSMS goes away; the station keeps retrying
            await asyncio.wait_for(_until(lambda: not station.link.connected), 3)
            await control(port, "POST", "/plug", {"evse_id": 1})
            await csms.start()
            await asyncio.wait_for(_until(lambda: csms.connections == 2), 8)
            status = await csms.expect_request("StatusNotification")
            started = await csms.expect_request("TransactionEvent")
            assert status.connection == started.connection == 2
            assert started.payload["offline"] is True and started.payload["eventType"] == "Started"
            assert "BootNotification" not in [r.action for r in csms.requests if r.connection == 2]

    asyncio.run(scenario())


def test_unselected_subprotocol_is_refused_and_basic_auth_is_sent() -> None:
    async def scenario() -> None:
        csms = FakeCsms(subprotocol=None)
        await csms.start()
        ident = StationIdentity("CS-1", "v", "m", "s", "f")
        station = Station(StationConfig(csms.url, ident, password="0123456789abcdef"))
        stop = asyncio.Event()
        task = asyncio.ensure_future(station.run(stop))
        await asyncio.wait_for(_until(lambda: csms.connections >= 1), 5)
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.wait_for(task, 5)
        await csms.stop()
        assert csms.requests == []  # never spoke OCPP over a connection without the subprotocol
        expected = "Basic " + base64.b64encode(b"CS-1:0123456789abcdef").decode()
        assert csms.auth_headers[0] == expected

    asyncio.run(scenario())


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.05)
