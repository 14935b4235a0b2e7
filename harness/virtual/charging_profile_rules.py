"""When a SetChargingProfileRequest is Rejected (K01), as one table: the first rule a profile breaks decides the
reasonCode (reason codes from the 2.0.1 Part 2 appendix). A profile that breaks none is Accepted.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from harness.virtual.charging_profile import EXTERNAL, MAX_PROFILE, RECURRENCE_S, TX, TX_DEFAULT, ChargingProfile


@dataclass(frozen=True)
class Candidate:
    """A profile the CSMS wants installed, and what the station knows to judge it."""

    profile: ChargingProfile
    enabled: bool  # SmartChargingCtrlr.Enabled
    evse_ids: frozenset[int]  # the EVSEs that exist (0, the station, always does)
    transaction_id: str | None  # the transaction running on the profile's EVSE
    installed: tuple[ChargingProfile, ...]
    rate_units: frozenset[str]  # SmartChargingCtrlr.RateUnit
    max_stack_level: int  # SmartChargingCtrlr.ProfileStackLevel
    periods_per_schedule: int  # SmartChargingCtrlr.PeriodsPerSchedule
    max_entries: int  # maxLimit of SmartChargingCtrlr.Entries(ChargingProfiles)
    supply_phases: int  # ChargingStation.SupplyPhases


@dataclass(frozen=True)
class Rule:
    """`broken(candidate)` true means Rejected with `reason_code`; `why` names the requirement and the reason."""

    why: str
    reason_code: str
    broken: Callable[[Candidate], bool]


def _tx(c: Candidate) -> bool:
    return c.profile.purpose == TX


def _conflicts(c: Candidate) -> bool:
    """Another id with the same purpose and stack level whose validity overlaps, on the same EVSE or (for default
    profiles) between the station-wide one and an EVSE's own: which one would win is undefined.
    """
    new = c.profile
    for old in c.installed:
        if old.id == new.id or old.purpose != new.purpose or old.stack_level != new.stack_level:
            continue
        shared = old.evse_id == new.evse_id or (new.purpose == TX_DEFAULT and 0 in (old.evse_id, new.evse_id))
        if shared and old.validity_overlaps(new):
            return True
    return False


def _bad_period(c: Candidate) -> bool:
    """Limits and durations are never negative; numberPhases is 1..SupplyPhases (K01.FR.45); phaseToUse would need
    AC phase switching, which this station does not have (K01.FR.19, K01.FR.20).
    """
    profile = c.profile
    if (profile.duration_s is not None and profile.duration_s < 0) or (profile.min_rate or 0.0) < 0:
        return True
    return any(
        p.limit < 0 or not 1 <= p.phases <= c.supply_phases or p.phase_to_use is not None for p in profile.periods
    )


def _never_valid(c: Candidate) -> bool:
    valid_from, valid_to = c.profile.valid_from, c.profile.valid_to
    return valid_from is not None and valid_to is not None and valid_to <= valid_from


def _beyond_recurrence(c: Candidate) -> bool:
    cycle = RECURRENCE_S.get(c.profile.recurrency or "", 0)
    return c.profile.kind == "Recurring" and any(p.start_s >= cycle for p in c.profile.periods)


SET_PROFILE_RULES: tuple[Rule, ...] = (
    Rule("SmartChargingCtrlr.Enabled is false", "NotEnabled", lambda c: not c.enabled),
    Rule(
        "K01.FR.22: external constraints come from the external system",
        "InvalidValue",
        lambda c: c.profile.purpose == EXTERNAL,
    ),
    Rule("K01.FR.28: no such EVSE", "UnknownEvse", lambda c: c.profile.evse_id not in c.evse_ids),
    Rule("K01.FR.16: a TxProfile belongs to one EVSE", "InvalidValue", lambda c: _tx(c) and c.profile.evse_id == 0),
    Rule(
        "K01.FR.03: a TxProfile names its transaction",
        "MissingParam",
        lambda c: _tx(c) and c.profile.transaction_id is None,
    ),
    Rule("K01.FR.09: no transaction on the EVSE", "TxNotFound", lambda c: _tx(c) and c.transaction_id is None),
    Rule(
        "K01.FR.33: not the transaction on the EVSE",
        "TxNotFound",
        lambda c: _tx(c) and c.profile.transaction_id != c.transaction_id,
    ),
    Rule(
        "the station's maximum is set on EVSE 0 only",
        "InvalidValue",
        lambda c: c.profile.purpose == MAX_PROFILE and c.profile.evse_id != 0,
    ),
    Rule(
        "the station's maximum has no transaction to be relative to",
        "InvalidProfile",
        lambda c: c.profile.purpose == MAX_PROFILE and c.profile.kind == "Relative",
    ),
    Rule("K01.FR.26: unit not in RateUnit", "UnsupportedRateUnit", lambda c: c.profile.unit not in c.rate_units),
    Rule(
        "stackLevel beyond 0..ProfileStackLevel",
        "InvalidStackLevel",
        lambda c: not 0 <= c.profile.stack_level <= c.max_stack_level,
    ),
    Rule(
        "more than one schedule is for an ISO 15118 EV to choose from; not offered",
        "InvalidSchedule",
        lambda c: c.profile.schedule_count > 1,
    ),
    Rule(
        "more periods than PeriodsPerSchedule",
        "TooManyElements",
        lambda c: len(c.profile.periods) > c.periods_per_schedule,
    ),
    Rule("K01.FR.31: the first period starts at 0", "InvalidSchedule", lambda c: c.profile.periods[0].start_s != 0),
    Rule(
        "K01.FR.35: periods in increasing startPeriod",
        "InvalidSchedule",
        lambda c: any(a.start_s >= b.start_s for a, b in itertools.pairwise(c.profile.periods)),
    ),
    Rule(
        "K01.FR.40: Absolute and Recurring need startSchedule",
        "InvalidSchedule",
        lambda c: c.profile.kind != "Relative" and c.profile.start_schedule is None,
    ),
    Rule(
        "K01.FR.41: Relative has no startSchedule",
        "InvalidSchedule",
        lambda c: c.profile.kind == "Relative" and c.profile.start_schedule is not None,
    ),
    Rule(
        "Recurring needs recurrencyKind",
        "InvalidProfile",
        lambda c: c.profile.kind == "Recurring" and c.profile.recurrency is None,
    ),
    Rule("a period starts after its recurrence ends", "InvalidSchedule", _beyond_recurrence),
    Rule("validTo not after validFrom", "InvalidProfile", _never_valid),
    Rule("negative limit or duration, or unsupported phases", "InvalidSchedule", _bad_period),
    Rule("K01.FR.06: same purpose and stack level, overlapping validity", "DuplicateProfile", _conflicts),
    Rule(
        "Entries(ChargingProfiles) is at its maxLimit",
        "OutOfStorage",
        lambda c: len([p for p in c.installed if p.id != c.profile.id]) >= c.max_entries,
    ),
)


def first_broken(candidate: Candidate) -> Rule | None:
    """The rule that rejects `candidate`, or None when it may be installed."""
    return next((rule for rule in SET_PROFILE_RULES if rule.broken(candidate)), None)
