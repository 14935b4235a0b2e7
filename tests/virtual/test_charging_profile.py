"""The pure smart-charging evaluation: one profile at an instant, stacking, purposes combined, the composite, rules."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from harness.virtual.charging_profile import ChargingProfile, Limit, change_points, profile_limit
from harness.virtual.charging_profile_rules import Candidate, first_broken
from harness.virtual.composite_schedule import (
    MAX_COMPOSITE_PERIODS,
    EvseContext,
    evse_limit,
    lowest,
    purpose_limit,
    sample,
    station_limit,
)

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z, a whole second
STAMP = "2027-01-15T08:00:00Z"
LOCAL = Limit(11000.0, "W")


def make(
    profile_id: int,
    purpose: str = "TxDefaultProfile",
    periods: tuple[tuple[int, float], ...] = ((0, 6.0),),
    *,
    evse_id: int = 1,
    stack: int = 0,
    kind: str = "Absolute",
    unit: str = "A",
    duration: int | None = None,
    **extra: Any,
) -> ChargingProfile:
    schedule: dict[str, Any] = {
        "id": 1,
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": s, "limit": v} for s, v in periods],
    }
    if kind != "Relative":
        schedule["startSchedule"] = extra.pop("start", STAMP)
    if duration is not None:
        schedule["duration"] = duration
    wire = {
        "id": profile_id,
        "stackLevel": stack,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": [schedule],
        **extra,
    }
    return ChargingProfile.from_wire(evse_id, wire)


def ctx(evse_id: int = 1, relative_start: float = T0) -> EvseContext:
    return EvseContext(evse_id, relative_start, LOCAL)


def test_limits_convert_between_amperes_and_watts_at_230_volts() -> None:
    assert Limit(16.0, "A").to("W") == pytest.approx(11040.0)
    assert Limit(16.0, "A", phases=1).to("W") == pytest.approx(3680.0)
    assert Limit(6900.0, "W").to("A") == pytest.approx(10.0)
    assert Limit(6.0, "A").to("A") == 6.0
    assert lowest([None, Limit(10.0, "A"), Limit(4000.0, "W")], "W") == Limit(4000.0, "W")
    assert lowest([None, None], "A") is None


def test_absolute_schedule_periods_duration_and_validity() -> None:
    profile = make(1, periods=((0, 6.0), (100, 8.0)), duration=300, validFrom=STAMP, validTo="2027-01-15T08:04:00Z")
    assert profile_limit(profile, T0 - 1, T0) is None  # not started (and not yet valid)
    assert profile_limit(profile, T0, T0) == Limit(6.0, "A")  # validFrom and startPeriod 0 are inclusive
    assert profile_limit(profile, T0 + 99.9, T0) == Limit(6.0, "A")
    assert profile_limit(profile, T0 + 100, T0) == Limit(8.0, "A")
    assert profile_limit(profile, T0 + 240, T0) is None  # validTo is exclusive
    long_valid = make(2, periods=((0, 6.0),), duration=300)
    assert profile_limit(long_valid, T0 + 299, T0) is not None
    assert profile_limit(long_valid, T0 + 300, T0) is None  # the schedule's duration is over


def test_relative_schedule_counts_from_the_given_start_and_numberphases_defaults_to_three() -> None:
    profile = make(1, kind="Relative", periods=((0, 6.0), (60, 10.0)))
    assert profile_limit(profile, T0 + 30, relative_start=T0) == Limit(6.0, "A", 3)
    assert profile_limit(profile, T0 + 30, relative_start=T0 - 60) == Limit(10.0, "A", 3)
    one_phase = ChargingProfile.from_wire(
        1,
        {
            **profile.wire,
            "chargingSchedule": [
                {
                    "id": 1,
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0, "numberPhases": 1}],
                }
            ],
        },
    )
    assert profile_limit(one_phase, T0, T0) == Limit(6.0, "A", 1)


def test_recurring_schedule_repeats_daily_and_weekly() -> None:
    daily = make(1, kind="Recurring", recurrencyKind="Daily", periods=((0, 6.0), (3600, 16.0)), duration=7200)
    assert profile_limit(daily, T0 + 86_400 + 10, T0) == Limit(6.0, "A")
    assert profile_limit(daily, T0 + 2 * 86_400 + 3700, T0) == Limit(16.0, "A")
    assert profile_limit(daily, T0 + 86_400 + 7200, T0) is None  # outside the daily window
    assert profile_limit(daily, T0 - 86_400 + 10, T0) == Limit(6.0, "A")  # the recurrence runs both ways
    weekly = make(2, kind="Recurring", recurrencyKind="Weekly", periods=((0, 6.0), (86_400, 10.0)))
    assert profile_limit(weekly, T0 + 7 * 86_400 + 5, T0) == Limit(6.0, "A")
    assert profile_limit(weekly, T0 + 8 * 86_400 + 5, T0) == Limit(10.0, "A")


def test_change_points_are_in_order_within_the_window() -> None:
    absolute = make(1, periods=((0, 6.0), (100, 8.0)), duration=300, validTo="2027-01-15T08:04:00Z")
    assert list(change_points(absolute, T0 - 10, T0 + 1000, T0)) == [T0, T0 + 100, T0 + 240, T0 + 300]
    daily = make(2, kind="Recurring", recurrencyKind="Daily", periods=((0, 6.0), (3600, 16.0)))
    points = list(change_points(daily, T0 + 1, T0 + 2 * 86_400, T0))
    assert points == [T0 + 3600, T0 + 86_400, T0 + 86_400 + 3600]


def test_highest_stack_level_wins_while_it_has_a_limit() -> None:
    # TC_K_40_CS: stack 1 covers the first 150 s, stack 0 the rest.
    low = make(1, periods=((0, 6.0), (100, 8.0), (200, 10.0)), duration=400)
    high = make(2, stack=1, periods=((0, 7.0), (100, 9.0)), duration=150)
    profiles = [low, high]
    got = [purpose_limit(profiles, "TxDefaultProfile", T0 + t, T0) for t in (0, 100, 150, 200, 400)]
    assert [g.value if g else None for g in got] == [7.0, 9.0, 8.0, 10.0, None]
    periods, duration = sample(
        lambda at: lowest([evse_limit(profiles, ctx(), at, "A"), LOCAL], "A") or LOCAL,
        [T0 + 100, T0 + 150, T0 + 200, T0 + 400],
        T0,
        350,
        "A",
    )
    assert [(p["startPeriod"], p["limit"]) for p in periods] == [(0, 7.0), (100, 9.0), (150, 8.0), (200, 10.0)]
    assert duration == 350


def test_purposes_combine_tx_over_default_under_the_station_maximum() -> None:
    # TC_K_41_CS: the lowest of the maximum and the TxProfile, or the TxDefaultProfile where the TxProfile has none.
    maximum = make(1, "ChargingStationMaxProfile", ((0, 10.0),), evse_id=0, duration=86_400)
    default = make(2, "TxDefaultProfile", ((0, 6.0), (60, 10.0), (120, 8.0), (180, 15.0), (260, 8.0)), duration=300)
    tx = make(3, "TxProfile", ((0, 8.0), (50, 11.0), (140, 16.0), (200, 6.0), (240, 12.0)), duration=260)
    profiles = [maximum, default, tx]
    points = sorted({T0 + t for t in (50, 60, 120, 140, 180, 200, 240, 260, 300)})
    periods, _ = sample(
        lambda at: lowest([evse_limit(profiles, ctx(), at, "A"), LOCAL], "A") or LOCAL, points, T0, 400, "A"
    )
    expected = [(0, 8.0), (50, 10.0), (200, 6.0), (240, 10.0), (260, 8.0), (300, 10.0)]
    assert [(p["startPeriod"], p["limit"]) for p in periods] == expected


def test_station_wide_default_applies_to_every_evse_and_an_evse_own_profile_wins_a_tie() -> None:
    station_default = make(1, evse_id=0, periods=((0, 6.0),))
    own = make(2, evse_id=2, periods=((0, 10.0),))
    profiles = [station_default, own]
    assert evse_limit(profiles, ctx(1), T0, "A") == Limit(6.0, "A")
    assert evse_limit(profiles, ctx(2), T0, "A") == Limit(10.0, "A")
    assert evse_limit(profiles, ctx(3), T0 - 1, "A") is None


def test_station_limit_sums_its_evses_under_its_own_maximum() -> None:
    contexts = [ctx(1), ctx(2)]
    default = make(1, evse_id=0, periods=((0, 6.0),))
    assert station_limit([default], contexts, T0, "A", with_local=False) == Limit(12.0, "A")  # TC_K_22_CS note
    only_one = make(2, evse_id=1, periods=((0, 6.0),))
    assert station_limit([only_one], contexts, T0, "W", with_local=False) is None  # EVSE 2 is unlimited
    with_local = station_limit([only_one], contexts, T0, "W", with_local=True)
    assert with_local is not None and with_local.to("W") == pytest.approx(6 * 690 + 11000)
    maximum = make(3, "ChargingStationMaxProfile", ((0, 5000.0),), evse_id=0, unit="W")
    assert station_limit([default, maximum], contexts, T0, "W", with_local=False) == Limit(5000.0, "W")


def test_sample_merges_equal_periods_rounds_up_fractional_points_and_is_bounded() -> None:
    values = {0: 6.0, 10: 6.0, 20: 8.0}

    def limit_at(at: float) -> Limit:
        offset = max(t for t in values if t <= at - T0)
        return Limit(values[offset], "A")

    periods, duration = sample(limit_at, [T0 + 9.5, T0 + 19.2, T0 + 500], T0, 100, "W")
    assert periods == [
        {"startPeriod": 0, "limit": 4140.0, "numberPhases": 3},
        {"startPeriod": 20, "limit": 5520.0, "numberPhases": 3},
    ]
    assert duration == 100
    many, covered = sample(lambda at: Limit(at - T0, "W"), (T0 + s for s in range(1, 5000)), T0, 5000, "W")
    assert len(many) == MAX_COMPOSITE_PERIODS and covered == MAX_COMPOSITE_PERIODS


def candidate(profile: ChargingProfile, **changes: Any) -> Candidate:
    base = Candidate(
        profile=profile,
        enabled=True,
        evse_ids=frozenset({0, 1, 2}),
        transaction_id=None,
        installed=(),
        rate_units=frozenset({"A", "W"}),
        max_stack_level=8,
        periods_per_schedule=24,
        max_entries=2,
        supply_phases=3,
    )
    return dataclasses.replace(base, **changes)


def reason(c: Candidate) -> str | None:
    rule = first_broken(c)
    return None if rule is None else rule.reason_code


def test_rules_judge_the_station_state_not_only_the_profile() -> None:
    profile = make(5, validFrom=STAMP, validTo="2027-01-15T09:00:00Z")
    assert reason(candidate(profile)) is None
    assert reason(candidate(profile, enabled=False)) == "NotEnabled"
    assert reason(candidate(profile, rate_units=frozenset({"W"}))) == "UnsupportedRateUnit"
    full = (make(1, stack=1), make(2, stack=2))
    assert reason(candidate(profile, installed=full)) == "OutOfStorage"
    assert reason(candidate(make(2, stack=3), installed=full)) is None  # replaces id 2: no new entry
    later = make(6, validFrom="2027-01-15T09:00:00Z")
    assert reason(candidate(profile, installed=(later,), max_entries=9)) is None  # validity does not overlap
    overlapping = make(7, validFrom="2027-01-15T08:30:00Z")
    assert reason(candidate(profile, installed=(overlapping,), max_entries=9)) == "DuplicateProfile"
    station_wide = make(8, evse_id=0)
    assert reason(candidate(profile, installed=(station_wide,), max_entries=9)) == "DuplicateProfile"
    tx = make(9, "TxProfile", kind="Relative", transactionId="T-1")
    assert reason(candidate(tx, transaction_id="T-1")) is None
    assert reason(candidate(tx, transaction_id="T-2")) == "TxNotFound"
    assert reason(candidate(tx)) == "TxNotFound"
