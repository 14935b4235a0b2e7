"""What a virtual station offers as its DUT profile claims (harness/virtual/features.py): factory MessageTimeout,
Reset of one EVSE (C-13), no Smart Charging, one charging rate unit; and the faults that break them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from harness.config import load_dut
from harness.virtual.claims import DEFAULT_CLAIMS
from harness.virtual.control_api import ControlApi
from harness.virtual.features import StationFeatures, arguments_for
from harness.virtual.station import Station, StationConfig
from tests.dut_variants import SHIPPED_DUT

from .fake_csms import IDENTITY, FakeCsms, booted, control

TIMEOUT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "MessageTimeout", "instance": "Default"}}
SCHEDULE = {"id": 5, "chargingRateUnit": "W", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6000}]}
PROFILE = {
    "id": 5, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Relative",
    "chargingSchedule": [SCHEDULE],
}  # fmt: skip
DEFAULT_FEATURES = StationFeatures()


@asynccontextmanager
async def station_with(
    features: StationFeatures = DEFAULT_FEATURES,
    claims: frozenset[str] = DEFAULT_CLAIMS,
    faults: tuple[str, ...] = (),
) -> AsyncIterator[tuple[FakeCsms, int]]:
    csms = FakeCsms()
    await csms.start()
    config = StationConfig(csms.url, IDENTITY, faults=faults, claims=claims, features=features)
    station = Station(config)
    api = ControlApi(station)
    port = await api.start()
    stop = asyncio.Event()
    task = asyncio.ensure_future(station.run(stop))
    try:
        await asyncio.wait_for(booted(csms), 10)
        yield csms, port
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await api.stop()
        await csms.stop()


async def _charging(csms: FakeCsms, port: int) -> None:
    await control(port, "POST", "/plug", {"evse_id": 1})
    await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
    await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")


def test_the_shipped_profile_starts_a_station_with_its_message_timeout() -> None:
    assert arguments_for(load_dut(SHIPPED_DUT))[:2] == ["--message-timeout", "2"]

    async def scenario() -> None:
        async with station_with(StationFeatures(message_timeout_s=2)) as (csms, _):
            answer = await csms.result("GetVariables", {"getVariableData": [TIMEOUT]})
            assert answer["getVariableResult"][0]["attributeValue"] == "2"

    asyncio.run(scenario())


def test_evse_reset_claimed_resets_one_evse() -> None:
    async def scenario() -> None:
        async with station_with(claims=DEFAULT_CLAIMS | {"C-13"}) as (csms, port):
            assert await csms.result("Reset", {"type": "OnIdle", "evseId": 1}) == {"status": "Accepted"}
            assert (await csms.result("Reset", {"type": "OnIdle", "evseId": 9}))["status"] == "Rejected"
            await _charging(csms, port)
            assert await csms.result("Reset", {"type": "Immediate", "evseId": 1}) == {"status": "Accepted"}
            ended = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert ended["triggerReason"] == "ResetCommand"
            assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
            await csms.expect_none("BootNotification", during=0.5)  # the EVSE restarts, not the station

    asyncio.run(scenario())


def test_reset_evse_rejected_fault() -> None:
    async def scenario() -> None:
        async with station_with(claims=DEFAULT_CLAIMS | {"C-13"}, faults=("reset-evse-rejected",)) as (csms, _):
            assert (await csms.result("Reset", {"type": "OnIdle", "evseId": 1}))["status"] == "Rejected"

    asyncio.run(scenario())


def test_without_smart_charging_profiles_are_not_supported() -> None:
    async def scenario() -> None:
        async with station_with(StationFeatures(smart_charging=False)) as (csms, _):
            frame = await csms.call("SetChargingProfile", {"evseId": 1, "chargingProfile": PROFILE})
            assert frame[0] == 4 and frame[2] == "NotSupported"

    asyncio.run(scenario())


def test_amperes_only_rejects_watts() -> None:
    async def scenario() -> None:
        async with station_with(claims=DEFAULT_CLAIMS | {"SC-2.1"}) as (csms, _):
            answer = await csms.result("SetChargingProfile", {"evseId": 1, "chargingProfile": PROFILE})
            assert answer["status"] == "Rejected"
            assert answer["statusInfo"]["reasonCode"] == "UnsupportedRateUnit"

    asyncio.run(scenario())
