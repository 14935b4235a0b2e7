"""A transaction the station started offline, whose idToken the CSMS calls Invalid once the station is back (C12,
C15, E05, E06): the configuration of those cases and the offline start itself."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from harness.checks import require
from harness.config import IdTokenSpec
from harness.ocpp.messages import Received
from harness.ocpp.v201.auth_cache import cache_configuration
from harness.ocpp.v201.offline import offline, reconnected
from harness.ocpp.v201.offline_auth import answer_invalid, queued_events
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, expect_transaction_event


@dataclass
class OfflineStart:
    """What the harness knows after the reconnect: the transaction, where the case's messages began, when the
    station was back, and when the CSMS answered the idToken Invalid (filled in by the answer itself)."""

    tx: Transaction
    since: int
    back_at: datetime
    invalid_answers: list[datetime]

    def queued(self, ctx: CaseContext) -> list[Received]:
        """The transaction's events made while offline (complete once a later event has arrived)."""
        return queued_events(ctx, self.tx, self.since, self.back_at)


async def invalid_id_configuration(ctx: CaseContext, *, stop_tx: bool, max_energy_wh: int, capped: bool) -> None:
    """Configuration State of C15-C18 (the timers aside): the cache with LocalPreAuthorize, LocalAuthorizeOffline,
    OfflineTxForUnknownIdEnabled (if implemented), StopTxOnInvalidId and MaxEnergyOnInvalidId. A case that needs
    MaxEnergyOnInvalidId (`capped`, Part 5 C-03) requires it; otherwise it is set "if implemented"."""
    await cache_configuration(ctx)
    await configure(
        ctx.csms,
        [("AuthCtrlr", "LocalAuthorizeOffline", "true"), ("TxCtrlr", "StopTxOnInvalidId", str(stop_tx).lower())],
    )
    await configure_if_implemented(ctx.csms, [("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true")])
    energy = [("TxCtrlr", "MaxEnergyOnInvalidId", str(max_energy_wh))]
    await (configure(ctx.csms, energy) if capped else configure_if_implemented(ctx.csms, energy))


async def start_offline(ctx: CaseContext, tx: Transaction, token: IdTokenSpec, wait_s: int) -> OfflineStart:
    """Offline: the idToken is presented (and the EV plugged in, unless it already is), the transaction runs for
    the configured duration; then the station may reconnect. From here on the CSMS calls the idToken Invalid."""
    invalid_answers = answer_invalid(ctx)
    since = len(ctx.csms.inbox)
    async with offline(ctx):
        await ctx.dut.present_id_token(token, tx.evse_id)
        if not tx.ev_connected:
            await ctx.dut.plug_in(tx.evse_id, tx.connector_id)
            tx.ev_connected = True
        await asyncio.sleep(ctx.cfg.transaction_duration_s)  # let the energy transfer start while offline
    back_at = await reconnected(ctx, wait_s)
    return OfflineStart(tx, since, back_at, invalid_answers)


async def invalidated(ctx: CaseContext, start: OfflineStart, wait_s: int, step: str) -> datetime:
    """The queued events arrive; the one carrying the idToken is answered Invalid. Returns when that was."""
    tx = start.tx
    if not tx.started:
        await expect_transaction_event(
            ctx.csms, tx, "of the transaction started offline", timeout=ctx.timing.message_timeout_s + wait_s
        )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ctx.timing.message_timeout_s
    while not start.invalid_answers and loop.time() < deadline:
        await asyncio.sleep(0.05)
    require(bool(start.invalid_answers), f"{step}: no TransactionEvent carried the idToken the CSMS could refuse")
    return start.invalid_answers[0]
