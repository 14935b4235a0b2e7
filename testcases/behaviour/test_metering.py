"""Measured behaviour, metering: what the station's meter reports against what a reference analyser measures."""

from __future__ import annotations

import asyncio
import time

from harness.bench_states import supplied_at_nominal
from harness.catalogue import measured_case
from harness.checks import require
from harness.config import Lab
from harness.evaluation.energy import compare_energy, integrate_samples, reference_consistent
from harness.evidence import Evidence
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, expect_transaction_event
from harness.verdict import Inconclusive, LabError
from instruments.capabilities import GridSimulator, PowerAnalyzer

BLOCK = "Metering"
ENERGY = "Energy.Active.Import.Register"
SAMPLE_PERIOD_S = 1.0  # the tender procedures ask for a reference meter read at 1 Hz or faster
IDLE_POWER_W = 50.0  # below this the station counts as not drawing power
SETTLE_LIMIT_S = 30.0


def _register(event: Received, context: str, step: str) -> float:
    """The Energy.Active.Import.Register value of `context` in a TransactionEvent (its absence is the DUT's fault)."""
    for meter_value in event.get("meterValue") or []:
        for sampled in meter_value.get("sampledValue") or []:
            if sampled.get("measurand", ENERGY) == ENERGY and sampled.get("context") == context:
                return float(sampled["value"])
    require(False, f"{step}: the {event.get('eventType')} event carries no {ENERGY} with context {context}")
    raise AssertionError("unreachable")


async def _power(analyser: PowerAnalyzer) -> float:
    return (await asyncio.to_thread(analyser.measure, "sigma")).active_power_w


async def _settle_idle(analyser: PowerAnalyzer, what: str) -> None:
    deadline = time.monotonic() + SETTLE_LIMIT_S
    while abs(await _power(analyser)) > IDLE_POWER_W:
        if time.monotonic() > deadline:
            raise Inconclusive(f"the station still draws power {what} after {SETTLE_LIMIT_S:g} s")
        await asyncio.sleep(SAMPLE_PERIOD_S / 2)


async def _sample_for(analyser: PowerAnalyzer, seconds: float, samples: list[tuple[float, float]]) -> None:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        samples.append((time.monotonic(), await _power(analyser)))
        await asyncio.sleep(SAMPLE_PERIOD_S)


@measured_case(
    "TC_BEH_MTR_02", "Energy register against a reference analyser over a transaction", BLOCK,
    ["MTR-02", "MID 2014/32/EU annex V (MI-003) accuracy class"], instruments=["analyser"],
    needs=["remote_start_stop"],
)  # fmt: skip
async def test_TC_BEH_MTR_02(
    ctx: CaseContext, analyser: PowerAnalyzer, grid_if_present: GridSimulator | None, lab: Lab, evidence: Evidence
) -> None:
    """The station's register delta over a transaction matches the analyser's integrated energy within class.

    Both registers are read while no power flows (before energy transfer starts, and after the EV has suspended),
    so the comparison does not depend on when either side sampled. With a grid simulator on the bench, the
    station is supplied from it at nominal voltage and frequency, so the reference sees a defined supply.
    """
    if grid_if_present is not None:
        await supplied_at_nominal(grid_if_present, lab)
    await configure(ctx.csms, [
        ("SampledDataCtrlr", "TxStartedMeasurands", ENERGY),
        ("SampledDataCtrlr", "TxEndedMeasurands", ENERGY),
    ])  # fmt: skip
    await _settle_idle(analyser, "before the transaction")
    await asyncio.to_thread(analyser.start_integration)
    tx: Transaction = ctx.new_transaction()
    samples: list[tuple[float, float]] = [(time.monotonic(), await _power(analyser))]
    await states.energy_transfer_started(ctx, tx)
    await _sample_for(analyser, ctx.cfg.measured_charging_s, samples)

    await ctx.dut.ev_suspend(tx.evse_id)
    await expect_transaction_event(
        ctx.csms, tx, "with chargingState SuspendedEV",
        extra=lambda r: r.get("transactionInfo.chargingState") == "SuspendedEV",
    )  # fmt: skip
    await _settle_idle(analyser, "after the EV suspended")
    samples.append((time.monotonic(), await _power(analyser)))
    ended = await states.stop_authorized(ctx, tx, "remote")
    if ended.get("eventType") != "Ended":
        ended = await expect_transaction_event(
            ctx.csms, tx, "Ended", extra=lambda r: r.get("eventType") == "Ended"
        )  # fmt: skip
    await asyncio.to_thread(analyser.stop_integration)
    reference = await asyncio.to_thread(analyser.energy, "sigma")

    sampled_wh = integrate_samples(samples)
    evidence.measurement("analyser", {
        "integrated_import_wh": reference.import_wh, "integrated_export_wh": reference.export_wh,
        "elapsed_s": reference.elapsed_s, "sampled_wh": round(sampled_wh, 3), "samples": len(samples),
    })  # fmt: skip
    if not reference_consistent(reference.net_wh, sampled_wh):
        raise LabError(
            f"the analyser integrated {reference.net_wh:.2f} Wh but its own power readings add up to "
            f"{sampled_wh:.2f} Wh: it cannot serve as the reference"
        )
    require(reference.net_wh > 1.0, f"no energy flowed during the transaction ({reference.net_wh:.2f} Wh measured)")

    started = next((e for e in tx.events if e.get("eventType") == "Started"), None)
    require(started is not None, "no Started event of the transaction was seen")
    assert started is not None
    station_wh = _register(ended, "Transaction.End", "Ended") - _register(started, "Transaction.Begin", "Started")
    analyser_entry = lab.instruments["analyser"]
    assert analyser_entry.accuracy_pct is not None  # the lab model requires it
    result = compare_energy(station_wh, reference.net_wh, ctx.cfg.meter_accuracy_pct, analyser_entry.accuracy_pct)
    evidence.measurement("energy comparison", result.as_dict())
    require(
        result.within,
        f"the station registered {station_wh:.1f} Wh, the reference measured {reference.net_wh:.2f} Wh: "
        f"{result.deviation_pct:+.2f} % ({result.deviation_wh:+.2f} Wh) exceeds the allowed "
        f"±{result.allowed_wh:.2f} Wh "
        f"(class {ctx.cfg.meter_accuracy_pct:g} % + reference {analyser_entry.accuracy_pct:g} % + resolution)",
    )
