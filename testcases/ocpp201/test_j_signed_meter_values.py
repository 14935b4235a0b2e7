"""Block J, Meter values: signed TxEnded data in the Ended event, clock-aligned (J01.FR.21) and sampled (J02.FR.21).

Beyond Part 6's field checks, every signature the format lets the CSMS verify is verified (OCMF with ECDSA against
the station's publicKey), and the signed reading must be the reported one (harness/ocpp/v201/signed_meter.py).
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime
from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require
from harness.ocpp.v201 import states
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.session_end import end_session
from harness.ocpp.v201.signed_meter import check_signed, keys_of
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, read_variable

BLOCK = "J Meter values"
ENERGY = "Energy.Active.Import.Register"
SAMPLES_WANTED = 2  # two data collection moments make the interval between them checkable


async def _measurands(ctx: CaseContext, comp: str) -> list[str]:
    value = await read_variable(ctx.csms, comp, "TxEndedMeasurands")
    return [m.strip() for m in (value or "").split(",") if m.strip()]


def _context(meter_value: dict[str, Any]) -> str:
    sampled = meter_value.get("sampledValue") or [{}]
    return str(sampled[0].get("context", "Sample.Periodic"))


async def _charge_and_end(ctx: CaseContext, interval_s: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """EnergyTransferStarted, charging through SAMPLES_WANTED collection moments, then the end of the session.

    Returns the Ended event's meterValue and every meterValue the transaction sent (for publicKeys sent once).
    """
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    # StopAuthorized waits the configured transaction duration itself; wait the rest of the collection time here.
    remaining = SAMPLES_WANTED * interval_s + ctx.timing.clock_slack_s - ctx.cfg.transaction_duration_s
    await asyncio.sleep(max(remaining, 0.0))
    ended = await end_session(ctx, tx)
    meter_values: list[dict[str, Any]] = ended.get("meterValue") or []
    require(bool(meter_values), "post scenario: the Ended TransactionEvent carries no meterValue")
    sent = [m for event in tx.events for m in (event.get("meterValue") or [])]
    return meter_values, sent


def _check_elements(
    ctx: CaseContext, elements: list[dict[str, Any]], sent: list[dict[str, Any]], measurands: list[str]
) -> None:
    """Each element: a value per configured measurand, each signed (and verified where the format allows)."""
    keys = keys_of(sent)
    for index, meter_value in enumerate(elements):
        where = f"post scenario: Ended event meterValue[{index}]"
        sampled = meter_value.get("sampledValue") or []
        present = {s.get("measurand", ENERGY) for s in sampled}
        missing = [m for m in measurands if m not in present]
        require(not missing, f"{where}: no sampledValue for the configured measurand {missing[0] if missing else ''}")
        for number, value in enumerate(sampled):
            check_signed(value, keys, f"{where}.sampledValue[{number}]")


def _check_spacing(ctx: CaseContext, elements: list[dict[str, Any]], interval_s: int, variable: str) -> None:
    stamps = sorted({datetime.fromisoformat(str(m.get("timestamp"))) for m in elements})
    for earlier, later in itertools.pairwise(stamps):
        gap = (later - earlier).total_seconds()
        require(
            abs(gap - interval_s) <= ctx.timing.clock_slack_s,
            f"post scenario: TxEnded samples at {earlier.isoformat()} and {later.isoformat()} are {gap:g} s apart; "
            f"{variable} is {interval_s} s",
        )


@ocpp201_case(
    "TC_J_04_CS", "Clock-aligned meter values - signed TxEnded values", BLOCK, ["J01"], ["J01.FR.21"],
    needs=["aligned_meter_values"],
)  # fmt: skip
async def test_TC_J_04_CS(ctx: CaseContext) -> None:
    """With AlignedDataCtrlr.SignReadings true, the clock-aligned values of the Ended event are signed.

    Only the Sample.Clock elements are AlignedDataCtrlr's; a Transaction.End element of the sampled data may sit
    beside them and is not governed by AlignedDataCtrlr.SignReadings.
    """
    interval = ctx.cfg.aligned_interval_s
    await configure(
        ctx.csms,
        [("AlignedDataCtrlr", "TxEndedInterval", str(interval)), ("AlignedDataCtrlr", "SignReadings", "true")],
    )
    await configure_if_implemented(ctx.csms, [("AlignedDataCtrlr", "SendDuringIdle", "false")])
    measurands = await _measurands(ctx, "AlignedDataCtrlr")
    meter_values, sent = await _charge_and_end(ctx, interval)
    clock = [m for m in meter_values if _context(m) == "Sample.Clock"]
    require(bool(clock), "post scenario: the Ended event carries no Sample.Clock value")
    _check_elements(ctx, clock, sent, measurands)
    _check_spacing(ctx, clock, interval, "AlignedDataCtrlr.TxEndedInterval")


@ocpp201_case(
    "TC_J_11_CS", "Sampled meter values - signed TxEnded values", BLOCK, ["J02"], ["J02.FR.21"],
    needs=["sampled_meter_values"],
)  # fmt: skip
async def test_TC_J_11_CS(ctx: CaseContext) -> None:
    """With SampledDataCtrlr.SignReadings true, the Ended event's Sample.Periodic and Transaction.End values are
    signed."""
    interval = ctx.cfg.sampled_interval_s
    await configure(
        ctx.csms,
        [("SampledDataCtrlr", "TxEndedInterval", str(interval)), ("SampledDataCtrlr", "SignReadings", "true")],
    )
    measurands = await _measurands(ctx, "SampledDataCtrlr")
    meter_values, sent = await _charge_and_end(ctx, interval)
    periodic = [m for m in meter_values if _context(m) == "Sample.Periodic"]
    final = [m for m in meter_values if _context(m) == "Transaction.End"]
    require(bool(periodic), "post scenario: the Ended event carries no Sample.Periodic value")
    require(bool(final), "post scenario: the Ended event carries no Transaction.End value")
    _check_elements(ctx, periodic + final, sent, measurands)
    _check_spacing(ctx, periodic, interval, "SampledDataCtrlr.TxEndedInterval")
