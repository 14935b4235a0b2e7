"""Smart charging on the wire (K01, K08, K09, K10) and the power the EV draws under a charging limit."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from harness.virtual.charging_profile import parse_time

from .fake_csms import FakeCsms, booted, control, lab

MAX = "ChargingStationMaxProfile"
DEFAULT = "TxDefaultProfile"
TX = "TxProfile"


def stamp(offset_s: float = 0.0) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=offset_s)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def profile(
    profile_id: int,
    purpose: str = DEFAULT,
    limits: tuple[tuple[int, float], ...] = ((0, 6.0),),
    *,
    stack: int = 0,
    kind: str = "Absolute",
    unit: str = "A",
    start_s: float | None = 0.0,
    duration: int | None = None,
    phases: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ChargingProfileType; `start_s` is startSchedule relative to now (None: omitted; Relative omits it)."""
    periods = []
    for start_period, limit in limits:
        period: dict[str, Any] = {"startPeriod": start_period, "limit": limit}
        if phases is not None:
            period["numberPhases"] = phases
        periods.append(period)
    schedule: dict[str, Any] = {"id": profile_id, "chargingRateUnit": unit, "chargingSchedulePeriod": periods}
    if start_s is not None and kind != "Relative":
        schedule["startSchedule"] = stamp(start_s)
    if duration is not None:
        schedule["duration"] = duration
    body = {"id": profile_id, "stackLevel": stack, "chargingProfilePurpose": purpose, "chargingProfileKind": kind}
    return {**body, "chargingSchedule": [schedule], **extra}


async def set_profile(csms: FakeCsms, evse_id: int, body: dict[str, Any]) -> dict[str, Any]:
    return await csms.result("SetChargingProfile", {"evseId": evse_id, "chargingProfile": body})


async def get_profiles(csms: FakeCsms, request_id: int, **request: Any) -> tuple[str, list[dict[str, Any]]]:
    """GetChargingProfiles: the status and every ReportChargingProfiles that followed (until tbc is false)."""
    answer = await csms.result("GetChargingProfiles", {"requestId": request_id, "chargingProfile": {}, **request})
    reports: list[dict[str, Any]] = []
    while answer["status"] == "Accepted" and (not reports or reports[-1]["tbc"]):
        reports.append(await csms.expect("ReportChargingProfiles", lambda r: r["requestId"] == request_id))
    return str(answer["status"]), reports


def reported_ids(reports: list[dict[str, Any]]) -> list[int]:
    return [p["id"] for r in reports for p in r["chargingProfile"]]


async def composite(csms: FakeCsms, evse_id: int, duration: int, unit: str | None = "A") -> dict[str, Any]:
    request: dict[str, Any] = {"evseId": evse_id, "duration": duration}
    if unit is not None:
        request["chargingRateUnit"] = unit
    return await csms.result("GetCompositeSchedule", request)


def periods(answer: dict[str, Any]) -> list[tuple[int, float]]:
    return [(p["startPeriod"], p["limit"]) for p in answer["schedule"]["chargingSchedulePeriod"]]


def offset(answer: dict[str, Any], start_schedule: str, seconds: int) -> int:
    """Where `seconds` into a schedule that started at `start_schedule` falls in the composite (Part 6's 'x')."""
    begin = parse_time(answer["schedule"]["scheduleStart"])
    start = parse_time(start_schedule)
    assert begin is not None and start is not None
    return math.ceil(round(start + seconds - begin, 3))


async def charging(csms: FakeCsms, port: int, evse_id: int = 1) -> str:
    await control(port, "POST", "/plug", {"evse_id": evse_id})
    await control(port, "POST", "/present-id-token", {"evse_id": evse_id, "id_token": "AB12"})
    started = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Started")
    await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
    return str(started["transactionInfo"]["transactionId"])


async def evse_state(port: int, until: Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> dict[str, Any]:
    """Poll GET /state until EVSE 1 satisfies `until`; fails after `timeout` seconds with the last state seen."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        state: dict[str, Any] = (await control(port, "GET", "/state"))[1]["evses"][0]
        if until(state):
            return state
        assert loop.time() < deadline, f"EVSE state never matched: {state}"
        await asyncio.sleep(0.1)


def near(target_w: float) -> Callable[[dict[str, Any]], bool]:
    return lambda state: abs(state["power_w"] - target_w) <= 0.02 * max(target_w, 100.0)


async def entries(csms: FakeCsms) -> str:
    answer = await csms.result(
        "GetVariables",
        {
            "getVariableData": [
                {
                    "component": {"name": "SmartChargingCtrlr"},
                    "variable": {"name": "Entries", "instance": "ChargingProfiles"},
                }
            ]
        },
    )
    return str(answer["getVariableResult"][0]["attributeValue"])


def _two_schedules() -> dict[str, Any]:
    body = profile(31)
    body["chargingSchedule"].append({**body["chargingSchedule"][0], "id": 32})
    return body


# (what is wrong, evseId, profile, reasonCode); the station has two EVSEs and no transaction.
REJECTED: tuple[tuple[str, int, dict[str, Any], str], ...] = (
    (
        "TC_K_02: TxProfile without a transaction",
        1,
        profile(11, TX, kind="Relative", transactionId="UNKNOWN"),
        "TxNotFound",
    ),
    ("TC_K_11: TxProfile on EVSE 0", 0, profile(12, TX, kind="Relative", transactionId="x"), "InvalidValue"),
    ("TxProfile without transactionId", 1, profile(13, TX, kind="Relative"), "MissingParam"),
    ("TC_K_14: EVSE count + 1", 3, profile(14), "UnknownEvse"),
    ("station maximum on an EVSE", 1, profile(15, MAX), "InvalidValue"),
    ("station maximum Relative", 0, profile(16, MAX, kind="Relative"), "InvalidProfile"),
    ("external constraints from the CSMS", 0, profile(17, "ChargingStationExternalConstraints"), "InvalidValue"),
    ("stackLevel above ProfileStackLevel", 1, profile(18, stack=9), "InvalidStackLevel"),
    (
        "25 periods, PeriodsPerSchedule 24",
        1,
        profile(19, limits=tuple((60 * i, 6.0) for i in range(25))),
        "TooManyElements",
    ),
    ("first period after 0", 1, profile(20, limits=((5, 6.0),)), "InvalidSchedule"),
    ("periods out of order", 1, profile(21, limits=((0, 6.0), (60, 8.0), (30, 7.0))), "InvalidSchedule"),
    ("Absolute without startSchedule", 1, profile(22, start_s=None), "InvalidSchedule"),
    ("Recurring without recurrencyKind", 1, profile(24, kind="Recurring"), "InvalidProfile"),
    ("validTo before validFrom", 1, profile(25, validFrom=stamp(60), validTo=stamp(0)), "InvalidProfile"),
    ("negative limit", 1, profile(26, limits=((0, -1.0),)), "InvalidSchedule"),
    ("four phases", 1, profile(27, phases=4), "InvalidSchedule"),
    ("two schedules", 1, _two_schedules(), "InvalidSchedule"),
)


def test_set_charging_profile_accepts_valid_profiles_and_rejects_each_broken_rule_with_its_reason() -> None:
    async def scenario() -> None:
        async with lab(evses=2) as (csms, _station, _port):
            await booted(csms, 2)
            relative_with_start = profile(23, kind="Relative")
            relative_with_start["chargingSchedule"][0]["startSchedule"] = stamp()
            for why, evse_id, body, reason in (
                *REJECTED,
                ("Relative with startSchedule", 1, relative_with_start, "InvalidSchedule"),
            ):
                answer = await set_profile(csms, evse_id, body)
                assert answer["status"] == "Rejected", why
                assert answer["statusInfo"]["reasonCode"] == reason, why
            assert await entries(csms) == "0"
            accepted = [
                (1, profile(1)),  # TC_K_01: TxDefaultProfile on one EVSE
                (0, profile(2, stack=1)),  # TC_K_10: TxDefaultProfile on every EVSE
                (0, profile(3, MAX, unit="W", limits=((0, 6000.0),), duration=300)),  # TC_K_03
                (2, profile(4, stack=2, kind="Recurring", recurrencyKind="Daily")),  # TC_K_19
                (2, profile(5, stack=3, kind="Relative", validFrom=stamp(300))),  # TC_K_21
            ]
            for evse_id, body in accepted:
                assert await set_profile(csms, evse_id, body) == {"status": "Accepted"}, body["id"]
            assert await entries(csms) == "5"
            assert csms.violations == []

    asyncio.run(scenario())


def test_same_id_replaces_and_same_stack_level_with_overlapping_validity_is_a_duplicate() -> None:
    async def scenario() -> None:
        async with lab(evses=2) as (csms, station, _port):
            await booted(csms, 2)
            assert (await set_profile(csms, 1, profile(1)))["status"] == "Accepted"
            assert (await set_profile(csms, 1, profile(1, limits=((0, 10.0),))))["status"] == "Accepted"  # TC_K_04
            status, reports = await get_profiles(csms, 7, chargingProfile={"chargingProfileId": [1]})
            assert status == "Accepted" and reported_ids(reports) == [1]
            assert reports[0]["chargingProfile"][0]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 10.0
            duplicate = await set_profile(csms, 1, profile(2))
            assert duplicate["status"] == "Rejected" and duplicate["statusInfo"]["reasonCode"] == "DuplicateProfile"
            assert (await set_profile(csms, 2, profile(2)))["status"] == "Accepted"  # another EVSE
            everywhere = await set_profile(csms, 0, profile(3))  # would tie with the EVSEs' own defaults
            assert everywhere["statusInfo"]["reasonCode"] == "DuplicateProfile"
            assert (await set_profile(csms, 0, profile(3, stack=1)))["status"] == "Accepted"
            assert (await set_profile(csms, 1, profile(4, stack=2, validTo=stamp(60))))["status"] == "Accepted"
            later = profile(5, stack=2, validFrom=stamp(60))
            assert (await set_profile(csms, 1, later))["status"] == "Accepted"  # the validities do not overlap
            assert await entries(csms) == "5"
            assert station.smart_charging.limit_a(1, station.clock.epoch()) == 6.0  # stack 1 (6 A) over stack 0
            off = [
                {
                    "component": {"name": "SmartChargingCtrlr"},
                    "variable": {"name": "Enabled"},
                    "attributeValue": "false",
                }
            ]
            assert (await csms.result("SetVariables", {"setVariableData": off}))["setVariableResult"][0][
                "attributeStatus"
            ] == "Accepted"
            disabled = await set_profile(csms, 1, profile(6, stack=4))
            assert disabled["statusInfo"]["reasonCode"] == "NotEnabled"
            assert station.smart_charging.limit_w(1, station.clock.epoch()) is None
            assert periods(await composite(csms, 1, 60, "W")) == [(0, 11000.0)]
            assert csms.violations == []

    asyncio.run(scenario())


def test_clear_charging_profile_by_id_and_by_criteria() -> None:
    async def scenario() -> None:
        async with lab(evses=2) as (csms, _station, _port):
            await booted(csms, 2)
            assert await csms.result("ClearChargingProfile", {"chargingProfileId": 99}) == {
                "status": "Unknown"
            }  # TC_K_08
            await set_profile(csms, 1, profile(1, stack=1))
            await set_profile(csms, 2, profile(2, stack=1))
            unknown = {"chargingProfileCriteria": {"chargingProfilePurpose": MAX, "stackLevel": 0}}
            assert await csms.result("ClearChargingProfile", unknown) == {"status": "Unknown"}  # TC_K_07
            criteria = {"chargingProfilePurpose": DEFAULT, "stackLevel": 1}
            cleared = await csms.result("ClearChargingProfile", {"chargingProfileCriteria": criteria})
            assert cleared == {"status": "Accepted"}  # TC_K_24: on both EVSEs
            assert (await get_profiles(csms, 1, chargingProfile=criteria))[0] == "NoProfiles"
            await set_profile(csms, 0, profile(3, MAX))
            await set_profile(csms, 1, profile(4))
            assert await csms.result("ClearChargingProfile", {"chargingProfileId": 3}) == {
                "status": "Accepted"
            }  # TC_K_05
            assert (await get_profiles(csms, 2, chargingProfile={"chargingProfileId": [3]}))[0] == "NoProfiles"
            on_two = {"chargingProfileCriteria": {"evseId": 2}}
            assert await csms.result("ClearChargingProfile", on_two) == {"status": "Unknown"}
            await set_profile(csms, 2, profile(5))
            assert await csms.result("ClearChargingProfile", {}) == {"status": "Accepted"}  # everything
            assert await entries(csms) == "0"
            assert csms.violations == []

    asyncio.run(scenario())


def test_get_charging_profiles_reports_per_evse_with_the_profiles_as_sent() -> None:
    async def scenario() -> None:
        async with lab(evses=2) as (csms, _station, _port):
            await booted(csms, 2)
            maximum, own_default, other = profile(1, MAX, duration=3600), profile(2, stack=1), profile(3)
            for evse_id, body in ((0, maximum), (1, own_default), (2, other)):
                assert (await set_profile(csms, evse_id, body))["status"] == "Accepted"
            status, reports = await get_profiles(csms, 10)  # TC_K_31: no evseId, everything
            assert status == "Accepted"
            assert [(r["evseId"], r["tbc"], r["chargingLimitSource"]) for r in reports] == [
                (0, True, "CSO"),
                (1, True, "CSO"),
                (2, False, "CSO"),
            ]
            assert [r["chargingProfile"] for r in reports] == [[maximum], [own_default], [other]]
            assert reported_ids((await get_profiles(csms, 11, evseId=0))[1]) == [1]  # TC_K_29: the station's own
            assert reported_ids((await get_profiles(csms, 12, evseId=1))[1]) == [2]  # TC_K_30
            by_id = await get_profiles(csms, 13, chargingProfile={"chargingProfileId": [1, 3]})
            assert reported_ids(by_id[1]) == [1, 3]  # TC_K_32
            level = {"chargingProfilePurpose": DEFAULT, "stackLevel": 1}
            assert reported_ids((await get_profiles(csms, 14, evseId=1, chargingProfile=level))[1]) == [2]  # TC_K_36
            assert (await get_profiles(csms, 15, evseId=1, chargingProfile={"stackLevel": 0}))[0] == "NoProfiles"
            sources = await get_profiles(csms, 16, evseId=1, chargingProfile={"chargingLimitSource": ["EMS"]})
            assert sources[0] == "NoProfiles"  # TC_K_34
            assert (await get_profiles(csms, 17, chargingProfile={"chargingLimitSource": ["CSO"]}))[0] == "Accepted"
            assert csms.violations == []

    asyncio.run(scenario())


def test_composite_schedule_stacks_combines_purposes_and_converts_units() -> None:
    async def scenario() -> None:
        async with lab(evses=2) as (csms, _station, _port):
            await booted(csms, 2)
            idle = await composite(csms, 0, 300, "W")  # TC_K_39: local limits only
            assert idle["status"] == "Accepted" and periods(idle) == [(0, 22000.0)]
            assert idle["schedule"]["evseId"] == 0 and idle["schedule"]["duration"] == 300
            assert periods(await composite(csms, 1, 300, None)) == [(0, 15.9)]  # the first RateUnit, A
            unknown = await composite(csms, 3, 300)
            assert unknown["status"] == "Rejected" and "schedule" not in unknown  # TC_K_47
            # TC_K_40: two stack levels of TxDefaultProfile.
            low = profile(1, limits=((0, 6.0), (100, 8.0), (200, 10.0)), start_s=-2, duration=400)
            high = profile(2, limits=((0, 7.0), (100, 9.0)), stack=1, start_s=-2, duration=150)
            await set_profile(csms, 1, low)
            await set_profile(csms, 1, high)
            answer = await composite(csms, 1, 350)
            start = high["chargingSchedule"][0]["startSchedule"]
            assert periods(answer) == [
                (0, 7.0),
                (offset(answer, start, 100), 9.0),
                (offset(answer, start, 150), 8.0),
                (offset(answer, start, 200), 10.0),
            ]
            # The station maximum caps every EVSE and the station; A converts to W at 230 V and numberPhases.
            await set_profile(csms, 0, profile(3, MAX, unit="W", limits=((0, 5000.0),)))
            await set_profile(csms, 2, profile(4, limits=((0, 6.0),), phases=1))
            assert periods(await composite(csms, 1, 60, "W"))[0] == (0, 4830.0)  # 7 A x 3 x 230 V
            assert periods(await composite(csms, 2, 60, "W")) == [(0, 1380.0)]  # 6 A x 1 x 230 V
            assert periods(await composite(csms, 0, 60, "W")) == [(0, 5000.0)]
            assert await csms.result("ClearChargingProfile", {}) == {"status": "Accepted"}
            # TC_K_21: a profile valid from 300 s on.
            from_later = profile(5, kind="Relative", validFrom=stamp(300))
            await set_profile(csms, 1, from_later)
            answer = await composite(csms, 1, 400)
            assert periods(answer) == [(0, 15.9), (offset(answer, from_later["validFrom"], 0), 6.0)]
            await csms.result("ClearChargingProfile", {"chargingProfileId": 5})
            # TC_K_22: a default for every EVSE valid until 300 s: EVSE 0 sees it on both EVSEs, then local limits.
            until_later = profile(6, start_s=-1, validTo=stamp(300))
            await set_profile(csms, 0, until_later)
            answer = await composite(csms, 0, 400)
            assert periods(answer) == [(0, 12.0), (offset(answer, until_later["validTo"], 0), 31.9)]
            assert csms.violations == []

    asyncio.run(scenario())


def test_power_follows_the_limit_and_zero_suspends_until_the_limit_is_lifted() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            tx_id = await charging(csms, port)
            await evse_state(port, near(11000.0))
            limited = profile(7, TX, kind="Relative", unit="W", limits=((0, 4000.0),), transactionId=tx_id)
            assert await set_profile(csms, 1, limited) == {"status": "Accepted"}  # TC_K_60
            rate = await csms.expect("TransactionEvent", lambda e: e["triggerReason"] == "ChargingRateChanged")
            assert rate["eventType"] == "Updated" and "chargingState" not in rate["transactionInfo"]
            state = await evse_state(port, near(4000.0))
            assert state["limit_w"] == 4000.0 and state["charging_state"] == "Charging"
            paused = profile(7, TX, kind="Relative", unit="W", limits=((0, 0.0),), transactionId=tx_id)
            assert await set_profile(csms, 1, paused) == {"status": "Accepted"}
            suspended = await csms.expect("TransactionEvent", lambda e: e["triggerReason"] == "ChargingStateChanged")
            assert suspended["transactionInfo"]["chargingState"] == "SuspendedEVSE"
            state = await evse_state(port, lambda s: s["power_w"] == 0.0)
            assert state["transaction_id"] == tx_id and state["charging_state"] == "SuspendedEVSE"
            assert await csms.result("ClearChargingProfile", {"chargingProfileId": 7}) == {"status": "Accepted"}
            resumed = await csms.expect("TransactionEvent", lambda e: e["triggerReason"] == "ChargingStateChanged")
            assert resumed["transactionInfo"]["chargingState"] == "Charging"
            state = await evse_state(port, near(11000.0))
            assert state["limit_w"] is None and state["transaction_id"] == tx_id
            assert csms.violations == []

    asyncio.run(scenario())


def test_power_follows_a_schedule_across_its_period_boundary() -> None:
    async def scenario() -> None:
        async with lab() as (csms, station, port):
            await booted(csms)
            stepped = profile(8, unit="W", limits=((0, 3000.0), (5, 6000.0)))
            await set_profile(csms, 1, stepped)
            await charging(csms, port)  # TC_K_28: a TxDefaultProfile also limits a transaction that starts later
            await evse_state(port, near(3000.0), timeout=4.0)
            assert station.smart_charging.limit_a(1, station.clock.epoch()) == pytest.approx(3000.0 / 690.0)
            state = await evse_state(port, near(6000.0), timeout=6.0)
            assert state["limit_w"] == 6000.0
            await csms.expect("TransactionEvent", lambda e: e["triggerReason"] == "ChargingRateChanged")

    asyncio.run(scenario())


def test_tx_profile_ends_with_its_transaction_and_profiles_survive_a_power_cycle_not_a_factory_reset() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            tx_id = await charging(csms, port)
            await set_profile(csms, 1, profile(7, TX, kind="Relative", transactionId=tx_id))
            await set_profile(csms, 1, profile(8))
            assert reported_ids((await get_profiles(csms, 1))[1]) == [7, 8]
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Ended")
            assert reported_ids((await get_profiles(csms, 2))[1]) == [8]
            csms.forget()
            await control(port, "POST", "/power-cycle", {})
            await booted(csms)
            assert reported_ids((await get_profiles(csms, 3))[1]) == [8]  # TC_K_13
            csms.forget()
            await control(port, "POST", "/factory-reset", {})
            await booted(csms)
            assert (await get_profiles(csms, 4))[0] == "NoProfiles"
            assert csms.violations == []

    asyncio.run(scenario())


def test_remote_start_with_a_tx_profile_limits_the_transaction_it_starts() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            token = {"idToken": "AB12", "type": "ISO14443"}
            wrong = {"idToken": token, "remoteStartId": 4, "evseId": 1, "chargingProfile": profile(9)}
            refused = await csms.result("RequestStartTransaction", wrong)
            assert refused["status"] == "Rejected" and refused["statusInfo"]["reasonCode"] == "InvalidProfile"
            await control(port, "POST", "/plug", {"evse_id": 1})  # TC_K_37_CS: from EVConnectedPreSession
            limited = profile(9, TX, kind="Relative", unit="W", limits=((0, 5000.0),))
            request = {"idToken": token, "remoteStartId": 5, "evseId": 1, "chargingProfile": limited}
            assert (await csms.result("RequestStartTransaction", request))["status"] == "Accepted"
            started = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Started")
            assert started["triggerReason"] == "RemoteStart" and started["transactionInfo"]["remoteStartId"] == 5
            state = await evse_state(port, near(5000.0))
            assert state["limit_w"] == 5000.0
            status, reports = await get_profiles(csms, 20, chargingProfile={"chargingProfileId": [9]})
            assert status == "Accepted" and reports[0]["chargingProfile"] == [limited]  # as sent, no transactionId
            assert csms.violations == []

    asyncio.run(scenario())
