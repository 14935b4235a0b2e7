"""Smart charging: the profiles the CSMS installs (K01 SetChargingProfile, K05 in RequestStartTransaction,
K09 GetChargingProfiles, K10 ClearChargingProfile), what they add up to (K08 GetCompositeSchedule) and the limit
each EVSE's power follows.

Profiles live as long as the station process: they survive reboots and power cycles (K01.FR.27), a factory reset
clears them, and a TxProfile ends with its transaction. `limit_w`/`limit_a` are the entry points for other parts
of the station (the ISO 15118 SECC puts the limit into its charge-loop answers).
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
from collections.abc import Callable, Iterable
from typing import Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.charging_profile import EXTERNAL, TX, ChargingProfile, Limit
from harness.virtual.charging_profile_rules import Candidate, first_broken
from harness.virtual.clock import Clock
from harness.virtual.composite_schedule import (
    EvseContext,
    applicable,
    evse_limit,
    lowest,
    profile_change_points,
    sample,
    station_limit,
)
from harness.virtual.device_model import DeviceModel
from harness.virtual.evse import Evse
from harness.virtual.faults import FaultSet
from harness.virtual.profile_queries import EXTERNAL_SOURCE, LIMIT_SOURCE, clear_matches, report_matches
from harness.virtual.smart_charging_faults import as_evaluated, as_reported
from harness.virtual.transactions import TransactionEngine

log = logging.getLogger("harness.virtual")

PENDING_TX = "pending-remote-start"  # stands in for the transactionId a RequestStartTransaction profile will get
Response = dict[str, Any]


class SmartCharging:
    """The station's charging profiles and the limits they impose, applied to the EVSEs on every tick."""

    def __init__(
        self,
        dm: DeviceModel,
        clock: Clock,
        engine: TransactionEngine,
        evses: list[Evse],
        faults: FaultSet | None = None,
    ) -> None:
        self._dm = dm
        self._clock = clock
        self._engine = engine
        self._evses = evses
        self._faults = faults or FaultSet()
        self._profiles: list[ChargingProfile] = []
        self._installed_at: dict[int, float] = {}  # profile id -> when it was installed (epoch)
        self._awaiting: dict[int, tuple[dict[str, Any], float]] = {}  # remoteStartId -> (profile, since epoch)
        self._external: dict[int, ChargingProfile] = {}  # evseId -> the limit an external system set (K12)
        dm.bind(dmc.CHARGING_PROFILE_ENTRIES, lambda: str(len(self._profiles)))

    @property
    def profiles(self) -> tuple[ChargingProfile, ...]:
        return tuple(self._profiles)

    def _enabled(self) -> bool:
        return self._dm.get_bool(dmc.SMART_CHARGING_ENABLED)

    def _rate_units(self) -> list[str]:
        if self._faults.active(F.SC_RATE_UNIT_NOT_CHECKED):
            return ["A", "W"]  # the fault: whatever RateUnit says, both units are taken
        return self._dm.get_list(dmc.RATE_UNIT)

    # ------------------------------------------------------------------ K01

    def set_profile(self, request: dict[str, Any]) -> Response:
        """SetChargingProfile: install, replacing a profile with the same id (K01.FR.05), or reject and say why."""
        profile = ChargingProfile.from_wire(int(request["evseId"]), request["chargingProfile"])
        rule = None if self._faults.active(F.SC_ACCEPTS_INVALID_PROFILE) else first_broken(self._candidate(profile))
        if rule is not None:
            log.info("charging profile %d rejected: %s", profile.id, rule.why)
            return {"status": "Rejected", "statusInfo": {"reasonCode": rule.reason_code, "additionalInfo": rule.why}}
        if profile.kind == "Recurring" and self._faults.active(F.SC_RECURRING_REJECTED):
            return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidProfile"}}
        if self._faults.active(F.SC_SAME_ID_NOT_REPLACED) and any(p.id == profile.id for p in self._profiles):
            return {"status": "Accepted"}
        self._install(profile)
        log.info("charging profile %d (%s) installed on EVSE %d", profile.id, profile.purpose, profile.evse_id)
        return {"status": "Accepted"}

    def _candidate(self, profile: ChargingProfile, transaction_id: str | None = None) -> Candidate:
        evse = self._evse(profile.evse_id)
        if transaction_id is None and evse is not None and evse.tx is not None:
            transaction_id = evse.tx.id
        entries = self._dm.spec(dmc.CHARGING_PROFILE_ENTRIES)
        return Candidate(
            profile=profile,
            enabled=self._enabled(),
            evse_ids=frozenset({0, *(e.id for e in self._evses)}),
            transaction_id=transaction_id,
            installed=self.profiles,
            rate_units=frozenset(self._rate_units()),
            max_stack_level=self._dm.get_int(dmc.PROFILE_STACK_LEVEL),
            periods_per_schedule=self._dm.get_int(dmc.PERIODS_PER_SCHEDULE),
            max_entries=int(entries.max_limit) if entries is not None and entries.max_limit is not None else 0,
            supply_phases=self._dm.get_int(dmc.STATION_SUPPLY_PHASES),
        )

    # ------------------------------------------------------------------ K05

    def check_remote_start(self, request: dict[str, Any]) -> str | None:
        """RequestStartTransaction with a chargingProfile (K05): the reasonCode to reject it with, or None.

        The profile must be a TxProfile without a transactionId that would pass SetChargingProfile once its
        transaction exists. With smart charging disabled it is ignored, as a station without it would (F01).
        """
        wire = request.get("chargingProfile")
        if wire is None or not self._enabled():
            return None
        if wire["chargingProfilePurpose"] != TX or "transactionId" in wire:
            return "InvalidProfile"
        evse_id = int(request.get("evseId", self._evses[0].id if self._evses else 0))
        probe = ChargingProfile.from_wire(evse_id, {**wire, "transactionId": PENDING_TX})
        rule = first_broken(self._candidate(probe, PENDING_TX))
        return None if rule is None else rule.reason_code

    def await_remote_start(self, remote_start_id: int, wire: dict[str, Any]) -> None:
        """Keep the profile of an accepted RequestStartTransaction until its transaction exists."""
        if self._enabled() and not self._faults.active(F.SC_REMOTE_START_PROFILE_DROPPED):
            self._awaiting[remote_start_id] = (wire, self._clock.epoch())

    def _adopt_remote_profiles(self, at: float) -> None:
        """The transaction a RequestStartTransaction started gets its TxProfile (K05.FR.03, TC_K_37_CS); the
        profile waits while the authorization is pending and is dropped once no EVSE carries that remoteStartId.
        """
        grace_s = self._dm.get_int(dmc.MESSAGE_TIMEOUT) + 1.0  # the Authorize round trip before the grant
        for remote_start_id, (wire, since) in list(self._awaiting.items()):
            owner = next((e for e in self._evses if _started_by(e, remote_start_id)), None)
            if owner is None:
                if at - since > grace_s and not any(e.authorizing for e in self._evses):
                    del self._awaiting[remote_start_id]
                continue
            if owner.tx is None:
                continue
            del self._awaiting[remote_start_id]
            bound = ChargingProfile.from_wire(owner.id, {**wire, "transactionId": owner.tx.id})
            profile = dataclasses.replace(bound, wire=wire)  # reported as the CSMS sent it
            rule = first_broken(self._candidate(profile))
            if rule is not None:
                log.warning("TxProfile %d of remote start %d not installed: %s", profile.id, remote_start_id, rule.why)
                continue
            self._install(profile)
            log.info("TxProfile %d installed for transaction %s", profile.id, owner.tx.id)

    def _install(self, profile: ChargingProfile) -> None:
        """K01.FR.05: a profile with the id of an installed one replaces it."""
        self._profiles = [p for p in self._profiles if p.id != profile.id] + [profile]
        self._installed_at[profile.id] = self._clock.epoch()

    # ------------------------------------------------------------------ K10

    def clear(self, request: dict[str, Any]) -> Response:
        """ClearChargingProfile: by id (K10.FR.03) or by every criterion given (K10.FR.04); Unknown when nothing
        matched (K10.FR.01). Limits from an external system are not the CSMS's to clear.
        """
        doomed = [p for p in self._profiles if p.purpose != EXTERNAL and clear_matches(p, request)]
        if not doomed:
            return {"status": "Accepted" if self._faults.active(F.SC_CLEAR_UNKNOWN_ACCEPTED) else "Unknown"}
        if self._faults.active(F.SC_CLEAR_NO_OP):
            return {"status": "Accepted"}
        any_evse = "evseId" not in request.get("chargingProfileCriteria", {})
        if any_evse and self._faults.active(F.SC_CLEAR_FIRST_EVSE_ONLY):
            doomed = [p for p in doomed if p.evse_id == min(d.evse_id for d in doomed)]
        self._profiles = [p for p in self._profiles if p not in doomed]
        log.info("charging profiles %s cleared", ",".join(str(p.id) for p in doomed))
        return {"status": "Accepted"}

    def transaction_ended(self, evse: Evse) -> None:
        """A TxProfile lives only as long as its transaction."""
        self._profiles = [p for p in self._profiles if not (p.purpose == TX and p.evse_id == evse.id)]

    def forget_all(self) -> None:
        """Factory reset: no profile survives it."""
        self._profiles = []
        self._external.clear()
        self._awaiting.clear()
        self._installed_at.clear()

    def powered_down(self) -> None:
        """A reboot or power loss: profiles are persistent (K01.FR.27) unless a fault keeps them in RAM."""
        if self._faults.active(F.SC_PROFILES_LOST_ON_REBOOT):
            self.forget_all()

    # ------------------------------------------------------------------ K09

    def report(self, request: dict[str, Any]) -> tuple[Response, list[dict[str, Any]]]:
        """GetChargingProfiles: the answer, and the ReportChargingProfiles to send after it, one per EVSE
        (K09.FR.02).
        """
        every = self._faults.active(F.SC_REPORT_IGNORES_CRITERIA)
        sourced = [(p, LIMIT_SOURCE) for p in self._profiles]
        if not self._faults.active(F.SC_EXTERNAL_LIMIT_UNREPORTED):
            sourced += [(p, EXTERNAL_SOURCE) for p in self._external.values()]
        chosen = [(p, source) for p, source in sourced if every or report_matches(p, request, source)]
        if not chosen:
            return {"status": "NoProfiles"}, []
        at_zero = self._faults.active(F.SC_REPORT_EVSE_ZERO)
        # One report per EVSE and limit source: chargingLimitSource belongs to the report, not to each profile.
        groups = sorted({(0 if at_zero else p.evse_id, source) for p, source in chosen})
        reports = [
            {
                "requestId": request["requestId"],
                "chargingLimitSource": source,
                "evseId": evse_id,
                "chargingProfile": [
                    as_reported(p.wire, self._faults)
                    for p, its_source in chosen
                    if its_source == source and (at_zero or p.evse_id == evse_id)
                ],
                "tbc": index < len(groups) - 1,
            }
            for index, (evse_id, source) in enumerate(groups)
        ]
        return {"status": "Accepted"}, reports

    # ------------------------------------------------------------------ K12, K13

    def set_external(self, profile: ChargingProfile) -> None:
        """An external system (an EMS) limits `profile.evse_id`: a ChargingStationExternalConstraints profile that
        the CSMS can read (K12.FR.05) but neither replace nor clear, and that the power follows like any other."""
        self._external[profile.evse_id] = profile

    def release_external(self, evse_id: int) -> bool:
        """The external system lifts its limit on `evse_id`; False when it had none there."""
        return self._external.pop(evse_id, None) is not None

    # ------------------------------------------------------------------ K08

    def composite(self, request: dict[str, Any]) -> Response:
        """GetCompositeSchedule from now for `duration` s, local limits included (K08.FR.02, K08.FR.03)."""
        units = self._rate_units()
        unit = request.get("chargingRateUnit") or units[0]
        evse_id, duration = int(request["evseId"]), int(request["duration"])
        refusal = None
        if unit not in units:
            refusal = "UnsupportedRateUnit"  # K08.FR.07
        elif evse_id != 0 and self._evse(evse_id) is None and not self._faults.active(F.SC_COMPOSITE_UNKNOWN_EVSE):
            refusal = "UnknownEvse"  # K08.FR.05
        elif duration < 0:
            refusal = "InvalidValue"
        if refusal is not None:
            return {"status": "Rejected", "statusInfo": {"reasonCode": refusal}}
        start = round(self._clock.epoch(), 3)  # scheduleStart carries milliseconds: no artificial first second
        contexts = self._contexts(start)
        profiles = self._in_force() if self._enabled() else []
        known = evse_id if evse_id == 0 or self._evse(evse_id) is not None else 0  # only with the fault above
        periods, covered = sample(
            self._composite_limit(profiles, contexts, known, unit),
            self._change_points(profiles, contexts, known, start, start + duration),
            start,
            duration,
            unit,
        )
        if self._faults.active(F.SC_COMPOSITE_DURATION_TRUNCATED):
            covered = int(periods[-1]["startPeriod"])
        schedule = {
            "evseId": evse_id,
            "duration": covered,
            "scheduleStart": self._clock.stamp_epoch(start),
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": periods,
        }
        return {"status": "Accepted", "schedule": schedule}

    @staticmethod
    def _composite_limit(
        profiles: list[ChargingProfile], contexts: list[EvseContext], evse_id: int, unit: str
    ) -> Callable[[float], Limit]:
        station_local = Limit(sum(ctx.local.to("W") for ctx in contexts), "W")

        def limit_at(at: float) -> Limit:
            if evse_id == 0:
                return station_limit(profiles, contexts, at, unit, with_local=True) or station_local
            ctx = next(c for c in contexts if c.evse_id == evse_id)
            return lowest([evse_limit(profiles, ctx, at, unit), ctx.local], unit) or ctx.local

        return limit_at

    @staticmethod
    def _change_points(
        profiles: list[ChargingProfile], contexts: list[EvseContext], evse_id: int, begin: float, end: float
    ) -> Iterable[float]:
        chosen = [ctx for ctx in contexts if evse_id in (0, ctx.evse_id)]
        streams = [
            profile_change_points(applicable(profiles, ctx.evse_id), ctx.relative_start, begin, end) for ctx in chosen
        ]
        streams.append(profile_change_points(applicable(profiles, 0), begin, begin, end))
        return heapq.merge(*streams)

    # ------------------------------------------------------------------ the limit in force

    def limit(self, evse_id: int, at_epoch: float, unit: str) -> Limit | None:
        """What the profiles allow EVSE `evse_id` (0: the station) at `at_epoch`, in `unit`; None when nothing
        limits it. The EVSE's own rating is not included. Pure: changes nothing.
        """
        if not self._enabled() or (evse_id != 0 and self._evse(evse_id) is None):
            return None
        contexts = self._contexts(at_epoch)
        profiles = self._in_force()
        if evse_id == 0:
            return station_limit(profiles, contexts, at_epoch, unit, with_local=False)
        ctx = next(c for c in contexts if c.evse_id == evse_id)
        return evse_limit(profiles, ctx, at_epoch, unit)

    def _in_force(self) -> list[ChargingProfile]:
        """The installed profiles as this station combines them (a fault may bend that view)."""
        starts = [evse.tx.started_epoch for evse in self._evses if evse.tx is not None]
        installed = self._profiles + list(self._external.values())
        return as_evaluated(installed, self._faults, self._installed_at, min(starts) if starts else None)

    def limit_w(self, evse_id: int, at_epoch: float) -> float | None:
        """The composite limit in W on EVSE `evse_id` at `at_epoch` (A converted at 230 V and the period's
        numberPhases); None when no profile limits it.
        """
        found = self.limit(evse_id, at_epoch, "W")
        return None if found is None else found.to("W")

    def limit_a(self, evse_id: int, at_epoch: float) -> float | None:
        """The same limit as `limit_w`, per phase in A."""
        found = self.limit(evse_id, at_epoch, "A")
        return None if found is None else found.to("A")

    def _contexts(self, at: float) -> list[EvseContext]:
        """Relative schedules count from the transaction's start, or from `at` when there is none."""
        return [
            EvseContext(
                evse.id,
                evse.tx.started_epoch if evse.tx is not None else at,
                Limit(evse.meter.rating_w, "W"),
            )
            for evse in self._evses
        ]

    def _evse(self, evse_id: int) -> Evse | None:
        return next((e for e in self._evses if e.id == evse_id), None)

    def tick(self, at_epoch: float) -> None:
        """Apply the limit in force to every EVSE's power; called on every plant step."""
        self._adopt_remote_profiles(at_epoch)
        for evse in self._evses:
            self._apply(evse, self.limit_w(evse.id, at_epoch))

    def _apply(self, evse: Evse, limit_w: float | None) -> None:
        """A limit of 0 suspends the transfer (SuspendedEVSE) and lifting it resumes; a change of the rate while
        charging by more than LimitChangeSignificance is reported as ChargingRateChanged.
        """
        meter = evse.meter
        before = meter.available_w
        meter.limit_w = None if self._faults.active(F.SC_LIMIT_NOT_APPLIED) else limit_w
        after = meter.available_w
        paused = after <= 0.0
        if paused != evse.limit_paused:
            evse.limit_paused = paused
            self._engine.evaluate(evse, "ChargingStateChanged")
            return
        if after == before:
            return
        charging = evse.charging_state() == "Charging"
        meter.draw(charging)
        significance = float(self._dm.value(dmc.LIMIT_CHANGE_SIGNIFICANCE))
        if charging and evse.tx is not None and abs(after - before) * 100.0 > significance * before:
            self._engine.evaluate(evse, "ChargingRateChanged", force_update=True)


def _started_by(evse: Evse, remote_start_id: int) -> bool:
    return evse.auth is not None and evse.auth.remote_start_id == remote_start_id
