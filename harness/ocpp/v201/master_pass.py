"""CSMS steps of the master pass cases (C16): the configured master pass, transactions on every EVSE, and the
checks on the TransactionEvent that a master pass stop sends."""

from __future__ import annotations

from typing import Any

from harness.checks import require, require_equal
from harness.config import IdTokenSpec
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.authorization_steps import answer_tokens
from harness.ocpp.v201.reservation_steps import second_token, with_token
from harness.ocpp.v201.responders import TokenBook
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure
from harness.verdict import NotApplicable


async def configured_master_pass(ctx: CaseContext) -> IdTokenSpec:
    """Configuration state AuthCtrlr.MasterPassGroupId; the CSMS puts the master pass idToken in that group."""
    token, group = ctx.cfg.master_pass_id_token, ctx.cfg.master_pass_group_id
    if token is None or group is None:
        raise NotApplicable("test_configuration.master_pass_id_token / master_pass_group_id are not configured")
    await configure(ctx.csms, [("AuthCtrlr", "MasterPassGroupId", group)])
    book = TokenBook(ctx.profile)

    def info(id_token: Any) -> dict[str, Any]:
        if isinstance(id_token, dict) and id_token.get("idToken") == token.id_token:
            return {"status": "Accepted", "groupIdToken": {"idToken": group, "type": "Central"}}
        return book.info(id_token)

    answer_tokens(ctx, info)
    return token


async def charging_on_evses(ctx: CaseContext, limit: int | None = None) -> list[Transaction]:
    """EnergyTransferStarted on every EVSE (the first `limit` ones when given), on its first connector: EVSE 1
    with the configured valid idToken, the others with valid_idtoken2."""
    first_connector = {evse: connector for evse, connector in reversed(ctx.connectors())}
    transactions: list[Transaction] = []
    for n, (evse_id, connector_id) in enumerate(list(first_connector.items())[:limit]):
        member = ctx if n == 0 else with_token(ctx, second_token(ctx))
        tx = Transaction(evse_id, connector_id)
        await states.energy_transfer_started(member, tx)
        transactions.append(tx)
    return transactions


def check_master_stop(event: Received, token: IdTokenSpec, step: str) -> None:
    """The tool validations of a master pass stop: stoppedReason MasterPass, the idToken absent or the master pass."""
    require_equal(event.get("transactionInfo.stoppedReason"), "MasterPass", f"{step}: transactionInfo.stoppedReason")
    named = event.get("idToken")
    require(named is None or named == token.as_ocpp(), f"{step}: idToken {named} is not the master pass")


def stops(received: Received) -> bool:
    """A TransactionEvent that stops the transaction (the authorization withdrawn, or the transaction ended)."""
    return bool(received.get("triggerReason") == "StopAuthorized" or received.get("eventType") == "Ended")
