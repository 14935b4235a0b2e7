"""The composite schedule (K08): how installed profiles combine into one limit per EVSE and for the station.

Pure functions over installed profiles; the station supplies the time, the transactions and its local limits.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from harness.virtual.charging_profile import (
    EXTERNAL,
    MAX_PROFILE,
    TX,
    TX_DEFAULT,
    ChargingProfile,
    Limit,
    change_points,
    profile_limit,
)

# How the purposes combine on one EVSE, read top to bottom: within a purpose the highest stack level that has a
# limit at that instant wins; within a slot the first purpose with a limit wins (a TxProfile stands in for the
# TxDefaultProfile while it gives a limit); the EVSE gets the lowest of the slots.
EVSE_SLOTS: tuple[tuple[str, ...], ...] = (
    (MAX_PROFILE,),
    (EXTERNAL,),
    (TX, TX_DEFAULT),
)
# The station as a whole: its own ceilings, and the sum of what each EVSE may draw under the remaining slots.
STATION_SLOTS: tuple[tuple[str, ...], ...] = ((MAX_PROFILE,), (EXTERNAL,))
PER_EVSE_SLOTS: tuple[tuple[str, ...], ...] = ((EXTERNAL,), (TX, TX_DEFAULT))
# Purposes an EVSE inherits from profiles installed on EVSE 0 (K01.FR.14: a TxDefaultProfile on 0 is every EVSE's).
STATION_WIDE = frozenset({MAX_PROFILE, EXTERNAL, TX_DEFAULT})

MAX_COMPOSITE_PERIODS = 1024  # a bounded answer even for a weekly profile over a very long duration


@dataclass(frozen=True)
class EvseContext:
    """What one EVSE contributes: its id, where its Relative schedules start, and its local limit."""

    evse_id: int
    relative_start: float  # the transaction's start, or the evaluation start without a transaction
    local: Limit


def applicable(profiles: Iterable[ChargingProfile], evse_id: int) -> list[ChargingProfile]:
    """Profiles installed on `evse_id` plus the station-wide ones it inherits (evse_id 0: station-wide only)."""
    return [
        p for p in profiles if p.evse_id == evse_id or (p.evse_id == 0 and evse_id != 0 and p.purpose in STATION_WIDE)
    ]


def purpose_limit(profiles: Sequence[ChargingProfile], purpose: str, at: float, relative_start: float) -> Limit | None:
    """The limit of the highest stack level of `purpose` that has one at `at` (K08); on a tie the EVSE's own wins."""
    candidates = sorted((p for p in profiles if p.purpose == purpose), key=lambda p: (-p.stack_level, p.evse_id == 0))
    for profile in candidates:
        limit = profile_limit(profile, at, relative_start)
        if limit is not None:
            return limit
    return None


def lowest(limits: Iterable[Limit | None], unit: str) -> Limit | None:
    """The lowest of the limits that exist, compared in `unit`; None when there is none."""
    present = [limit for limit in limits if limit is not None]
    return min(present, key=lambda limit: limit.to(unit)) if present else None


def slots_limit(
    profiles: Sequence[ChargingProfile], slots: tuple[tuple[str, ...], ...], at: float, relative_start: float, unit: str
) -> Limit | None:
    """The lowest of the slots' limits (see EVSE_SLOTS); None when no profile limits anything at `at`."""
    return lowest((_slot_limit(profiles, slot, at, relative_start) for slot in slots), unit)


def _slot_limit(
    profiles: Sequence[ChargingProfile], slot: tuple[str, ...], at: float, relative_start: float
) -> Limit | None:
    for purpose in slot:
        limit = purpose_limit(profiles, purpose, at, relative_start)
        if limit is not None:
            return limit
    return None


def evse_limit(profiles: Sequence[ChargingProfile], ctx: EvseContext, at: float, unit: str) -> Limit | None:
    """What the profiles allow on one EVSE at `at`, without its local limit."""
    return slots_limit(applicable(profiles, ctx.evse_id), EVSE_SLOTS, at, ctx.relative_start, unit)


def station_limit(
    profiles: Sequence[ChargingProfile], evses: Sequence[EvseContext], at: float, unit: str, *, with_local: bool
) -> Limit | None:
    """What the profiles allow the whole station at `at`: its own ceilings and the sum over its EVSEs.

    Without local limits an EVSE that nothing limits makes the sum unlimited.
    """
    shares = []
    for ctx in evses:
        share = slots_limit(applicable(profiles, ctx.evse_id), PER_EVSE_SLOTS, at, ctx.relative_start, unit)
        if with_local:
            share = lowest([share, ctx.local], unit)
        shares.append(share)
    total = None
    if shares and all(share is not None for share in shares):
        known = [share for share in shares if share is not None]
        total = Limit(sum(share.to(unit) for share in known), unit, max(share.phases for share in known))
    own = slots_limit(applicable(profiles, 0), STATION_SLOTS, at, at, unit)
    return lowest([own, total], unit)


def profile_change_points(
    profiles: Iterable[ChargingProfile], relative_start: float, begin: float, end: float
) -> Iterable[float]:
    """Every instant in (begin, end) where any of `profiles` may change its limit, in increasing order."""
    return heapq.merge(*(change_points(p, begin, end, relative_start) for p in profiles))


def sample(
    limit_at: Callable[[float], Limit], points: Iterable[float], start: float, duration: int, unit: str
) -> tuple[list[dict[str, float | int]], int]:
    """ChargingSchedulePeriods from `start` for `duration` s: one per change of the limit, startPeriod in whole
    seconds. Returns the periods and the duration they cover (shorter only past MAX_COMPOSITE_PERIODS).
    """
    periods: list[dict[str, float | int]] = []
    last: tuple[float, int] | None = None
    offsets = _offsets(points, start, duration)
    for offset in offsets:
        limit = limit_at(start + offset)
        value = (round(limit.to(unit), 1), limit.phases)
        if value == last:
            continue
        if len(periods) == MAX_COMPOSITE_PERIODS:
            return periods, offset
        last = value
        periods.append({"startPeriod": offset, "limit": value[0], "numberPhases": value[1]})
    return periods, duration


def _offsets(points: Iterable[float], start: float, duration: int) -> Iterable[int]:
    yield 0
    previous = 0
    for point in points:
        offset = math.ceil(round(point - start, 3))  # both are whole milliseconds; keep float noise out of ceil
        if offset >= duration:
            return
        if offset > previous:
            previous = offset
            yield offset
