"""Steps of the offline authorization cases (C13, C15, E05, E08, E12): the station's offline timers (restored after
the case), idTokens stored where the station declares a store, CSMS answers that invalidate an idToken, and the
TransactionEvents a station queued while offline."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from harness.checks import require, require_equal
from harness.config import IdTokenSpec
from harness.ocpp.messages import Received
from harness.ocpp.v201.auth_cache import cache_configuration, token_cached
from harness.ocpp.v201.local_list import local_list_enabled, token_in_local_list
from harness.ocpp.v201.offline import OFFLINE_MARGIN_S, backoff_wait_s
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, read_variable
from harness.verdict import DutTimeout, Inconclusive, LabError, Nonconformity

Setting = tuple[str, str, str]
TX_START_POINT = ("TxCtrlr", "TxStartPoint")
TIMERS = [
    ("OCPPCommCtrlr", "OfflineThreshold"),
    ("OCPPCommCtrlr", "RetryBackOffWaitMinimum"),
    ("OCPPCommCtrlr", "RetryBackOffRandomRange"),
]


@asynccontextmanager
async def offline_timers(ctx: CaseContext) -> AsyncIterator[int]:
    """Configuration State of the offline cases: OfflineThreshold <wait> + 60, RetryBackOffWaitMinimum <wait>,
    RetryBackOffRandomRange 0; yields <wait> (as short as the lab's sampling allows) and restores the old values."""
    wait_s = backoff_wait_s(ctx)
    settings = [
        ("OCPPCommCtrlr", "OfflineThreshold", str(wait_s + OFFLINE_MARGIN_S)),
        ("OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(wait_s)),
        ("OCPPCommCtrlr", "RetryBackOffRandomRange", "0"),
    ]
    async with restored(ctx, TIMERS):
        await configure(ctx.csms, settings)
        yield wait_s


@asynccontextmanager
async def restored(ctx: CaseContext, variables: list[tuple[str, str]]) -> AsyncIterator[None]:
    """Read `variables` first and write them back after the block, so a real station keeps its own timers.

    The write-back is best effort: a case that ended with the station unreachable keeps its verdict, and the next
    case's baseline brings the station back anyway.
    """
    before: list[Setting] = []
    for component, variable in variables:
        value = await read_variable(ctx.csms, component, variable)
        if value is not None:
            before.append((component, variable, value))
    try:
        yield
    finally:
        if before and ctx.csms.connected:
            with contextlib.suppress(Nonconformity, DutTimeout, Inconclusive, LabError):
                await configure(ctx.csms, before)


def declares_cache(ctx: CaseContext) -> bool:
    """The station has an Authorization Cache (Part 5 C-49)."""
    return "C-49" in ctx.profile.certification.features


def declares_local_list(ctx: CaseContext) -> bool:
    """The station implements the Local Authorization List Management profile."""
    return "local_auth_list" in ctx.profile.certification.profiles


async def known_locally(ctx: CaseContext, token: IdTokenSpec, group: IdTokenSpec | None = None) -> None:
    """Memory states IdTokenCached and IdTokenLocalAuthList, each "(If implemented)": `token` Accepted in the cache
    and in the local list, where the station has them."""
    if declares_cache(ctx):
        await cache_configuration(ctx, pre_authorize=None)
        await token_cached(ctx, token, "Accepted")
    if declares_local_list(ctx):
        await local_list_enabled(ctx.csms)
        await token_in_local_list(ctx.csms, [(token, "Accepted")], group=group)


def answer_invalid(ctx: CaseContext) -> list[datetime]:
    """The CSMS answers every TransactionEvent that carries an idToken with status Invalid (others: empty answer).

    Returns the list the wall-clock moments of those answers are appended to, for checks timed from them.
    """
    moments: list[datetime] = []

    def answer(received: Received) -> dict[str, Any]:
        if received.get("idToken") is None:
            return {}
        moments.append(datetime.now(UTC))
        return {"idTokenInfo": {"status": "Invalid"}}

    ctx.csms.respond("TransactionEvent", answer)
    return moments


def stamp(received: Received) -> datetime:
    """The station's timestamp of a message (a LabError when it cannot be read: the schema already required it)."""
    try:
        return datetime.fromisoformat(str(received.get("timestamp")))
    except ValueError as exc:
        raise LabError(f"cannot read the timestamp of {received.describe()}") from exc


def queued_events(ctx: CaseContext, tx: Transaction, since: int, back_at: datetime) -> list[Received]:
    """The TransactionEvents of `tx` received after `since` that the station made before it was back online.

    A transaction started offline is known only by the events that name the EVSE, so those count as well.
    """
    events = [r for r in ctx.csms.history("TransactionEvent") if r.index >= since]
    ours = {r.get("transactionInfo.transactionId") for r in events if r.get("evse.id") == tx.evse_id}
    if tx.transaction_id is not None:
        ours.add(tx.transaction_id)
    return [r for r in events if r.get("transactionInfo.transactionId") in ours and stamp(r) < back_at]


def require_all_offline(events: list[Received], step: str) -> None:
    """Every TransactionEvent the station queued while offline says so (E12.FR.02 / E08)."""
    require(bool(events), f"{step}: no TransactionEvent made while offline was delivered after the reconnect")
    for event in events:
        require_equal(event.get("offline"), True, f"{step}: offline of {event.describe()}")


def require_authorized_offline(events: list[Received], token: IdTokenSpec, step: str, *, required: bool) -> None:
    """The queued event of the local authorization: triggerReason Authorized, the idToken, offline true."""
    authorized = [e for e in events if e.get("triggerReason") == "Authorized"]
    require(bool(authorized) or not required, f"{step}: no queued TransactionEvent with triggerReason Authorized")
    for event in authorized:
        require_equal(event.get("idToken"), token.as_ocpp(), f"{step}: idToken of {event.describe()}")
        require_equal(event.get("offline"), True, f"{step}: offline of {event.describe()}")


def require_charging_offline(events: list[Received], step: str) -> None:
    """A queued ChargingStateChanged event marked offline: the energy transfer began while offline."""
    changed = [e for e in events if e.get("triggerReason") == "ChargingStateChanged" and e.get("offline") is True]
    require(bool(changed), f"{step}: no queued TransactionEvent ChargingStateChanged with offline true")


async def start_on_authorization(ctx: CaseContext) -> bool:
    """TxStartPoint Authorized where the station lets the CSMS set it (else unchanged): an idToken wrongly accepted
    without an EV then shows as a started transaction. Returns whether it was set."""
    data = {"component": {"name": "TxCtrlr"}, "variable": {"name": "TxStartPoint"}, "attributeValue": "Authorized"}
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [data]})
    accepted = bool(outcome.get("setVariableResult.0.attributeStatus") == "Accepted")
    if accepted:
        ctx.tx_start_point = ["Authorized"]
    return accepted
