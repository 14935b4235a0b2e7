"""Offline periods of Part 6 block E: the CSMS closes the WebSocket and refuses reconnects for a while, then
accepts the station again; its queued TransactionEvents follow."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.checks import require, require_equal
from harness.ocpp.channel import Reply
from harness.ocpp.messages import Received
from harness.ocpp.v201.responders import default_responders
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, expect_transaction_event
from harness.verdict import LabError

OFFLINE_MARGIN_S = 60  # Part 6: OfflineThreshold is the back-off wait plus 60 s, so no reconnect report follows


def backoff_wait_s(ctx: CaseContext) -> int:
    """<Configured RetryBackOffWaitMinimum_duration>: longer than the sampling interval, as Part 6 requires, so
    at least two samples are queued while the station is offline."""
    return ctx.cfg.sampled_interval_s * 2 + 1


def refusal_s(ctx: CaseContext, wait_s: int) -> float:
    """How long reconnects are refused: the back-off wait, less the clock slack, so a station that keeps its
    back-off exactly is not refused once more by a race between its timer and ours."""
    return max(wait_s - ctx.timing.clock_slack_s, 0.0)


async def offline_configuration(ctx: CaseContext, wait_s: int) -> None:
    """The Configuration State of the offline E cases: sampled values at an interval, a fixed back-off."""
    await configure(
        ctx.csms,
        [
            ("SampledDataCtrlr", "TxUpdatedInterval", str(ctx.cfg.sampled_interval_s)),
            ("OCPPCommCtrlr", "OfflineThreshold", str(wait_s + OFFLINE_MARGIN_S)),
            ("OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(wait_s)),
            ("OCPPCommCtrlr", "RetryBackOffRandomRange", "0"),
        ],
    )


@asynccontextmanager
async def offline(ctx: CaseContext) -> AsyncIterator[None]:
    """Close the connection and refuse reconnects inside the block; the endpoint serves again after it."""
    server = ctx.server
    if server is None:
        raise LabError("an offline period needs the CSMS server, which this bench did not provide")
    server.refused_endpoints.add(server.prefix)
    try:
        await ctx.csms.drop_connection("offline period of the test case")
        await _disconnected(ctx)
        yield
    finally:
        server.refused_endpoints.discard(server.prefix)


async def _disconnected(ctx: CaseContext) -> None:
    deadline = asyncio.get_running_loop().time() + ctx.timing.message_timeout_s
    while ctx.csms.connected:
        if asyncio.get_running_loop().time() > deadline:
            raise LabError("the CSMS could not close the station's connection")
        await asyncio.sleep(0.05)


async def reconnected(ctx: CaseContext, wait_s: int) -> datetime:
    """The station is back (a refused attempt doubles its wait once); returns the wall-clock moment."""
    await ctx.csms.wait_connected(wait_s * 3 + ctx.timing.time_tolerance_s)
    return datetime.now(UTC)


async def queued_events(ctx: CaseContext, tx: Transaction, since: int, back_at: datetime) -> list[Received]:
    """The TransactionEvents of `tx` the station made while offline and delivered after `since`: those up to the
    first one stamped after the reconnect (periodic samples keep coming while the transaction runs)."""
    slack = timedelta(seconds=ctx.timing.clock_slack_s)
    queued: list[Received] = []
    while True:
        event = await expect_transaction_event(
            ctx.csms, tx, "delivered after the reconnect",
            timeout=ctx.cfg.sampled_interval_s + ctx.timing.time_tolerance_s, extra=lambda r: r.index >= since,
        )  # fmt: skip
        if datetime.fromisoformat(str(event.get("timestamp"))) >= back_at - slack:
            return queued
        queued.append(event)


def hold_transaction_events(ctx: CaseContext) -> asyncio.Event:
    """Answer TransactionEvents only once the returned event is set (the station's queue stays as it is)."""
    release = asyncio.Event()
    answer = default_responders(ctx.profile)["TransactionEvent"]

    async def held(received: Received) -> Reply:
        await release.wait()
        result = answer(received)
        assert isinstance(result, dict)  # the default TransactionEvent answer is a plain payload
        return result

    ctx.csms.respond("TransactionEvent", held)
    return release


def check_queued_updates(events: list[Received], step: str) -> None:
    """Every TransactionEvent the station queued while offline: Updated, with meter values, offline true."""
    require(bool(events), f"{step}: no TransactionEvent marked offline was delivered after the reconnect")
    for event in events:
        require_equal(event.get("eventType"), "Updated", f"{step}: eventType of a queued TransactionEvent")
        meter: Any = event.get("meterValue")
        require(bool(meter), f"{step}: a queued TransactionEvent carries no meterValue")
        require_equal(event.get("offline"), True, f"{step}: offline of a queued TransactionEvent")
