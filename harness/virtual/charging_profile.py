"""Charging profiles (OCPP 2.0.1 K01) as the station holds them, and what one profile limits at an instant.

Pure data and pure functions: no clock, no device model. Times are POSIX seconds (float); a profile keeps the
JSON it arrived in, so GetChargingProfiles reports back exactly what the CSMS sent (TC_K_01_CS, TC_K_13_CS).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.virtual.plant import NOMINAL_VOLTAGE_V

DEFAULT_PHASES = 3  # a period without numberPhases means three-phase AC (K01.FR.49)
RECURRENCE_S: dict[str, int] = {"Daily": 86_400, "Weekly": 7 * 86_400}

MAX_PROFILE = "ChargingStationMaxProfile"
EXTERNAL = "ChargingStationExternalConstraints"
TX_DEFAULT = "TxDefaultProfile"
TX = "TxProfile"


def parse_time(text: str | None) -> float | None:
    """An RFC 3339 date-time (already schema-checked) as POSIX seconds."""
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00")).timestamp()


@dataclass(frozen=True)
class Limit:
    """A limit in the unit it was given in; `phases` is what converts between A (per phase) and W (total)."""

    value: float
    unit: str  # "A" or "W"
    phases: int = DEFAULT_PHASES

    def to(self, unit: str) -> float:
        """The same limit in `unit`, at the nominal 230 V."""
        if unit == self.unit:
            return self.value
        per_ampere = NOMINAL_VOLTAGE_V * self.phases
        return self.value * per_ampere if unit == "W" else self.value / per_ampere


@dataclass(frozen=True)
class SchedulePeriod:
    start_s: int
    limit: float
    phases: int
    phase_to_use: int | None


@dataclass(frozen=True)
class ChargingProfile:
    """One installed (or candidate) profile on `evse_id` (0: the whole station). Only its first schedule counts."""

    evse_id: int
    id: int
    stack_level: int
    purpose: str
    kind: str  # Absolute, Relative, Recurring
    recurrency: str | None
    valid_from: float | None
    valid_to: float | None
    transaction_id: str | None
    schedule_count: int
    unit: str
    start_schedule: float | None
    duration_s: int | None
    min_rate: float | None
    periods: tuple[SchedulePeriod, ...]
    wire: dict[str, Any]

    @classmethod
    def from_wire(cls, evse_id: int, data: dict[str, Any]) -> ChargingProfile:
        """From a schema-valid ChargingProfileType."""
        schedule = data["chargingSchedule"][0]
        periods = tuple(
            SchedulePeriod(
                int(p["startPeriod"]),
                float(p["limit"]),
                int(p.get("numberPhases", DEFAULT_PHASES)),
                p.get("phaseToUse"),
            )
            for p in schedule["chargingSchedulePeriod"]
        )
        return cls(
            evse_id=evse_id,
            id=int(data["id"]),
            stack_level=int(data["stackLevel"]),
            purpose=data["chargingProfilePurpose"],
            kind=data["chargingProfileKind"],
            recurrency=data.get("recurrencyKind"),
            valid_from=parse_time(data.get("validFrom")),
            valid_to=parse_time(data.get("validTo")),
            transaction_id=data.get("transactionId"),
            schedule_count=len(data["chargingSchedule"]),
            unit=schedule["chargingRateUnit"],
            start_schedule=parse_time(schedule.get("startSchedule")),
            duration_s=schedule.get("duration"),
            min_rate=schedule.get("minChargingRate"),
            periods=periods,
            wire=data,
        )

    def valid_at(self, at: float) -> bool:
        """validFrom is inclusive, validTo exclusive (K01.FR.36, K01.FR.37)."""
        if self.valid_from is not None and at < self.valid_from:
            return False
        return self.valid_to is None or at < self.valid_to

    def validity_overlaps(self, other: ChargingProfile) -> bool:
        """Whether the two validity windows share an instant (an absent bound is open)."""
        starts = max(self.valid_from or -math.inf, other.valid_from or -math.inf)
        ends = min(self.valid_to or math.inf, other.valid_to or math.inf)
        return starts < ends


def schedule_start(profile: ChargingProfile, relative_start: float) -> float:
    """Where the schedule's second 0 lies. A Relative schedule has no startSchedule (K01.FR.41): the caller says
    where it starts (the transaction's start, or now when there is none). Absolute and Recurring ones carry it
    (K01.FR.40); a Recurring one is anchored there and repeats every day or week.
    """
    if profile.kind == "Relative" or profile.start_schedule is None:
        return relative_start
    return profile.start_schedule


def _offset(profile: ChargingProfile, at: float, relative_start: float) -> float | None:
    """Seconds into the schedule at `at`, or None when the schedule is not running then."""
    offset = at - schedule_start(profile, relative_start)
    if profile.kind == "Recurring":
        offset %= RECURRENCE_S.get(profile.recurrency or "Daily", RECURRENCE_S["Daily"])
    elif offset < 0:
        return None
    if profile.duration_s is not None and offset >= profile.duration_s:
        return None
    return offset


def profile_limit(profile: ChargingProfile, at: float, relative_start: float) -> Limit | None:
    """The limit `profile` sets at `at`; None when it is not valid or its schedule does not cover `at`."""
    if not profile.valid_at(at):
        return None
    offset = _offset(profile, at, relative_start)
    if offset is None:
        return None
    current = None
    for period in profile.periods:
        if period.start_s > offset:
            break
        current = period
    if current is None:
        return None
    return Limit(current.limit, profile.unit, current.phases)


def change_points(profile: ChargingProfile, begin: float, end: float, relative_start: float) -> Iterator[float]:
    """Every instant in (begin, end) at which `profile`'s limit may change, in increasing order."""
    start = schedule_start(profile, relative_start)
    offsets = sorted({p.start_s for p in profile.periods} | {profile.duration_s or 0})
    edges = sorted(t for t in (profile.valid_from, profile.valid_to) if t is not None and begin < t < end)
    if profile.kind == "Recurring":
        cycle = RECURRENCE_S.get(profile.recurrency or "Daily", RECURRENCE_S["Daily"])
        offsets = [o for o in offsets if o < cycle]  # a duration of a cycle or more never ends within one
        first = math.floor((begin - start) / cycle)
        count = math.ceil((end - begin) / cycle) + 2
        starts: Iterator[float] = (start + k * cycle for k in range(first, first + count))
    else:
        starts = iter((start,))
    yield from _merge_sorted(edges, (s + o for s in starts for o in offsets if begin < s + o < end))


def _merge_sorted(edges: list[float], points: Iterator[float]) -> Iterator[float]:
    pending = list(edges)
    for point in points:
        while pending and pending[0] <= point:
            yield pending.pop(0)
        yield point
    yield from pending
