"""Block C, Authorization: GroupId (C09) with members known from the Local Authorization List or the cache."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require
from harness.config import IdTokenSpec
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.auth_cache import cache_configuration, token_cached
from harness.ocpp.v201.authorization_steps import (
    answer_group,
    authorize_count,
    authorize_request,
    authorized_event_if_started,
    charging,
    require_no_authorize,
)
from harness.ocpp.v201.local_list import local_list_enabled, token_in_local_list
from harness.ocpp.v201.reservation_steps import second_token
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, check_trigger, expect_transaction_event

BLOCK = "C Authorization"


async def _started_by_local_member(ctx: CaseContext, tx: Transaction, where: str) -> None:
    """Steps 1-3: EV connected, the valid idToken, known locally, authorizes without asking; energy flows."""
    token = ctx.cfg.valid_id_token
    await states.ev_connected_pre_session(ctx, tx)
    before = authorize_count(ctx)
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorized_event_if_started(ctx, tx, token, "step 1")
    await charging(ctx, tx)
    require_no_authorize(ctx, f"for an idToken Accepted in the {where}", before)


async def _stopped_by_member(ctx: CaseContext, tx: Transaction, member: IdTokenSpec) -> None:
    """Steps 4-6: the other member stops the transaction (StopAuthorized), then the EV leaves."""
    await ctx.dut.present_id_token(member, tx.evse_id)
    stop = await expect_transaction_event(ctx.csms, tx, "after the other group member's idToken")
    check_trigger(stop, ("StopAuthorized",), "step 4")
    # Part 6 names the configured valid idToken here; the station may name the member that stopped it.
    allowed = (ctx.cfg.valid_id_token.as_ocpp(), member.as_ocpp())
    require(stop.get("idToken") in allowed, f"step 4: TransactionEvent idToken {stop.get('idToken')} is not a member")
    if "Authorized" not in ctx.cfg.tx_stop_point:
        require(stop.get("eventType") == "Updated", f"step 4: eventType {stop.get('eventType')}, expected Updated")
    tx.authorized = False
    await states.ev_connected_post_session(ctx, tx, stop)
    ended = any(event.get("eventType") == "Ended" for event in tx.events)
    await states.ev_disconnected(ctx, tx, transaction_ended=ended)


async def _not_stopped_by_invalid_member(ctx: CaseContext, tx: Transaction) -> None:
    """Steps 4-5: the Invalid member is asked about, answered Invalid with the GroupId, and stops nothing."""
    invalid = ctx.cfg.invalid_id_token
    await ctx.dut.present_id_token(invalid, tx.evse_id)
    await authorize_request(ctx, invalid, "step 4")

    def stops(received: Received) -> bool:
        stopped = received.get("triggerReason") in ("StopAuthorized", "Deauthorized")
        return stopped or received.get("eventType") == "Ended"

    await ctx.csms.expect_none(
        "TransactionEvent", stops, during=ctx.timing.absence_s,
        what="stopping the transaction after an Invalid group member's idToken",
    )  # fmt: skip


@ocpp201_case(
    "TC_C_40_CS", "Authorization by GroupId - local list", BLOCK, ["C09"], ["C09.FR.02", "C09.FR.03", "C09.FR.07"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_40_CS(ctx: CaseContext) -> None:
    """Two members of one GroupId in the local list: the second stops what the first started."""
    other = second_token(ctx)
    group = answer_group(ctx, {ctx.cfg.valid_id_token.id_token: "Accepted", other.id_token: "Accepted"})
    await local_list_enabled(ctx.csms, pre_authorize=True)
    await token_in_local_list(ctx.csms, [(ctx.cfg.valid_id_token, "Accepted"), (other, "Accepted")], group=group)
    tx = ctx.new_transaction()
    await _started_by_local_member(ctx, tx, "local list")
    await _stopped_by_member(ctx, tx, other)


@ocpp201_case(
    "TC_C_41_CS", "Authorization by GroupId - authorization cache", BLOCK, ["C09"],
    ["C09.FR.02", "C09.FR.03", "C09.FR.07"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_41_CS(ctx: CaseContext) -> None:
    """Two members of one GroupId in the cache: the second stops what the first started."""
    other = second_token(ctx)
    answer_group(ctx, {ctx.cfg.valid_id_token.id_token: "Accepted", other.id_token: "Accepted"})
    await cache_configuration(ctx)
    await token_cached(ctx, ctx.cfg.valid_id_token, "Accepted")
    await token_cached(ctx, other, "Accepted")
    tx = ctx.new_transaction()
    await _started_by_local_member(ctx, tx, "authorization cache")
    await _stopped_by_member(ctx, tx, other)


@ocpp201_case(
    "TC_C_43_CS", "Authorization by GroupId - Invalid member in the local list", BLOCK, ["C09"],
    ["C09.FR.02", "C09.FR.03", "C09.FR.07"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_43_CS(ctx: CaseContext) -> None:
    """A member Invalid in the local list is asked about and, answered Invalid, does not stop the transaction.

    Part 6's tool validations also list a StopAuthorized event (a step its scenario does not have); the scenario
    and its note, which wait for no TransactionEvent, are followed.
    """
    invalid = ctx.cfg.invalid_id_token
    group = answer_group(ctx, {ctx.cfg.valid_id_token.id_token: "Accepted", invalid.id_token: "Invalid"})
    await local_list_enabled(ctx.csms, pre_authorize=True)
    await token_in_local_list(ctx.csms, [(ctx.cfg.valid_id_token, "Accepted"), (invalid, "Invalid")], group=group)
    tx = ctx.new_transaction()
    await _started_by_local_member(ctx, tx, "local list")
    await _not_stopped_by_invalid_member(ctx, tx)


@ocpp201_case(
    "TC_C_44_CS", "Authorization by GroupId - Invalid member in the cache", BLOCK, ["C09"],
    ["C09.FR.02", "C09.FR.03", "C09.FR.07"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_44_CS(ctx: CaseContext) -> None:
    """A member Invalid in the cache is asked about and, answered Invalid, does not stop the transaction."""
    invalid = ctx.cfg.invalid_id_token
    answer_group(ctx, {ctx.cfg.valid_id_token.id_token: "Accepted", invalid.id_token: "Invalid"})
    await cache_configuration(ctx, disable_post_authorize=False)
    await token_cached(ctx, ctx.cfg.valid_id_token, "Accepted")
    await token_cached(ctx, invalid, "Invalid")
    tx = ctx.new_transaction()
    await _started_by_local_member(ctx, tx, "authorization cache")
    await _not_stopped_by_invalid_member(ctx, tx)
