"""Block J, Meter values: the TxEnded data (clock-aligned J01, sampled J02) the Ended TransactionEvent carries."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime
from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.session_end import end_session
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, read_variable

BLOCK = "J Meter values"
ENERGY = "Energy.Active.Import.Register"
ENDED_REQUIREMENTS = [
    "E06.FR.11", "E06.FR.17", "E07.FR.08", "E07.FR.13", "E08.FR.09", "E09.FR.05", "E10.FR.04", "E12.FR.07",
]  # fmt: skip
SAMPLES_WANTED = 2  # two data collection moments make the interval between them checkable


async def _measurands(ctx: CaseContext, comp: str, var: str) -> list[str]:
    value = await read_variable(ctx.csms, comp, var)
    return [m.strip() for m in (value or "").split(",") if m.strip()]


async def _ended_meter_values(ctx: CaseContext, interval_s: int) -> list[dict[str, Any]]:
    """Charge long enough for SAMPLES_WANTED collection moments, end the session, return the Ended meterValue."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    # StopAuthorized waits the configured transaction duration itself; wait the rest of the collection time here.
    remaining = SAMPLES_WANTED * interval_s + ctx.timing.clock_slack_s - ctx.cfg.transaction_duration_s
    await asyncio.sleep(max(remaining, 0.0))
    ended = await end_session(ctx, tx)
    meter_values: list[dict[str, Any]] = ended.get("meterValue") or []
    require(bool(meter_values), "post scenario: the Ended TransactionEvent carries no meterValue")
    return meter_values


def _check_measurands(meter_value: dict[str, Any], measurands: list[str], where: str) -> None:
    present = {s.get("measurand", ENERGY) for s in meter_value.get("sampledValue") or []}
    missing = [m for m in measurands if m not in present]
    require(not missing, f"{where}: no sampledValue for the configured measurand {missing[0] if missing else ''}")


def _check_spacing(ctx: CaseContext, meter_values: list[dict[str, Any]], interval_s: int, variable: str) -> None:
    stamps = sorted({datetime.fromisoformat(str(m.get("timestamp"))) for m in meter_values})
    for earlier, later in itertools.pairwise(stamps):
        gap = (later - earlier).total_seconds()
        require(
            abs(gap - interval_s) <= ctx.timing.clock_slack_s,
            f"post scenario: TxEnded samples at {earlier.isoformat()} and {later.isoformat()} are {gap:g} s apart; "
            f"{variable} is {interval_s} s",
        )


def _first_context(meter_value: dict[str, Any]) -> str:
    sampled = meter_value.get("sampledValue") or [{}]
    return str(sampled[0].get("context", "Sample.Periodic"))


@ocpp201_case(
    "TC_J_03_CS", "Clock-aligned meter values - TxEnded values in the Ended event", BLOCK, ["J01"],
    ["J01.FR.01", "J01.FR.02", "J01.FR.03", "J01.FR.06", "J01.FR.07", "J01.FR.08", "J01.FR.14", "J01.FR.15",
     *ENDED_REQUIREMENTS],
    needs=["aligned_meter_values", "local_authorization"],
)  # fmt: skip
async def test_TC_J_03_CS(ctx: CaseContext) -> None:
    """With AlignedDataCtrlr.TxEndedInterval set, the Ended event carries Sample.Clock values at that interval."""
    interval = ctx.cfg.aligned_interval_s
    await configure(
        ctx.csms,
        [("AlignedDataCtrlr", "TxEndedInterval", str(interval)), ("SampledDataCtrlr", "TxEndedMeasurands", "")],
    )
    await configure_if_implemented(ctx.csms, [("AlignedDataCtrlr", "SendDuringIdle", "false")])
    measurands = await _measurands(ctx, "AlignedDataCtrlr", "TxEndedMeasurands")
    meter_values = await _ended_meter_values(ctx, interval)
    for index, meter_value in enumerate(meter_values):
        where = f"post scenario: Ended event meterValue[{index}]"
        require_equal(_first_context(meter_value), "Sample.Clock", f"{where}.sampledValue[0].context")
        _check_measurands(meter_value, measurands, where)
    _check_spacing(ctx, meter_values, interval, "AlignedDataCtrlr.TxEndedInterval")


@ocpp201_case(
    "TC_J_10_CS", "Sampled meter values - TxEnded values in the Ended event", BLOCK, ["J02"],
    ["J02.FR.01", "J02.FR.02", "J02.FR.03", "J02.FR.04", "J02.FR.10", *ENDED_REQUIREMENTS],
    needs=["sampled_meter_values", "local_authorization"],
)  # fmt: skip
async def test_TC_J_10_CS(ctx: CaseContext) -> None:
    """With SampledDataCtrlr.TxEndedInterval set, the Ended event carries Sample.Periodic values at that interval
    and one Transaction.End value."""
    interval = ctx.cfg.sampled_interval_s
    await configure(
        ctx.csms,
        [("SampledDataCtrlr", "TxEndedInterval", str(interval)), ("AlignedDataCtrlr", "TxEndedMeasurands", "")],
    )
    measurands = await _measurands(ctx, "SampledDataCtrlr", "TxEndedMeasurands")
    meter_values = await _ended_meter_values(ctx, interval)
    periodic = [m for m in meter_values if _first_context(m) == "Sample.Periodic"]
    final = [m for m in meter_values if _first_context(m) == "Transaction.End"]
    others = [_first_context(m) for m in meter_values if m not in periodic and m not in final]
    require(not others, f"post scenario: Ended event meterValue with context {others[0] if others else ''}")
    require(bool(periodic), "post scenario: the Ended event carries no Sample.Periodic value")
    require(bool(final), "post scenario: the Ended event carries no Transaction.End value")
    for index, meter_value in enumerate(meter_values):
        _check_measurands(meter_value, measurands, f"post scenario: Ended event meterValue[{index}]")
    _check_spacing(ctx, periodic, interval, "SampledDataCtrlr.TxEndedInterval")


def _check_clock_values(message: Received, measurands: list[str], step: str) -> None:
    meter_value = message.get("meterValue.0") or {}
    require_equal(_first_context(meter_value), "Sample.Clock", f"{step}: MeterValuesRequest sampledValue[0].context")
    _check_measurands(meter_value, measurands, f"{step}: MeterValuesRequest")


def _clock_data(received: Received) -> bool:
    """A clock-aligned sample, as MeterValues or as a MeterValueClock TransactionEvent."""
    return received.action == "MeterValues" or received.get("triggerReason") == "MeterValueClock"


@ocpp201_case(
    "TC_J_06_CS", "Clock-aligned meter values - none during a transaction (SendDuringIdle)", BLOCK, ["J01"],
    ["J01.FR.01"], needs=["aligned_meter_values", "local_authorization"],
)  # fmt: skip
async def test_TC_J_06_CS(ctx: CaseContext) -> None:
    """With AlignedDataCtrlr.SendDuringIdle true, clock-aligned values come while idle, and not during a
    transaction."""
    interval = ctx.cfg.aligned_interval_s
    wait = interval + ctx.timing.time_tolerance_s
    await configure(
        ctx.csms, [("AlignedDataCtrlr", "Interval", str(interval)), ("AlignedDataCtrlr", "SendDuringIdle", "true")]
    )
    measurands = await _measurands(ctx, "AlignedDataCtrlr", "Measurands")
    _check_clock_values(await ctx.csms.expect("MeterValues", timeout=wait), measurands, "step 1")
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    # Older idle samples may still be unconsumed; only what arrives from here on counts as "during".
    during = len(ctx.csms.inbox)
    await ctx.csms.expect_none(
        ("MeterValues", "TransactionEvent"), lambda r: r.index >= during and _clock_data(r),
        during=interval + ctx.timing.clock_slack_s, what="with clock-aligned data during the transaction",
    )  # fmt: skip
    await end_session(ctx, tx)
    after = len(ctx.csms.inbox)
    message = await ctx.csms.expect("MeterValues", lambda r: r.index >= after, timeout=wait, what="after the end")
    _check_clock_values(message, measurands, "step 7")
