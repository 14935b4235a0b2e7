"""Each smart-charging fault changes the one behaviour it names, and the clean station does not show it."""

from __future__ import annotations

import asyncio

import pytest

from harness.virtual import faults as F
from harness.virtual.station import Station

from .fake_csms import FakeCsms, Scenario, booted, control, run_scenario
from .test_smart_charging import (
    DEFAULT,
    MAX,
    TX,
    charging,
    composite,
    evse_state,
    get_profiles,
    periods,
    profile,
    reported_ids,
    set_profile,
    stamp,
)


async def accepts_invalid_profile(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await set_profile(csms, 0, profile(1, TX, kind="Relative", transactionId="none"))
    assert answer["status"] == "Accepted"


async def same_id_not_replaced(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await set_profile(csms, 1, profile(1, limits=((0, 6.0),)))
    await set_profile(csms, 1, profile(1, limits=((0, 10.0),)))
    _, reports = await get_profiles(csms, 1)
    assert reports[0]["chargingProfile"][0]["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 6.0


async def profiles_lost_on_reboot(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await set_profile(csms, 1, profile(1))
    await control(port, "POST", "/power-cycle", {})
    await booted(csms)
    status, _ = await get_profiles(csms, 2)
    assert status == "NoProfiles"


async def clear_no_op(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await set_profile(csms, 1, profile(1))
    assert (await csms.result("ClearChargingProfile", {"chargingProfileId": 1}))["status"] == "Accepted"
    assert (await get_profiles(csms, 1))[0] == "Accepted"


async def clear_unknown_accepted(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert (await csms.result("ClearChargingProfile", {"chargingProfileId": 9}))["status"] == "Accepted"


async def report_ignores_criteria(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await set_profile(csms, 0, profile(1, MAX, duration=600))
    await set_profile(csms, 1, profile(2))
    _, reports = await get_profiles(csms, 1, evseId=1)
    assert sorted(reported_ids(reports)) == [1, 2]


async def report_evse_zero(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await set_profile(csms, 1, profile(1))
    _, reports = await get_profiles(csms, 1)
    assert reports[0]["evseId"] == 0


async def report_drops_phases(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await set_profile(csms, 1, profile(1, phases=3))
    _, reports = await get_profiles(csms, 1)
    assert "numberPhases" not in reports[0]["chargingProfile"][0]["chargingSchedule"][0]["chargingSchedulePeriod"][0]


async def ignores_validity(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await set_profile(csms, 1, profile(1, validFrom=stamp(300)))
    assert periods(await composite(csms, 1, 400))[0][1] == 6.0


async def ignores_start_schedule(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await set_profile(csms, 1, profile(1, start_s=60))
    assert periods(await composite(csms, 1, 300))[0][1] == 6.0


async def ignores_stack_level(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await set_profile(csms, 1, profile(1, limits=((0, 6.0),), stack=0))
    await set_profile(csms, 1, profile(2, limits=((0, 7.0),), stack=1))
    assert periods(await composite(csms, 1, 300))[0][1] == 6.0


async def tx_profile_no_precedence(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    transaction_id = await charging(csms, port)
    await set_profile(csms, 1, profile(1, DEFAULT, limits=((0, 6.0),)))
    await set_profile(csms, 1, profile(2, TX, limits=((0, 8.0),), transactionId=transaction_id))
    assert periods(await composite(csms, 1, 300))[0][1] == 6.0


async def composite_duration_truncated(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert (await composite(csms, 0, 300))["schedule"]["duration"] == 0


async def composite_unknown_evse_accepted(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    assert (await composite(csms, 2, 300))["status"] == "Accepted"


async def remote_start_profile_dropped(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    body = profile(7, TX, kind="Relative")
    request = {"idToken": {"idToken": "AB12", "type": "ISO14443"}, "remoteStartId": 5, "evseId": 1}
    assert (await csms.result("RequestStartTransaction", {**request, "chargingProfile": body}))["status"] == "Accepted"
    await control(port, "POST", "/plug", {"evse_id": 1})
    await csms.expect("TransactionEvent", lambda e: e["transactionInfo"].get("chargingState") == "Charging")
    await asyncio.sleep(0.3)
    assert (await get_profiles(csms, 1))[0] == "NoProfiles"


async def default_ignored_mid_transaction(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await charging(csms, port)
    await set_profile(csms, 1, profile(1, DEFAULT, limits=((0, 6.0),)))
    assert periods(await composite(csms, 1, 300))[0][1] != 6.0


async def limit_not_applied(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    await charging(csms, port)
    await set_profile(csms, 1, profile(1, DEFAULT, limits=((0, 2000.0),), unit="W"))
    await asyncio.sleep(1.0)
    state = await evse_state(port, lambda s: True)
    assert state["power_w"] > 5000.0


async def recurring_rejected(csms: FakeCsms, station: Station, port: int) -> None:
    await booted(csms)
    answer = await set_profile(csms, 1, profile(1, kind="Recurring", recurrencyKind="Daily"))
    assert answer["status"] == "Rejected"


SCENARIOS: dict[str, Scenario] = {
    F.SC_ACCEPTS_INVALID_PROFILE: accepts_invalid_profile,
    F.SC_SAME_ID_NOT_REPLACED: same_id_not_replaced,
    F.SC_PROFILES_LOST_ON_REBOOT: profiles_lost_on_reboot,
    F.SC_CLEAR_NO_OP: clear_no_op,
    F.SC_CLEAR_UNKNOWN_ACCEPTED: clear_unknown_accepted,
    F.SC_REPORT_IGNORES_CRITERIA: report_ignores_criteria,
    F.SC_REPORT_EVSE_ZERO: report_evse_zero,
    F.SC_REPORT_DROPS_PHASES: report_drops_phases,
    F.SC_IGNORES_VALIDITY: ignores_validity,
    F.SC_IGNORES_START_SCHEDULE: ignores_start_schedule,
    F.SC_IGNORES_STACK_LEVEL: ignores_stack_level,
    F.SC_TX_PROFILE_NO_PRECEDENCE: tx_profile_no_precedence,
    F.SC_COMPOSITE_DURATION_TRUNCATED: composite_duration_truncated,
    F.SC_COMPOSITE_UNKNOWN_EVSE: composite_unknown_evse_accepted,
    F.SC_REMOTE_START_PROFILE_DROPPED: remote_start_profile_dropped,
    F.SC_DEFAULT_IGNORED_MID_TRANSACTION: default_ignored_mid_transaction,
    F.SC_LIMIT_NOT_APPLIED: limit_not_applied,
    F.SC_RECURRING_REJECTED: recurring_rejected,
}


# Faults of a station started with other claims (no Smart Charging, amperes only, two EVSEs): the kill matrix
# proves them on DUT variants (DUT_VARIANTS); the external limit needs the control API
# (test_master_pass_ui_and_external_limit.py).
PROVEN_ON_VARIANTS = {
    F.SC_UNSUPPORTED_PROFILE_REJECTED,
    F.SC_RATE_UNIT_NOT_CHECKED,
    F.SC_CLEAR_FIRST_EVSE_ONLY,
    F.SC_EXTERNAL_LIMIT_UNREPORTED,
}


def test_every_smart_charging_fault_has_a_scenario() -> None:
    every = {fault.name for fault in F.CATALOGUE if fault.name.startswith("sc-")}
    assert set(SCENARIOS) | PROVEN_ON_VARIANTS == every


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_fault_changes_its_behaviour(name: str) -> None:
    run_scenario(SCENARIOS[name], (name,))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_clean_station_does_not_show_the_fault(name: str) -> None:
    with pytest.raises(AssertionError):
        run_scenario(SCENARIOS[name])
