"""Block E, Transactions: a TransactionEvent the CSMS leaves unanswered is sent again (E13) once MessageTimeout has
passed and the retry interval (MessageAttemptInterval times the transmissions so far) has elapsed, up to
MessageAttempts(TransactionEvent) times, and no more once it was answered."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require
from harness.ocpp.channel import NO_REPLY, Reply
from harness.ocpp.messages import Predicate, Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.responders import default_responders
from harness.ocpp.v201.states import CaseContext
from harness.verdict import Inconclusive

BLOCK = "E Transactions"
ATTEMPTS = 3  # <Configured message_attempts_transaction_event>, > 2 as both cases need
INTERVAL_S = 1  # <Configured message_attempts_transaction_event_interval>


async def _message_timeout_s(ctx: CaseContext) -> int:
    """OCPPCommCtrlr.MessageTimeout (Default) as the station reports it; the DUT profile's value otherwise."""
    outcome = await ctx.csms.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "MessageTimeout", "instance": "Default"}},
    ]})  # fmt: skip
    value = outcome.get("getVariableResult.0.attributeValue")
    if outcome.get("getVariableResult.0.attributeStatus") == "Accepted" and str(value).isdigit():
        return int(value)
    if ctx.profile.ocpp.message_timeout_s is not None:
        return ctx.profile.ocpp.message_timeout_s
    raise Inconclusive("the station does not report OCPPCommCtrlr.MessageTimeout and the DUT profile does not name it")


def _same_event(first: Received) -> Predicate:
    """Transmissions of `first` again: same transaction and seqNo."""
    tx_id, seq_no = first.get("transactionInfo.transactionId"), first.get("seqNo")

    def match(received: Received) -> bool:
        return bool(received.get("transactionInfo.transactionId") == tx_id and received.get("seqNo") == seq_no)

    return match


async def _started_unanswered(ctx: CaseContext, answer_transmission: int | None) -> Received:
    """Configuration state, Authorized, then EVConnectedPreSession while the CSMS leaves TransactionEvents
    unanswered, except the `answer_transmission`-th transmission of the Started event."""
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
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    answer = default_responders(ctx.profile)["TransactionEvent"]
    seen: dict[int, int] = {}

    def respond(received: Received) -> Reply:
        seq_no = int(received.get("seqNo", -1))
        seen[seq_no] = seen.get(seq_no, 0) + 1
        if received.get("eventType") == "Started" and seen[seq_no] == answer_transmission:
            result = answer(received)
            assert isinstance(result, dict)  # the default TransactionEvent answer is a plain payload
            return result
        return NO_REPLY

    ctx.csms.respond("TransactionEvent", respond)
    await states.ev_connected_pre_session(ctx, tx)
    return tx.events[0]


async def _transmissions(ctx: CaseContext, first: Received, count: int, timeout_s: int) -> None:
    """`count` transmissions of `first` in all, each MessageTimeout plus INTERVAL_S times the transmissions before
    it after the previous one."""
    sent = [first]
    while len(sent) < count:
        wait = timeout_s + INTERVAL_S * len(sent)
        again = await ctx.csms.expect(
            "TransactionEvent", _same_event(first), timeout=wait + ctx.timing.time_tolerance_s,
            what=f"sent again (transmission {len(sent) + 1})",
        )  # fmt: skip
        gap = again.mono - sent[-1].mono
        require(
            abs(gap - wait) <= ctx.timing.clock_slack_s,
            f"step 5: transmission {len(sent) + 1} came {gap:.1f} s after the previous one; expected {wait} s "
            f"(MessageTimeout {timeout_s} s + {INTERVAL_S} s x {len(sent)})",
        )
        sent.append(again)


@ocpp201_case(
    "TC_E_41_CS", "Retry TransactionEvent without answer - up to MessageAttempts", BLOCK, ["E13"],
    ["E13.FR.01", "E13.FR.02", "E13.FR.03", "E13.FR.04"],
)  # fmt: skip
async def test_TC_E_41_CS(ctx: CaseContext) -> None:
    """A TransactionEvent never answered is sent MessageAttempts times, each after MessageTimeout and a growing
    interval, then no more."""
    timeout_s = await _message_timeout_s(ctx)
    first = await _started_unanswered(ctx, answer_transmission=None)
    await _transmissions(ctx, first, ATTEMPTS, timeout_s)
    await ctx.csms.expect_none(
        "TransactionEvent", _same_event(first), during=timeout_s + INTERVAL_S * ATTEMPTS + ctx.timing.clock_slack_s,
        what=f"a {ATTEMPTS + 1}th time (MessageAttempts is {ATTEMPTS})",
    )  # fmt: skip


@ocpp201_case(
    "TC_E_42_CS", "Retry TransactionEvent without answer - stops once answered", BLOCK, ["E13"],
    ["E13.FR.01", "E13.FR.02", "E13.FR.03"],
)  # fmt: skip
async def test_TC_E_42_CS(ctx: CaseContext) -> None:
    """A TransactionEvent left unanswered once and answered the second time is not sent a third time."""
    timeout_s = await _message_timeout_s(ctx)
    first = await _started_unanswered(ctx, answer_transmission=2)
    await _transmissions(ctx, first, 2, timeout_s)
    await ctx.csms.expect_none(
        "TransactionEvent", _same_event(first), during=timeout_s + INTERVAL_S * 2 + ctx.timing.clock_slack_s,
        what="again after it was answered",
    )  # fmt: skip
