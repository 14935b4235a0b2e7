"""GetCompositeSchedule (K08) as the smart-charging cases check it: the answer's frame, then its periods against the
instants the installed profiles make the limit change, within the lab's time tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.checks import require, require_equal
from harness.ocpp.channel import StationChannel
from harness.ocpp.v201.charging_profiles import parse_rfc3339

LIMIT_RESOLUTION = 0.05  # composite limits may be rounded to one decimal


@dataclass(frozen=True)
class Expected:
    """A period the composite must contain: from `at` (epoch; None: the schedule's start), `limit` (None: any)."""

    at: float | None
    limit: float | None


async def require_composite(
    csms: StationChannel, evse_id: int, duration_s: int, unit: str, step: str
) -> dict[str, Any]:
    """GetCompositeSchedule must be Accepted with a schedule for `evse_id` over `duration_s` in `unit`."""
    outcome = await csms.call(
        "GetCompositeSchedule", {"evseId": evse_id, "duration": duration_s, "chargingRateUnit": unit}
    )
    require_equal(outcome.get("status"), "Accepted", f"{step}: GetCompositeScheduleResponse status")
    schedule = outcome.get("schedule")
    require(isinstance(schedule, dict), f"{step}: GetCompositeScheduleResponse has no schedule")
    require_equal(schedule.get("evseId"), evse_id, f"{step}: schedule.evseId")
    require_equal(schedule.get("duration"), duration_s, f"{step}: schedule.duration")
    require_equal(schedule.get("chargingRateUnit"), unit, f"{step}: schedule.chargingRateUnit")
    periods = schedule.get("chargingSchedulePeriod", [])
    require(bool(periods), f"{step}: the composite schedule has no period")
    require_equal(periods[0].get("startPeriod"), 0, f"{step}: startPeriod of the first composite period")
    return dict(schedule)


async def require_composite_rejected(csms: StationChannel, evse_id: int, duration_s: int, unit: str, step: str) -> None:
    outcome = await csms.call(
        "GetCompositeSchedule", {"evseId": evse_id, "duration": duration_s, "chargingRateUnit": unit}
    )
    require_equal(outcome.get("status"), "Rejected", f"{step}: GetCompositeScheduleResponse status")
    require(outcome.get("schedule") is None, f"{step}: a Rejected GetCompositeScheduleResponse carries a schedule")


def merged(periods: list[dict[str, Any]]) -> list[tuple[int, float]]:
    """(startPeriod, limit) with consecutive equal limits joined: splitting a period changes no limit."""
    joined: list[tuple[int, float]] = []
    for period in periods:
        start, limit = int(period["startPeriod"]), float(period["limit"])
        if joined and abs(joined[-1][1] - limit) <= LIMIT_RESOLUTION:
            continue
        joined.append((start, limit))
    return joined


def require_periods(schedule: dict[str, Any], expected: list[Expected], tolerance_s: float, step: str) -> None:
    """The composite's first periods are `expected`, in order: each limit as given, each start within
    `tolerance_s` of the instant the profiles change the limit (Part 6's "x" is the delay before scheduleStart).
    """
    start = parse_rfc3339(str(schedule.get("scheduleStart")))
    actual = merged(schedule["chargingSchedulePeriod"])
    shown = ", ".join(f"{s} s: {limit:g}" for s, limit in actual)
    require(
        len(actual) >= len(expected),
        f"{step}: the composite schedule has {len(actual)} distinct period(s) ({shown}), expected {len(expected)}",
    )
    for index, (want, (got_start, got_limit)) in enumerate(zip(expected, actual, strict=False)):
        offset = 0.0 if want.at is None else want.at - start
        require(
            abs(got_start - offset) <= tolerance_s,
            f"{step}: period {index} starts at {got_start} s, expected {offset:.0f} s +/- {tolerance_s:g} s ({shown})",
        )
        if want.limit is not None:
            require(
                abs(got_limit - want.limit) <= LIMIT_RESOLUTION,
                f"{step}: period {index} has limit {got_limit:g}, expected {want.limit:g} ({shown})",
            )
