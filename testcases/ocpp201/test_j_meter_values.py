"""Block J, Meter values: clock-aligned (J01) and sampled (J02) meter data."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, expect_transaction_event, read_variable

BLOCK = "J Meter values"
ENERGY = "Energy.Active.Import.Register"


def _check_sampled(meter_value: dict[str, Any], context: str, measurands: list[str], where: str) -> None:
    """Tool validation shared by J cases: context of the first sample, one sample per configured measurand."""
    sampled = meter_value.get("sampledValue") or []
    require(bool(sampled), f"{where}: meterValue without sampledValue")
    require_equal(sampled[0].get("context", "Sample.Periodic"), context, f"{where}: sampledValue[0].context")
    present = {s.get("measurand", ENERGY) for s in sampled}
    missing = [m for m in measurands if m not in present]
    require(not missing, f"{where}: no sampledValue for the configured measurand {missing[0] if missing else ''}")


async def _measurands(ctx: CaseContext, comp: str, var: str) -> list[str]:
    value = await read_variable(ctx.csms, comp, var)
    return [m.strip() for m in (value or ENERGY).split(",") if m.strip()]


async def _expect_sampled_event(
    ctx: CaseContext, tx: Transaction, trigger: str, context: str, measurands: list[str], interval: int, step: str
) -> Received:
    """A TransactionEvent of `tx` with `trigger`, within one interval plus tolerance, carrying the configured values."""
    event = await expect_transaction_event(
        ctx.csms, tx, f"with triggerReason {trigger}", timeout=interval + ctx.timing.time_tolerance_s,
        extra=lambda r: r.get("triggerReason") == trigger,
    )  # fmt: skip
    meter_values = event.get("meterValue") or []
    require(bool(meter_values), f"{step}: the {trigger} event carries no meterValue")
    _check_sampled(meter_values[0], context, measurands, f"{step}: TransactionEventRequest")
    return event


def _timestamp(received: Received) -> datetime:
    return datetime.fromisoformat(str(received.get("meterValue.0.timestamp")))


def _check_intervals(ctx: CaseContext, messages: list[Received], interval: int, variable: str) -> None:
    """Post-scenario validation: distinct sample timestamps lie exactly one configured interval apart (several
    messages may share one timestamp when the data does not fit in one)."""
    stamps = sorted({_timestamp(m) for m in messages})
    for earlier, later in itertools.pairwise(stamps):
        gap = (later - earlier).total_seconds()
        require(
            abs(gap - interval) <= ctx.timing.clock_slack_s,
            f"sample timestamps {earlier.isoformat()} and {later.isoformat()} are {gap:g} s apart; "
            f"{variable} is {interval} s",
        )


@ocpp201_case(
    "TC_J_01_CS", "Clock-aligned meter values - no transaction", BLOCK, ["J01"],
    ["J01.FR.01", "J01.FR.02", "J01.FR.03", "J01.FR.06", "J01.FR.07", "J01.FR.08", "J01.FR.14", "J01.FR.15"],
    needs=["aligned_meter_values"],
)  # fmt: skip
async def test_TC_J_01_CS(ctx: CaseContext) -> None:
    """With AlignedDataCtrlr.Interval set, an idle station sends Sample.Clock meter values at that interval."""
    interval = ctx.cfg.aligned_interval_s
    await configure(ctx.csms, [("AlignedDataCtrlr", "Interval", str(interval))])
    measurands = await _measurands(ctx, "AlignedDataCtrlr", "Measurands")
    received: list[Received] = []
    while len(received) < 3:
        message = await ctx.csms.expect("MeterValues", timeout=interval + ctx.timing.time_tolerance_s)
        _check_sampled(message.get("meterValue.0", {}), "Sample.Clock", measurands, "MeterValuesRequest")
        received.append(message)
    _check_intervals(ctx, received, interval, "AlignedDataCtrlr.Interval")


@ocpp201_case(
    "TC_J_02_CS", "Clock-aligned meter values - transaction ongoing", BLOCK, ["J01"],
    ["J01.FR.01", "J01.FR.02", "J01.FR.03", "J01.FR.06", "J01.FR.07", "J01.FR.08", "J01.FR.14", "J01.FR.15"],
    needs=["aligned_meter_values", "local_authorization"],
)  # fmt: skip
async def test_TC_J_02_CS(ctx: CaseContext) -> None:
    """During a transaction clock-aligned values come as TransactionEvent MeterValueClock (or MeterValues)."""
    interval = ctx.cfg.aligned_interval_s
    await configure(
        ctx.csms, [("AlignedDataCtrlr", "Interval", str(interval)), ("AlignedDataCtrlr", "SendDuringIdle", "false")]
    )
    measurands = await _measurands(ctx, "AlignedDataCtrlr", "Measurands")
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    await _expect_sampled_event(ctx, tx, "MeterValueClock", "Sample.Clock", measurands, interval, "step 3")


@ocpp201_case(
    "TC_J_07_CS", "Sampled meter values - eventType Started, EVSE known", BLOCK, ["J02", "E01"],
    ["J02.FR.01", "J02.FR.02", "J02.FR.03", "J02.FR.04", "J02.FR.10", "E01.FR.09", "E02.FR.09", "E03.FR.07"],
    needs=["sampled_meter_values", "local_authorization"],
)  # fmt: skip
async def test_TC_J_07_CS(ctx: CaseContext) -> None:
    """The Started event carries Transaction.Begin values for every TxStartedMeasurands measurand."""
    await configure(ctx.csms, [("TxCtrlr", "TxStartPoint", "EVConnected")])
    ctx.tx_start_point = ["EVConnected"]
    measurands = await _measurands(ctx, "SampledDataCtrlr", "TxStartedMeasurands")
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await states.energy_transfer_started(ctx, tx)
    started = next(e for e in tx.events if e.get("eventType") == "Started")
    meter_values = started.get("meterValue") or []
    require(bool(meter_values), "post scenario: the Started TransactionEvent carries no meterValue")
    _check_sampled(meter_values[0], "Transaction.Begin", measurands, "post scenario: Started event")


@ocpp201_case(
    "TC_J_09_CS", "Sampled meter values - eventType Updated", BLOCK, ["J02", "E02", "E03"],
    ["J02.FR.01", "J02.FR.02", "J02.FR.03", "J02.FR.04", "J02.FR.10", "J02.FR.11", "J02.FR.14",
     "E02.FR.10", "E02.FR.11", "E03.FR.08", "E03.FR.09"],
    needs=["sampled_meter_values", "local_authorization"],
)  # fmt: skip
async def test_TC_J_09_CS(ctx: CaseContext) -> None:
    """With TxUpdatedInterval set, Updated events (MeterValuePeriodic) carry Sample.Periodic values at that interval.

    The energy register in those samples must never go down (the general meter-value plausibility rule).
    """
    interval = ctx.cfg.sampled_interval_s
    await configure(ctx.csms, [("SampledDataCtrlr", "TxUpdatedInterval", str(interval))])
    measurands = await _measurands(ctx, "SampledDataCtrlr", "TxUpdatedMeasurands")
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    periodic: list[Received] = []
    while len(periodic) < 3:
        periodic.append(
            await _expect_sampled_event(
                ctx, tx, "MeterValuePeriodic", "Sample.Periodic", measurands, interval, "step 1"
            )
        )
    _check_intervals(ctx, periodic, interval, "SampledDataCtrlr.TxUpdatedInterval")
