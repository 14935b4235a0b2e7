"""Block E, Transactions: GetTransactionStatus (E14) for unknown, running and ended transactions, and without id."""

from __future__ import annotations

import uuid
from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import states
from harness.ocpp.v201.session_end import end_session
from harness.ocpp.v201.states import CaseContext

BLOCK = "E Transactions"


async def _status(ctx: CaseContext, transaction_id: str | None) -> dict[str, Any]:
    payload = {} if transaction_id is None else {"transactionId": transaction_id}
    answer = await ctx.csms.call("GetTransactionStatus", payload)
    return {"ongoingIndicator": answer.get("ongoingIndicator"), "messagesInQueue": answer.get("messagesInQueue")}


@ocpp201_case("TC_E_28_CS", "Get transaction status - unknown transactionId", BLOCK, ["E14"], ["E14.FR.01"])
async def test_TC_E_28_CS(ctx: CaseContext) -> None:
    """GetTransactionStatus for a transactionId the station never had: not ongoing, nothing queued."""
    answer = await _status(ctx, str(uuid.uuid4()))
    require_equal(answer["ongoingIndicator"], False, "step 2: GetTransactionStatusResponse ongoingIndicator")
    require_equal(answer["messagesInQueue"], False, "step 2: GetTransactionStatusResponse messagesInQueue")


@ocpp201_case(
    "TC_E_30_CS", "Get transaction status - ongoing transaction, no queued messages", BLOCK, ["E14"],
    ["E14.FR.02", "E14.FR.05"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_30_CS(ctx: CaseContext) -> None:
    """GetTransactionStatus for the running, fully delivered transaction: ongoing, nothing queued."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await _status(ctx, tx.transaction_id)
    require_equal(answer["ongoingIndicator"], True, "step 2: GetTransactionStatusResponse ongoingIndicator")
    require_equal(answer["messagesInQueue"], False, "step 2: GetTransactionStatusResponse messagesInQueue")


@ocpp201_case(
    "TC_E_32_CS", "Get transaction status - ended transaction, no queued messages", BLOCK, ["E14"],
    ["E14.FR.03", "E14.FR.05"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_E_32_CS(ctx: CaseContext) -> None:
    """GetTransactionStatus for a transaction that ended and was delivered: not ongoing, nothing queued."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    await end_session(ctx, tx)
    answer = await _status(ctx, tx.transaction_id)
    require_equal(answer["ongoingIndicator"], False, "step 2: GetTransactionStatusResponse ongoingIndicator")
    require_equal(answer["messagesInQueue"], False, "step 2: GetTransactionStatusResponse messagesInQueue")


@ocpp201_case(
    "TC_E_34_CS", "Get transaction status - without transactionId, no queued messages", BLOCK, ["E14"],
    ["E14.FR.06", "E14.FR.08"],
)  # fmt: skip
async def test_TC_E_34_CS(ctx: CaseContext) -> None:
    """GetTransactionStatus without a transactionId and an empty queue: no ongoingIndicator, nothing queued."""
    answer = await _status(ctx, None)
    require(answer["ongoingIndicator"] is None, "step 2: ongoingIndicator must be omitted without a transactionId")
    require_equal(answer["messagesInQueue"], False, "step 2: GetTransactionStatusResponse messagesInQueue")
