"""Block E, Transactions: a TransactionEvent the CSMS answers with a CALLERROR is sent again (E13), at growing
intervals, up to MessageAttempts(TransactionEvent) times, and no more once it was answered."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.framing import CallError
from harness.ocpp.messages import Predicate, Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.responders import default_responders
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction
from harness.verdict import Inconclusive

BLOCK = "E Transactions"
ATTEMPTS = 3  # <Configured message_attempts_transaction_event>, > 2 as both cases need
INTERVAL_S = 1  # <Configured message_attempts_transaction_event_interval>


async def _retry_configuration(ctx: CaseContext) -> None:
    data = [
        {
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": name, "instance": "TransactionEvent"},
            "attributeValue": value,
        }
        for name, value in (("MessageAttempts", str(ATTEMPTS)), ("MessageAttemptInterval", str(INTERVAL_S)))
    ]
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": data})
    for result in outcome.get("setVariableResult", []):
        if result.get("attributeStatus") != "Accepted":
            raise Inconclusive(f"configuration state not reached: {result.get('variable')} was rejected")


def _same_event(first: Received) -> Predicate:
    """Transmissions of `first` again: same transaction and seqNo."""
    tx_id, seq_no = first.get("transactionInfo.transactionId"), first.get("seqNo")

    def match(received: Received) -> bool:
        return bool(received.get("transactionInfo.transactionId") == tx_id and received.get("seqNo") == seq_no)

    return match


async def _started_with_errors(ctx: CaseContext, accept_transmission: int | None) -> tuple[Transaction, Received]:
    """Authorized, then EVConnectedPreSession while the CSMS answers TransactionEvents with InternalError, except
    for the `accept_transmission`-th transmission of the Started event."""
    await _retry_configuration(ctx)
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    answer = default_responders(ctx.profile)["TransactionEvent"]
    seen: dict[int, int] = {}

    def respond(received: Received) -> dict[str, object] | CallError:
        seq_no = int(received.get("seqNo", -1))
        seen[seq_no] = seen.get(seq_no, 0) + 1
        if received.get("eventType") == "Started" and seen[seq_no] == accept_transmission:
            result = answer(received)
            assert isinstance(result, dict)  # the default TransactionEvent answer is a plain payload
            return result
        return CallError(received.message_id, "InternalError", "refused on purpose by the test case")

    ctx.csms.respond("TransactionEvent", respond)
    await states.ev_connected_pre_session(ctx, tx)
    return tx, tx.events[0]


async def _transmissions(ctx: CaseContext, first: Received, count: int, step: str) -> list[Received]:
    """`count` transmissions of `first` in all, each after INTERVAL_S times the transmissions before it."""
    sent = [first]
    while len(sent) < count:
        wait = INTERVAL_S * len(sent)
        again = await ctx.csms.expect(
            "TransactionEvent", _same_event(first), timeout=wait + ctx.timing.time_tolerance_s,
            what=f"sent again (transmission {len(sent) + 1})",
        )  # fmt: skip
        gap = again.mono - sent[-1].mono
        require(
            abs(gap - wait) <= ctx.timing.clock_slack_s,
            f"{step}: transmission {len(sent) + 1} came {gap:.1f} s after the previous one; expected {wait} s",
        )
        sent.append(again)
    return sent


@ocpp201_case(
    "TC_E_50_CS", "Retry TransactionEvent after CALLERROR - up to MessageAttempts", BLOCK, ["E13"],
    ["E13.FR.01", "E13.FR.02", "E13.FR.03", "E13.FR.04"],
)  # fmt: skip
async def test_TC_E_50_CS(ctx: CaseContext) -> None:
    """A TransactionEvent refused with InternalError every time is sent MessageAttempts times, then no more."""
    _, first = await _started_with_errors(ctx, accept_transmission=None)
    require_equal(first.get("eventType"), "Started", "step 5: eventType of the refused TransactionEvent")
    await _transmissions(ctx, first, ATTEMPTS, "step 5")
    await ctx.csms.expect_none(
        "TransactionEvent", _same_event(first), during=INTERVAL_S * ATTEMPTS + ctx.timing.clock_slack_s,
        what=f"a {ATTEMPTS + 1}th time (MessageAttempts is {ATTEMPTS})",
    )  # fmt: skip


@ocpp201_case(
    "TC_E_51_CS", "Retry TransactionEvent after CALLERROR - stops once answered", BLOCK, ["E13"],
    ["E13.FR.01", "E13.FR.02", "E13.FR.03"],
)  # fmt: skip
async def test_TC_E_51_CS(ctx: CaseContext) -> None:
    """A TransactionEvent refused once and answered the second time is not sent a third time."""
    _, first = await _started_with_errors(ctx, accept_transmission=2)
    await _transmissions(ctx, first, 2, "step 5")
    await ctx.csms.expect_none(
        "TransactionEvent", _same_event(first), during=INTERVAL_S * 2 + ctx.timing.clock_slack_s,
        what="again after it was answered",
    )  # fmt: skip
