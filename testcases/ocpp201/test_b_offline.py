"""Block B, Provisioning: connector states after an offline period (B04) and the reconnect back-off (Part 4 §5.3).

Offline means the CSMS closed the WebSocket and refuses reconnects (harness/ocpp/v201/offline.py).
"""

from __future__ import annotations

import asyncio

from harness.catalogue import ocpp201_case
from harness.checks import require
from harness.ocpp.v201.offline import offline
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_connector
from harness.verdict import LabError

BLOCK = "B Provisioning"
# <Configured offlineThreshold> of the B04 cases; short, so the cases stay short, and 2 s apart from the back-off.
LONG_OUTAGE_THRESHOLD_S = 1
SHORT_OUTAGE_THRESHOLD_S = 3
RETRY_WAIT_MINIMUM_S = 1  # <Configured RetryBackOffWaitMinimum> of TC_B_57_CS


async def _offline_configuration(ctx: CaseContext, threshold_s: int, wait_s: int) -> None:
    await configure(ctx.csms, [
        ("OCPPCommCtrlr", "OfflineThreshold", str(threshold_s)),
        ("OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(wait_s)),
        ("OCPPCommCtrlr", "RetryBackOffRandomRange", "0"),
    ])  # fmt: skip


async def _plugged_in_while_offline(ctx: CaseContext, offline_s: float, wait_s: int) -> None:
    """Steps 1-3: offline, the EV is connected, reconnects are refused for `offline_s`, then accepted."""
    async with offline(ctx):
        await ctx.dut.plug_in(ctx.cfg.evse_id, ctx.cfg.connector_id)
        await asyncio.sleep(offline_s)
    await ctx.csms.wait_connected(wait_s * 3 + ctx.timing.time_tolerance_s)


@ocpp201_case("TC_B_51_CS", "Status change while offline - longer than OfflineThreshold", BLOCK, ["B04"],
              ["B04.FR.01"], needs=["local_authorization"])  # fmt: skip
async def test_TC_B_51_CS(ctx: CaseContext) -> None:
    """Back after more than OfflineThreshold, the station reports every connector: the plugged one Occupied."""
    threshold = LONG_OUTAGE_THRESHOLD_S
    await _offline_configuration(ctx, threshold, threshold + 2)
    await _plugged_in_while_offline(ctx, threshold + ctx.timing.clock_slack_s, threshold + 2)
    for evse, connector in ctx.connectors():
        plugged = (evse, connector) == (ctx.cfg.evse_id, ctx.cfg.connector_id)
        await expect_connector(ctx.csms, evse, connector, "Occupied" if plugged else "Available")


@ocpp201_case("TC_B_52_CS", "Status change while offline - shorter than OfflineThreshold", BLOCK, ["B04"],
              ["B04.FR.02"], needs=["local_authorization"])  # fmt: skip
async def test_TC_B_52_CS(ctx: CaseContext) -> None:
    """Back within OfflineThreshold, the station reports the connector whose state changed while offline."""
    threshold = SHORT_OUTAGE_THRESHOLD_S
    await _offline_configuration(ctx, threshold, threshold - 2)
    await _plugged_in_while_offline(ctx, 0.0, threshold - 2)
    await expect_connector(ctx.csms, ctx.cfg.evse_id, ctx.cfg.connector_id, "Occupied")


async def _closed(ctx: CaseContext) -> float:
    """Close the station's connection from the CSMS side; the moment it is gone (event-loop time)."""
    loop = asyncio.get_running_loop()
    await ctx.csms.drop_connection("TC_B_57_CS closes the connection")
    deadline = loop.time() + ctx.timing.message_timeout_s
    while ctx.csms.connected:
        if loop.time() > deadline:
            raise LabError("the CSMS could not close the station's connection")
        await asyncio.sleep(0.02)
    return loop.time()


async def _refused_attempt(ctx: CaseContext, endpoint: str, before: int, timeout: float) -> float:
    """The moment the station's next connection attempt was refused."""
    server = ctx.server
    assert server is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while server.refusals.get(endpoint, 0) == before:
        require(loop.time() < deadline, f"the station did not try to reconnect within {timeout:g} s")
        await asyncio.sleep(0.02)
    return loop.time()


@ocpp201_case("TC_B_57_CS", "Reconnect after connection loss - back-off", BLOCK, ["Part 4 5.3"], ["Part 4 5.3"])
async def test_TC_B_57_CS(ctx: CaseContext) -> None:
    """The station waits RetryBackOffWaitMinimum before reconnecting, and twice as long after a refused attempt."""
    server = ctx.server
    if server is None:
        raise LabError("the reconnect case needs the CSMS server, which this bench did not provide")
    wait, slack, loop = RETRY_WAIT_MINIMUM_S, ctx.timing.clock_slack_s, asyncio.get_running_loop()
    await configure(ctx.csms, [
        ("OCPPCommCtrlr", "RetryBackOffRepeatTimes", "2"),
        ("OCPPCommCtrlr", "RetryBackOffRandomRange", "0"),
        ("OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(wait)),
    ])  # fmt: skip
    closed = await _closed(ctx)
    await ctx.csms.wait_connected(wait * 2 + ctx.timing.time_tolerance_s)
    first = loop.time() - closed
    require(first >= wait - slack, f"step 2: the station reconnected after {first:.2f} s, before the {wait} s minimum")

    server.refused_endpoints.add(server.prefix)
    try:
        before = server.refusals.get(server.prefix, 0)
        closed = await _closed(ctx)
        refused = await _refused_attempt(ctx, server.prefix, before, wait * 2 + ctx.timing.time_tolerance_s)
    finally:
        server.refused_endpoints.discard(server.prefix)
    await ctx.csms.wait_connected(wait * 4 + ctx.timing.time_tolerance_s)
    step5, step7 = refused - closed, loop.time() - refused
    require(
        step7 >= 2 * step5 - slack,
        f"step 7: the station reconnected {step7:.2f} s after the refused attempt; step 5 took {step5:.2f} s, "
        "so at least twice that was due",
    )
