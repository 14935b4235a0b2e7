"""Reservations of the virtual station (H01-H04) and the faults that break them, against a fake CSMS."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from harness.virtual import faults as F
from harness.virtual.station import Station

from .fake_csms import FakeCsms, booted, control, lab

ONE = {"idToken": "TOKEN-ONE", "type": "ISO14443"}
TWO = {"idToken": "TOKEN-TWO", "type": "ISO14443"}
GROUP = {"idToken": "GROUP-1", "type": "Central"}
Scenario = Callable[[FakeCsms, Station, int], Awaitable[None]]


def _expiry(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec="seconds").replace("+00:00", "Z")


async def _reserve(csms: FakeCsms, rid: int, token: dict[str, Any], expiry_s: float = 300, **extra: Any) -> str:
    payload = {"id": rid, "expiryDateTime": _expiry(expiry_s), "idToken": token, **extra}
    return str((await csms.result("ReserveNow", payload))["status"])


async def _status(csms: FakeCsms, evse_id: int, status: str, timeout: float = 3.0) -> None:
    await csms.expect(
        "StatusNotification", lambda s: s["evseId"] == evse_id and s["connectorStatus"] == status, timeout
    )


async def _present(port: int, token: dict[str, Any], evse_id: int = 1) -> None:
    await control(port, "POST", "/present-id-token", {"evse_id": evse_id, "id_token": token["idToken"]})


async def _started(csms: FakeCsms, timeout: float = 3.0) -> None:
    await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Started", timeout)


def test_unspecified_reservations_reserve_every_evse_once_they_match_the_free_ones() -> None:
    async def scenario() -> None:
        async with lab(evses=2) as (csms, _station, _port):
            await booted(csms, evses=2)
            assert await _reserve(csms, 1, ONE) == "Accepted"
            await csms.expect_none("StatusNotification", during=0.4)  # one of two free EVSEs: nothing shown yet
            assert await _reserve(csms, 2, TWO) == "Accepted"
            await _status(csms, 1, "Reserved")
            await _status(csms, 2, "Reserved")
            assert await _reserve(csms, 3, ONE) == "Occupied"
            assert await _reserve(csms, 4, ONE, evseId=1) == "Occupied"

    asyncio.run(scenario())


def test_reservation_outlives_a_reset_and_its_token_frees_it() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            assert await _reserve(csms, 7, ONE, evseId=1) == "Accepted"
            await _status(csms, 1, "Reserved")
            assert (await csms.result("Reset", {"type": "Immediate"}))["status"] == "Accepted"
            await csms.expect("BootNotification")
            await _status(csms, 1, "Reserved")
            await csms.expect("SecurityEventNotification")
            await _present(port, ONE)
            await _status(csms, 1, "Available")
            assert (await csms.result("CancelReservation", {"reservationId": 7}))["status"] == "Rejected"

    asyncio.run(scenario())


def test_reserve_now_answers_from_the_evse_state_and_configuration() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            assert await _reserve(csms, 1, ONE, evseId=9) == "Rejected"
            assert await _reserve(csms, 1, ONE, connectorType="cCCS2") == "Rejected"
            await control(port, "POST", "/plug", {"evse_id": 1})
            assert await _reserve(csms, 1, ONE, evseId=1) == "Occupied"
            await control(port, "POST", "/unplug", {"evse_id": 1})
            data = [{"component": {"name": "ReservationCtrlr"}, "variable": {"name": "NonEvseSpecific"},
                     "attributeValue": "false"}]  # fmt: skip
            await csms.result("SetVariables", {"setVariableData": data})
            assert await _reserve(csms, 2, ONE) == "Rejected"
            assert await _reserve(csms, 2, ONE, connectorType="cType2") == "Accepted"

    asyncio.run(scenario())


# ---------------------------------------------------------------- each fault changes the behaviour it names


async def always_accepted(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _reserve(csms, 1, ONE, evseId=1) == "Accepted"
    assert await _reserve(csms, 2, TWO, evseId=1) == "Occupied"


async def not_reported(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _reserve(csms, 1, ONE, evseId=1) == "Accepted"
    await _status(csms, 1, "Reserved")


async def ignores_idtoken(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _reserve(csms, 1, ONE, evseId=1) == "Accepted"
    await control(port, "POST", "/plug", {"evse_id": 1})
    await _present(port, TWO)
    await csms.expect("Authorize")
    await csms.expect_none("TransactionEvent", during=1.0)


async def group_ignored(csms: FakeCsms, station: Station, port: int) -> None:
    csms.responders["Authorize"] = lambda _: {"idTokenInfo": {"status": "Accepted", "groupIdToken": GROUP}}
    await booted(csms)
    assert await _reserve(csms, 1, ONE, evseId=1, groupIdToken=GROUP) == "Accepted"
    await control(port, "POST", "/plug", {"evse_id": 1})
    await _present(port, TWO)
    await _started(csms)


async def never_expires(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _reserve(csms, 1, ONE, expiry_s=1, evseId=1) == "Accepted"
    update = await csms.expect("ReservationStatusUpdate", timeout=4)
    assert update == {"reservationId": 1, "reservationUpdateStatus": "Expired"}


async def kept_when_unavailable(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _reserve(csms, 1, ONE, evseId=1) == "Accepted"
    await csms.result("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}})
    update = await csms.expect("ReservationStatusUpdate")
    assert update == {"reservationId": 1, "reservationUpdateStatus": "Removed"}


async def not_replaced(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _reserve(csms, 1, ONE, evseId=1) == "Accepted"
    assert await _reserve(csms, 1, TWO, evseId=1) == "Accepted"


async def cancel_ignored(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert await _reserve(csms, 1, ONE, evseId=1) == "Accepted"
    await _status(csms, 1, "Reserved")
    assert (await csms.result("CancelReservation", {"reservationId": 1}))["status"] == "Accepted"
    await _status(csms, 1, "Available")


async def cancel_unknown_accepted(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert (await csms.result("CancelReservation", {"reservationId": 1}))["status"] == "Rejected"


# fault -> a scenario that passes on the clean station and fails with the fault
SCENARIOS: dict[str, Scenario] = {
    F.RESERVE_NOW_ALWAYS_ACCEPTED: always_accepted,
    F.RESERVATION_NOT_REPORTED: not_reported,
    F.RESERVATION_IGNORES_IDTOKEN: ignores_idtoken,
    F.RESERVATION_GROUP_IGNORED: group_ignored,
    F.RESERVATION_NEVER_EXPIRES: never_expires,
    F.RESERVATION_KEPT_WHEN_UNAVAILABLE: kept_when_unavailable,
    F.RESERVATION_NOT_REPLACED: not_replaced,
    F.CANCEL_RESERVATION_IGNORED: cancel_ignored,
    F.CANCEL_UNKNOWN_ACCEPTED: cancel_unknown_accepted,
}


async def _run(name: str, faults: tuple[str, ...]) -> None:
    async with lab(faults=faults) as (csms, station, port):
        await asyncio.wait_for(SCENARIOS[name](csms, station, port), 10)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_clean_station_passes_the_fault_scenario(name: str) -> None:
    asyncio.run(_run(name, ()))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fault_breaks_its_scenario(name: str) -> None:
    with pytest.raises(AssertionError):
        asyncio.run(_run(name, (name,)))
