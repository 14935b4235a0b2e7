"""Measured behaviour, smart charging: the power a reference analyser sees follows the limit the CSMS sets."""

from __future__ import annotations

import asyncio
import time

from harness.bench_states import supplied_at_nominal
from harness.catalogue import measured_case
from harness.checks import require
from harness.config import Lab
from harness.evaluation.limits import ceiling, follows_limit
from harness.evidence import Evidence
from harness.ocpp.v201 import charging_profiles as cp
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.verdict import Inconclusive
from instruments.capabilities import GridSimulator, PowerAnalyzer

BLOCK = "Smart charging"
PROFILE_ID = 401
SAMPLE_PERIOD_S = 0.5
SETTLE_S = 30.0  # how long the EV may take to draw power after energy transfer started
REACTION_S = 10.0  # the station's processing plus the 5 s IEC 61851-1 gives the EV to follow a new duty cycle
HOLD_S = 3.0  # how long the limit must keep holding once reached
MIN_LIMIT = {"A": 6.0, "W": 4_140.0}  # IEC 61851-1's lowest AC current (6 A, three phases at 230 V)


async def _reading(analyser: PowerAnalyzer, unit: str, phases: int) -> float:
    """What the limit is compared with: total active power for W, the highest phase current for A."""
    if unit == "W":
        return (await asyncio.to_thread(analyser.measure, "sigma")).active_power_w
    elements = range(1, min(phases, await asyncio.to_thread(analyser.elements)) + 1)
    return max([(await asyncio.to_thread(analyser.measure, element)).current_a for element in elements])


async def _drawing(analyser: PowerAnalyzer, unit: str, phases: int, floor: float) -> float:
    """Wait until the EV draws at least `floor` (bounded): an EV drawing less cannot show a limit biting."""
    deadline = time.monotonic() + SETTLE_S
    while (value := await _reading(analyser, unit, phases)) < floor:
        if time.monotonic() > deadline:
            raise Inconclusive(f"the EV drew {value:.1f} {unit} after {SETTLE_S:g} s; at least {floor:g} is needed")
        await asyncio.sleep(SAMPLE_PERIOD_S)
    return value


@measured_case(
    "TC_BEH_SC_01", "Power follows a charging limit set during a transaction", BLOCK,
    ["K01.FR.32 (a TxDefaultProfile applies to the running transaction)", "K01 (the schedule's limit is a maximum)"],
    instruments=["analyser"], needs=["smart_charging"],
)  # fmt: skip
async def test_TC_BEH_SC_01(
    ctx: CaseContext, analyser: PowerAnalyzer, grid_if_present: GridSimulator | None, lab: Lab, evidence: Evidence
) -> None:
    """While an EV charges unrestricted, the CSMS sets a TxDefaultProfile at half of what it draws: within the
    reaction time the reference analyser must see the power (W) or every phase current (A) at or below that limit,
    and on average it must stay there."""
    if grid_if_present is not None:
        await supplied_at_nominal(grid_if_present, lab)
    settings = await cp.schedule_settings(ctx.csms, prefer="W")  # power is what the reference measures directly
    phases = settings.phases or 1
    await states.energy_transfer_started(ctx, ctx.new_transaction())
    before = await _drawing(analyser, settings.unit, phases, 2 * MIN_LIMIT[settings.unit])
    limit = round(before / 2, 1) if settings.unit == "A" else float(round(before / 2, -1))
    body = cp.profile(PROFILE_ID, "TxDefaultProfile", [settings.exact_period(0, limit)], settings.unit)

    set_at = time.monotonic()
    await cp.require_set(ctx.csms, ctx.cfg.evse_id, body, "setting the limit", "Accepted")
    accuracy = lab.instruments["analyser"].accuracy_pct or 0.0
    top = ceiling(limit, accuracy)
    samples: list[tuple[float, float]] = []
    reached: float | None = None
    while time.monotonic() - set_at <= REACTION_S if reached is None else time.monotonic() - reached <= HOLD_S:
        samples.append((time.monotonic(), await _reading(analyser, settings.unit, phases)))
        if reached is None and samples[-1][1] <= top:
            reached = samples[-1][0]
        await asyncio.sleep(SAMPLE_PERIOD_S)

    result = follows_limit(samples, set_at, limit, accuracy, REACTION_S)
    evidence.measurement("analyser", {"unit": settings.unit, "before": round(before, 2), "samples": samples})
    evidence.measurement("limit followed", result.as_dict())
    require(
        result.reaction_s is not None,
        f"{REACTION_S:g} s after a limit of {limit:g} {settings.unit} the reference still measured "
        f"{samples[-1][1]:.1f} {settings.unit} (ceiling {result.ceiling:g} with the reference's accuracy)",
    )
    require(
        result.within,
        f"the limit of {limit:g} {settings.unit} was reached after {result.reaction_s} s but not held: "
        f"{result.mean_after} {settings.unit} on average afterwards (ceiling {result.ceiling:g})",
    )
