"""How the smart-charging faults bend the station's view of its installed profiles before it combines them.

Each evaluation fault rewrites copies of the profiles (never the installed ones), so the composite schedule the CSMS
reads and the limit the power model follows stay one and the same wrong answer, as in a real faulty station.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from harness.virtual import faults as F
from harness.virtual.charging_profile import EXTERNAL, TX, TX_DEFAULT, ChargingProfile
from harness.virtual.faults import FaultSet


def as_evaluated(
    profiles: Sequence[ChargingProfile],
    faults: FaultSet,
    installed_at: Mapping[int, float],
    first_tx_start: float | None,
) -> list[ChargingProfile]:
    """The profiles as a station with the active faults would combine them; unchanged without faults."""
    chosen = list(profiles)
    if faults.active(F.SC_DEFAULT_IGNORED_MID_TRANSACTION) and first_tx_start is not None:
        # The default is only looked up when a transaction starts: one installed later waits for the next.
        chosen = [p for p in chosen if not (p.purpose == TX_DEFAULT and installed_at.get(p.id, 0.0) > first_tx_start)]
    if faults.active(F.SC_IGNORES_STACK_LEVEL):
        chosen = [dataclasses.replace(p, stack_level=0) for p in chosen]  # the sort is stable: install order wins
    if faults.active(F.SC_TX_PROFILE_NO_PRECEDENCE):
        # A slot of its own: the lowest of TxProfile and TxDefaultProfile wins instead of the TxProfile.
        chosen = [dataclasses.replace(p, purpose=EXTERNAL) if p.purpose == TX else p for p in chosen]
    if faults.active(F.SC_IGNORES_VALIDITY):
        chosen = [dataclasses.replace(p, valid_from=None, valid_to=None) for p in chosen]
    if faults.active(F.SC_IGNORES_START_SCHEDULE):
        chosen = [dataclasses.replace(p, kind="Relative") if p.kind == "Absolute" else p for p in chosen]
    return chosen


def as_reported(wire: dict[str, Any], faults: FaultSet) -> dict[str, Any]:
    """A profile as ReportChargingProfiles carries it: exactly as the CSMS sent it, unless a fault drops a field."""
    if not faults.active(F.SC_REPORT_DROPS_PHASES):
        return wire
    schedules = [
        {**schedule, "chargingSchedulePeriod": [_without_phases(p) for p in schedule["chargingSchedulePeriod"]]}
        for schedule in wire["chargingSchedule"]
    ]
    return {**wire, "chargingSchedule": schedules}


def _without_phases(period: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in period.items() if key != "numberPhases"}
