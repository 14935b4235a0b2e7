"""Steps shared by the block C cases: CSMS answers about idTokens, and authorizations settled by the station alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.checks import require, require_equal
from harness.config import IdTokenSpec
from harness.ocpp.channel import Responder
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.offline import OFFLINE_MARGIN_S, backoff_wait_s
from harness.ocpp.v201.reservation_steps import group_token
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, check_trigger, configure, expect_transaction_event


def answer_status(status: str) -> Responder:
    """A CSMS answer giving every idToken `status` (for Authorize and TransactionEvent alike)."""

    def answer(received: Received) -> dict[str, Any]:
        if received.action == "TransactionEvent" and received.get("idToken") is None:
            return {}
        return {"idTokenInfo": {"status": status}}

    return answer


async def authorize_request(ctx: CaseContext, token: IdTokenSpec, step: str) -> None:
    """The station asks the CSMS about `token`."""
    request = await ctx.csms.expect("Authorize", what=f"after presenting {token.id_token}")
    require_equal(request.get("idToken"), token.as_ocpp(), f"{step}: AuthorizeRequest idToken")


def authorize_count(ctx: CaseContext) -> int:
    """How many AuthorizeRequests arrived during the case so far."""
    return len(ctx.csms.history("Authorize"))


def require_no_authorize(ctx: CaseContext, why: str, before: int = 0) -> None:
    """No AuthorizeRequest arrived since `before` of them had (see authorize_count)."""
    asked = authorize_count(ctx) - before
    require(asked == 0, f"the station sent {asked} AuthorizeRequest(s) {why}")


async def authorized_event_if_started(ctx: CaseContext, tx: Transaction, token: IdTokenSpec, step: str) -> None:
    """After a local authorization: TransactionEvent Authorized, when the authorization starts or updates one."""
    tx.authorized = True
    start = set(ctx.tx_start_point)
    starts = "Authorized" in start or ("PowerPathClosed" in start and tx.ev_connected)
    if not (tx.started or starts):
        return
    event = await expect_transaction_event(ctx.csms, tx, "after the local authorization")
    check_trigger(event, ("Authorized",), step)
    require_equal(event.get("idToken"), token.as_ocpp(), f"{step}: TransactionEvent idToken")


async def charging(ctx: CaseContext, tx: Transaction) -> None:
    """EVConnectedPreSession (if the EV is not plugged in yet), then EnergyTransferStarted."""
    if not tx.ev_connected:
        await states.ev_connected_pre_session(ctx, tx)
    if tx.events and tx.events[-1].get("transactionInfo.chargingState") == "Charging":
        return
    await expect_transaction_event(
        ctx.csms, tx, "with chargingState Charging",
        extra=lambda r: r.get("transactionInfo.chargingState") == "Charging",
    )  # fmt: skip


def answer_group(ctx: CaseContext, statuses: dict[str, str]) -> IdTokenSpec:
    """The CSMS gives each idToken in `statuses` its status and the configured GroupId (C09); others are Unknown."""
    group = group_token(ctx)

    def info(token: Any) -> dict[str, Any]:
        name = token.get("idToken") if isinstance(token, dict) else None
        if name in statuses:
            return {"status": statuses[name], "groupIdToken": group.as_ocpp()}
        return {"status": "Unknown"}

    answer_tokens(ctx, info)
    return group


def answer_tokens(ctx: CaseContext, info: Callable[[Any], dict[str, Any]]) -> None:
    """For this case the CSMS answers every idToken, in Authorize and in TransactionEvent, with `info(idToken)`."""

    def answer(received: Received) -> dict[str, Any]:
        token = received.payload.get("idToken")
        if received.action == "TransactionEvent" and token is None:
            return {}
        return {"idTokenInfo": info(token)}

    ctx.csms.respond("Authorize", answer)
    ctx.csms.respond("TransactionEvent", answer)


async def charging_by_group_member(ctx: CaseContext, tx: Transaction) -> None:
    """Steps 1-5 of C09 cases: EV connected, the valid idToken (a group member) authorizes, energy flows."""
    await states.ev_connected_pre_session(ctx, tx)
    await states.authorized(ctx, tx, "local")
    await states.energy_transfer_started(ctx, tx)


async def offline_reconnect_configuration(ctx: CaseContext) -> int:
    """The back-off part of the offline C cases' configuration state; the back-off wait in seconds."""
    wait_s = backoff_wait_s(ctx)
    await configure(
        ctx.csms,
        [
            ("AuthCtrlr", "LocalAuthorizeOffline", "true"),
            ("OCPPCommCtrlr", "OfflineThreshold", str(wait_s + OFFLINE_MARGIN_S)),
            ("OCPPCommCtrlr", "RetryBackOffWaitMinimum", str(wait_s)),
            ("OCPPCommCtrlr", "RetryBackOffRandomRange", "0"),
        ],
    )
    return wait_s
