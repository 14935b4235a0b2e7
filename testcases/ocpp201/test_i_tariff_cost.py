"""Block I, Tariff and cost: the running cost during a transaction (I02) and the final cost after it (I03).

What the station shows its driver is visual only; the tool checks what reaches the wire: the authorization and
transaction messages of the scenario, that CostUpdated is answered, and that the station takes the responses that
carry a cost (the TransactionEvent is not sent again as if the answer were unusable).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.offline_auth import restored
from harness.ocpp.v201.responders import default_responders
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, expect_transaction_event
from harness.verdict import Inconclusive

BLOCK = "I Tariff and cost"
COST_MESSAGE = {"format": "ASCII", "content": "0.25 EUR/kWh"}  # <Configured Cost>: the tariff text
RUNNING_COSTS = (1.25, 2.5)  # <Configured Cost2>: the running totals of the repeated steps
FINAL_COST = 3.75  # <Generated Cost>
REPEATS = len(RUNNING_COSTS)  # "steps 6-9 are repeated n times"
ATTEMPT_INTERVAL = ("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent")
QUICK_RESEND_S = "1"  # a station that could not use an answer sends the event again within a second


def _with_cost(ctx: CaseContext, *, running: list[float] | None = None, final: float | None = None) -> None:
    """The CSMS answers Authorize with the tariff text, and TransactionEvents with it and (given) the cost."""
    defaults = default_responders(ctx.profile)

    def authorize(received: Received) -> Any:
        answer = dict(defaults["Authorize"](received))  # type: ignore[arg-type]
        answer["idTokenInfo"] = {**answer["idTokenInfo"], "personalMessage": COST_MESSAGE}
        return answer

    def transaction_event(received: Received) -> Any:
        answer: dict[str, Any] = dict(defaults["TransactionEvent"](received))  # type: ignore[arg-type]
        if received.get("eventType") == "Ended":
            if final is not None:
                answer["totalCost"] = final
            return answer
        answer["updatedPersonalMessage"] = COST_MESSAGE
        if running and received.get("transactionInfo.chargingState") == "Charging":
            answer["totalCost"] = running[0]
        return answer

    ctx.csms.respond("Authorize", authorize)
    ctx.csms.respond("TransactionEvent", transaction_event)


async def _authorized_by_token(ctx: CaseContext, tx: Transaction) -> None:
    """Steps 1-4: the valid idToken presented at the station; states.authorized checks Authorize and the
    TransactionEvent with triggerReason Authorized (Started, or Updated when the transaction already ran)."""
    started_before = tx.started
    await states.authorized(ctx, tx, how="local")
    if tx.started:
        first_after = tx.events[-1] if tx.events else None
        if first_after is not None and first_after.get("triggerReason") == "Authorized":
            expected = "Updated" if started_before else "Started"
            require_equal(first_after.get("eventType"), expected, "step 3: TransactionEventRequest eventType")


@asynccontextmanager
async def _periodic_updates(ctx: CaseContext) -> AsyncIterator[None]:
    """The repeated steps need TransactionEvents while charging: TxUpdatedInterval at the configured sampling
    interval (not a Part 6 configuration state; the old value is written back)."""
    async with restored(ctx, [("SampledDataCtrlr", "TxUpdatedInterval")]):
        await configure(ctx.csms, [("SampledDataCtrlr", "TxUpdatedInterval", str(ctx.cfg.sampled_interval_s))])
        yield


async def _next_update(ctx: CaseContext, tx: Transaction, after: Received, step: str) -> Received:
    """The next TransactionEvent of the transaction, which must be a new one (a higher seqNo)."""
    event = await expect_transaction_event(
        ctx.csms, tx, f"{step}: while charging", extra=lambda r: r.index > after.index,
        timeout=ctx.cfg.sampled_interval_s + ctx.timing.message_timeout_s,
    )  # fmt: skip
    require(
        int(event.get("seqNo", -1)) > int(after.get("seqNo", -1)),
        f"{step}: TransactionEvent seqNo {event.get('seqNo')} sent again after a response with the cost "
        f"(previous seqNo {after.get('seqNo')})",
    )
    return event


@ocpp201_case("TC_I_01_CS", "Running cost - CostUpdated", BLOCK, ["I02"], ["I02.FR.02"], needs=["local_authorization"])
async def test_TC_I_01_CS(ctx: CaseContext) -> None:
    """While charging, the station answers each CostUpdated and keeps reporting the transaction."""
    _with_cost(ctx)
    async with _periodic_updates(ctx):
        tx = ctx.new_transaction()
        await states.ev_connected_pre_session(ctx, tx)
        await _authorized_by_token(ctx, tx)
        last = await states.energy_transfer_started(ctx, tx)
        for cost in RUNNING_COSTS:
            last = await _next_update(ctx, tx, last, "step 6")
            await ctx.csms.call("CostUpdated", {"totalCost": cost, "transactionId": tx.transaction_id})


@ocpp201_case(
    "TC_I_07_CS", "Running cost - in TransactionEventResponse", BLOCK, ["I02"], ["I02.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_I_07_CS(ctx: CaseContext) -> None:
    """While charging, responses carry the running totalCost; the station takes them and goes on reporting."""
    running = list(RUNNING_COSTS)
    _with_cost(ctx, running=running)
    async with _periodic_updates(ctx):
        tx = ctx.new_transaction()
        await states.ev_connected_pre_session(ctx, tx)
        await _authorized_by_token(ctx, tx)
        last = await states.energy_transfer_started(ctx, tx)
        for _ in range(REPEATS):
            last = await _next_update(ctx, tx, last, "step 8")
            running.append(running.pop(0))  # the next answer carries the next total


@ocpp201_case(
    "TC_I_02_CS", "Final cost - in the Ended response", BLOCK, ["I03"], ["I03.FR.01", "I03.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_I_02_CS(ctx: CaseContext) -> None:
    """The response to the Ended event carries the totalCost; the station takes it and does not send it again."""
    _with_cost(ctx, final=FINAL_COST)
    # Not a Part 6 configuration: a short retry interval makes a station that refuses the answer show it at once.
    before = await _read(ctx, *ATTEMPT_INTERVAL)
    await _write(ctx, *ATTEMPT_INTERVAL, QUICK_RESEND_S)
    try:
        tx = ctx.new_transaction()
        await states.energy_transfer_started(ctx, tx)
        stop = await states.stop_authorized(ctx, tx)
        ended = stop.get("eventType") == "Ended"
        post = await states.ev_connected_post_session(ctx, tx, stop)
        ended = ended or post.get("eventType") == "Ended"
        gone = await states.ev_disconnected(ctx, tx, ended)
        require(ended or gone is not None, "the transaction did not end")
        await ctx.csms.expect_none(
            "TransactionEvent", lambda r: r.get("transactionInfo.transactionId") == tx.transaction_id,
            during=ctx.timing.absence_s, what="again after the Ended event was answered with the totalCost",
        )  # fmt: skip
    finally:
        if before is not None and ctx.csms.connected:
            await _write(ctx, *ATTEMPT_INTERVAL, before)


def _data(component: str, variable: str, instance: str) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": variable, "instance": instance}}


async def _read(ctx: CaseContext, component: str, variable: str, instance: str) -> str | None:
    answer = await ctx.csms.call("GetVariables", {"getVariableData": [_data(component, variable, instance)]})
    result = answer.get("getVariableResult.0", {})
    return result.get("attributeValue") if result.get("attributeStatus") == "Accepted" else None


async def _write(ctx: CaseContext, component: str, variable: str, instance: str, value: str) -> None:
    answer = await ctx.csms.call(
        "SetVariables", {"setVariableData": [{**_data(component, variable, instance), "attributeValue": value}]}
    )
    if answer.get("setVariableResult.0.attributeStatus") != "Accepted":
        raise Inconclusive(f"{component}.{variable}[{instance}] could not be set to {value}")
