"""MaxEnergyOnInvalidId (E05, C15) judged from the station's own meter values.

The energy delivered after the CSMS invalidated the idToken is bounded from below by the difference between the
last energy register reading and the first one sampled after the invalidation: a station is failed only for energy
it certainly delivered. Part 2 leaves open whether the cap counts from the start of the transaction or from the
invalidation; a station that stops at once satisfies both readings, one that keeps charging satisfies neither.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta
from typing import Any

from harness.checks import require
from harness.ocpp.messages import Received
from harness.ocpp.v201.offline_auth import stamp
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, expect_transaction_event
from harness.verdict import DutTimeout, Nonconformity

ENERGY = "Energy.Active.Import.Register"
# Two register readings rounded to 0.1 Wh, and the contactor's last fraction of a second.
TOLERANCE_WH = 0.5
SLOWEST_CHARGING_W = 1000.0  # how long the cap may take at most is judged at this power


def register_wh(event: Received) -> float | None:
    """The last energy register reading (whole EVSE, not per phase) a TransactionEvent carries, in Wh."""
    reading: float | None = None
    meter_values: Any = event.get("meterValue") or []
    for meter_value in meter_values:
        for sampled in meter_value.get("sampledValue", []):
            if sampled.get("measurand", ENERGY) != ENERGY or sampled.get("phase") is not None:
                continue
            unit = sampled.get("unitOfMeasure", {})
            scale = 1000.0 if unit.get("unit", "Wh") == "kWh" else 1.0
            reading = float(sampled["value"]) * scale * 10 ** int(unit.get("multiplier", 0))
    return reading


def _energy_stopped(event: Received) -> bool:
    state = event.get("transactionInfo.chargingState")
    return event.get("eventType") == "Ended" or (state is not None and state != "Charging")


async def require_energy_capped(
    ctx: CaseContext, tx: Transaction, invalid_at: datetime, cap_wh: int, step: str
) -> None:
    """After the invalidation at most `cap_wh` (plus TOLERANCE_WH) flows, then the station reports the energy stopped
    (a chargingState other than Charging, or Ended); a last reading after that settles the count."""
    after = invalid_at + timedelta(seconds=ctx.timing.clock_slack_s)
    limit_s = ctx.timing.message_timeout_s + ctx.timing.time_tolerance_s + cap_wh * 3600.0 / SLOWEST_CHARGING_W
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    readings: list[float] = []

    def delivered() -> float:
        return readings[-1] - readings[0] if readings else 0.0

    def take(event: Received) -> None:
        reading = register_wh(event)
        if reading is not None:
            readings.append(reading)
        require(
            delivered() <= cap_wh + TOLERANCE_WH,
            f"{step}: at least {delivered():.1f} Wh delivered after the idToken was invalidated "
            f"(MaxEnergyOnInvalidId {cap_wh} Wh)",
        )

    while True:
        remaining = deadline - loop.time()
        require(remaining > 0, f"{step}: energy still flows {limit_s:.0f} s after the idToken was invalidated")
        try:
            event = await expect_transaction_event(
                ctx.csms, tx, "made after the idToken was invalidated", timeout=remaining,
                extra=lambda r: stamp(r) >= after,
            )  # fmt: skip
        except DutTimeout as exc:
            raise Nonconformity(f"{step}: the energy did not stop within {limit_s:.0f} s of the invalidation") from exc
        take(event)
        if _energy_stopped(event):
            break
    settle = ctx.cfg.sampled_interval_s + ctx.timing.time_tolerance_s
    with contextlib.suppress(DutTimeout):  # without a further sample the last reading stands
        later = await expect_transaction_event(
            ctx.csms, tx, "with a reading after the stop", timeout=settle,
            extra=lambda r: r.index > event.index and register_wh(r) is not None,
        )  # fmt: skip
        take(later)
    ctx.csms.evidence.measurement(
        "energy after the invalidation",
        {"readings_wh": readings, "delivered_at_least_wh": round(delivered(), 1), "cap_wh": cap_wh},
    )
