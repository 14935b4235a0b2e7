"""The master pass menu of a station with a user interface (C-07, C16.FR.01) and limits set by an external system
(K12/K13), on the wire and through the control API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from harness.virtual.claims import DEFAULT_CLAIMS, MASTER_PASS_UI
from harness.virtual.control_api import ControlApi
from harness.virtual.station import Station, StationConfig

from .fake_csms import IDENTITY, FakeCsms, booted, control

MASTER = {"idToken": "MASTER01", "type": "ISO14443"}
GROUP = "MASTERGROUP"
EXTERNAL = "ChargingStationExternalConstraints"


@asynccontextmanager
async def station_lab(
    claims: frozenset[str], faults: tuple[str, ...] = (), evses: int = 2
) -> AsyncIterator[tuple[FakeCsms, Station, int]]:
    """Like fake_csms.lab, with the Part 5 claims the station is started with."""

    def authorize(payload: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {"status": "Accepted"}
        if payload["idToken"]["idToken"] == MASTER["idToken"]:
            info["groupIdToken"] = {"idToken": GROUP, "type": "Central"}
        return {"idTokenInfo": info}

    csms = FakeCsms(responders={"Authorize": authorize})
    await csms.start()
    station = Station(StationConfig(csms.url, IDENTITY, evse_count=evses, faults=faults, claims=claims))
    api = ControlApi(station)
    port = await api.start()
    stop = asyncio.Event()
    task = asyncio.ensure_future(station.run(stop))
    try:
        await booted(csms, evses)
        yield csms, station, port
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await api.stop()
        await csms.stop()


async def _charging_on_both(csms: FakeCsms, port: int) -> dict[int, str]:
    await csms.result(
        "SetVariables",
        {
            "setVariableData": [
                {"component": {"name": "AuthCtrlr"}, "variable": {"name": "MasterPassGroupId"}, "attributeValue": GROUP}
            ]
        },
    )
    started: dict[int, str] = {}
    for evse_id, token in ((1, "AB01"), (2, "AB02")):
        await control(port, "POST", "/plug", {"evse_id": evse_id})
        await control(port, "POST", "/present-id-token", {"evse_id": evse_id, "id_token": token})
        event = await csms.expect(
            "TransactionEvent", lambda e, n=evse_id: e["eventType"] == "Started" and e["evse"]["id"] == n
        )
        started[evse_id] = str(event["transactionInfo"]["transactionId"])
    return started


def _stops(transaction_id: str) -> Any:
    def match(event: dict[str, Any]) -> bool:
        return bool(event["transactionInfo"]["transactionId"] == transaction_id and event["eventType"] == "Ended")

    return match


def test_master_pass_menu_stops_only_the_chosen_transaction() -> None:
    async def scenario() -> None:
        async with station_lab(DEFAULT_CLAIMS | {MASTER_PASS_UI}) as (csms, _station, port):
            started = await _charging_on_both(csms, port)
            await control(port, "POST", "/present-id-token", {"evse_id": 1, **_as_body(MASTER)})
            await csms.expect("Authorize", lambda p: p["idToken"] == MASTER)
            await csms.expect_none("TransactionEvent", 0.5, _stops(started[1]))  # the menu waits for a choice
            status, answer = await control(port, "POST", "/ui/master-pass", {"evse_id": 2})
            assert (status, answer) == (200, {"ok": True, "menu_shown": True})
            ended = await csms.expect("TransactionEvent", _stops(started[2]))
            assert ended["transactionInfo"]["stoppedReason"] == "MasterPass"
            await csms.expect_none("TransactionEvent", 0.5, _stops(started[1]))
            status, answer = await control(port, "POST", "/ui/master-pass", {})
            assert answer == {"ok": True, "menu_shown": False}  # one choice per master pass

    asyncio.run(scenario())


def test_master_pass_menu_stop_all_and_the_faults() -> None:
    async def scenario() -> None:
        claims = DEFAULT_CLAIMS | {MASTER_PASS_UI}
        async with station_lab(claims, faults=("master-pass-ui-wrong-reason",)) as (csms, _station, port):
            started = await _charging_on_both(csms, port)
            await control(port, "POST", "/present-id-token", {"evse_id": 1, **_as_body(MASTER)})
            await csms.expect("Authorize", lambda p: p["idToken"] == MASTER)
            await control(port, "POST", "/ui/master-pass", {})
            for transaction_id in started.values():
                ended = await csms.expect("TransactionEvent", _stops(transaction_id))
                assert ended["transactionInfo"]["stoppedReason"] == "Local"

    asyncio.run(scenario())


def test_without_a_user_interface_there_is_no_menu() -> None:
    async def scenario() -> None:
        async with station_lab(DEFAULT_CLAIMS, evses=1) as (_csms, _station, port):
            status, answer = await control(port, "POST", "/ui/master-pass", {})
            assert status == 409 and "C-07" in answer["error"]

    asyncio.run(scenario())


def _as_body(token: dict[str, str]) -> dict[str, str]:
    return {"id_token": token["idToken"], "type": token["type"]}


def test_external_limit_is_notified_reported_applied_and_released() -> None:
    async def scenario() -> None:
        async with station_lab(DEFAULT_CLAIMS, evses=1) as (csms, station, port):
            status, _ = await control(port, "POST", "/external-limit", {"evse_id": 0, "limit": 4000, "unit": "W"})
            assert status == 200
            notify = await csms.expect("NotifyChargingLimit")
            assert notify["chargingLimit"]["chargingLimitSource"] == "EMS" and "evseId" not in notify
            assert station.smart_charging.limit_w(1, station.clock.epoch()) == 4000.0
            answer = await csms.result("GetChargingProfiles", {"requestId": 5, "chargingProfile": {}})
            assert answer["status"] == "Accepted"
            report = await csms.expect("ReportChargingProfiles", lambda r: r["requestId"] == 5)
            assert report["chargingLimitSource"] == "EMS" and report["evseId"] == 0
            assert [p["chargingProfilePurpose"] for p in report["chargingProfile"]] == [EXTERNAL]
            cso_only = {"requestId": 6, "chargingProfile": {"chargingLimitSource": ["CSO"]}}
            assert (await csms.result("GetChargingProfiles", cso_only))["status"] == "NoProfiles"
            cleared = await csms.result("ClearChargingProfile", {"chargingProfileCriteria": {"stackLevel": 0}})
            assert cleared["status"] == "Unknown"  # not the CSMS's to clear
            status, _ = await control(port, "POST", "/external-limit/release", {"evse_id": 0})
            assert status == 200
            assert (await csms.expect("ClearedChargingLimit"))["chargingLimitSource"] == "EMS"
            assert station.smart_charging.limit_w(1, station.clock.epoch()) is None
            status, _ = await control(port, "POST", "/external-limit/release", {"evse_id": 0})
            assert status == 409

    asyncio.run(scenario())


def test_external_limit_unreported_fault_still_limits() -> None:
    async def scenario() -> None:
        faults = ("sc-external-limit-unreported",)
        async with station_lab(DEFAULT_CLAIMS, faults=faults, evses=1) as (csms, station, port):
            await control(port, "POST", "/external-limit", {"evse_id": 1, "limit": 10, "unit": "A"})
            assert (await csms.expect("NotifyChargingLimit"))["evseId"] == 1
            answer = await csms.result("GetChargingProfiles", {"requestId": 7, "chargingProfile": {}})
            assert answer["status"] == "NoProfiles"
            assert station.smart_charging.limit_a(1, station.clock.epoch()) == 10.0

    asyncio.run(scenario())
