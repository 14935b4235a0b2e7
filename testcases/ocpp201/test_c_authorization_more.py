"""Block C, Authorization: Unknown and foreign idTokens (C01), GroupId (C09), the local list while online (C14)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require
from harness.config import IdTokenSpec
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.authorization_steps import (
    answer_group,
    answer_status,
    authorize_request,
    authorized_event_if_started,
    charging,
    charging_by_group_member,
    require_no_authorize,
)
from harness.ocpp.v201.local_list import local_list_enabled, token_in_local_list
from harness.ocpp.v201.reservation_steps import second_token
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import check_trigger, configure, expect_transaction_event

BLOCK = "C Authorization"
_AUTH = [("AuthCtrlr", "Enabled", "true")]


@ocpp201_case(
    "TC_C_56_CS", "Local start transaction - authorization Unknown", BLOCK, ["C01"], ["C01.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_56_CS(ctx: CaseContext) -> None:
    """An idToken the CSMS answers Unknown starts no transaction."""
    token = ctx.cfg.invalid_id_token
    await configure(ctx.csms, _AUTH)
    ctx.csms.respond("Authorize", answer_status("Unknown"))
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorize_request(ctx, token, "step 1")
    await ctx.csms.expect_none("TransactionEvent", during=ctx.timing.absence_s, what="after Unknown")


@ocpp201_case(
    "TC_C_04_CS", "Local stop transaction - different idToken", BLOCK, ["C01", "C04", "E07"],
    ["C01.FR.02", "C01.FR.03"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_04_CS(ctx: CaseContext) -> None:
    """An Accepted idToken of no shared group does not stop someone else's transaction."""
    other = second_token(ctx)
    await configure(ctx.csms, _AUTH)
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    await ctx.dut.present_id_token(other, tx.evse_id)
    await authorize_request(ctx, other, "step 1")

    def stops_or_names_token(received: Received) -> bool:
        return received.get("idToken") is not None or received.get("eventType") == "Ended"

    await ctx.csms.expect_none(
        "TransactionEvent", stops_or_names_token, during=ctx.timing.absence_s,
        what="with an idToken or eventType Ended after a different idToken was presented",
    )  # fmt: skip


@ocpp201_case(
    "TC_C_27_CS", "Local authorization list online - Accepted", BLOCK, ["C14"], ["C14.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_27_CS(ctx: CaseContext) -> None:
    """An idToken Accepted in the local list is authorized at once, without an AuthorizeRequest, and charges."""
    token = ctx.cfg.valid_id_token
    await local_list_enabled(ctx.csms, pre_authorize=True)
    await token_in_local_list(ctx.csms, [(token, "Accepted")])
    tx = ctx.new_transaction()
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorized_event_if_started(ctx, tx, token, "step 1")
    await charging(ctx, tx)
    require_no_authorize(ctx, "for an idToken Accepted in its local list")


async def _listed_not_accepted(ctx: CaseContext, token: IdTokenSpec, status: str, *, ev_connected: bool) -> None:
    """C14.FR.03: a listed idToken that is not Accepted is checked with the CSMS, which answers `status`."""
    await local_list_enabled(ctx.csms, pre_authorize=True)
    await configure(ctx.csms, [("LocalAuthListCtrlr", "DisablePostAuthorize", "false")])
    await token_in_local_list(ctx.csms, [(token, status)])
    tx = ctx.new_transaction()
    if ev_connected:
        await states.ev_connected_pre_session(ctx, tx)
    ctx.csms.respond("Authorize", answer_status(status))
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorize_request(ctx, token, "step 1")


@ocpp201_case(
    "TC_C_28_CS", "Local authorization list online - Invalid", BLOCK, ["C14"], ["C14.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_28_CS(ctx: CaseContext) -> None:
    """An idToken Invalid in the local list is still sent to the CSMS."""
    await _listed_not_accepted(ctx, ctx.cfg.invalid_id_token, "Invalid", ev_connected=False)


@ocpp201_case(
    "TC_C_29_CS", "Local authorization list online - Blocked", BLOCK, ["C14"], ["C14.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_29_CS(ctx: CaseContext) -> None:
    """An idToken Blocked in the local list is still sent to the CSMS."""
    await _listed_not_accepted(ctx, ctx.cfg.blocked_id_token, "Blocked", ev_connected=True)


@ocpp201_case(
    "TC_C_30_CS", "Local authorization list online - Expired", BLOCK, ["C14"], ["C14.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_30_CS(ctx: CaseContext) -> None:
    """An idToken Expired in the local list is still sent to the CSMS."""
    await _listed_not_accepted(ctx, ctx.cfg.expired_id_token, "Expired", ev_connected=True)


@ocpp201_case(
    "TC_C_31_CS", "Local authorization list online - Invalid, CSMS Accepted", BLOCK, ["C14"], ["C14.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_31_CS(ctx: CaseContext) -> None:
    """An idToken Invalid in the local list but Accepted by the CSMS is authorized and charges."""
    token = ctx.cfg.invalid_id_token
    await local_list_enabled(ctx.csms, pre_authorize=True)
    await configure(ctx.csms, [("LocalAuthListCtrlr", "DisablePostAuthorize", "false")])
    await token_in_local_list(ctx.csms, [(token, "Invalid")])
    # The CSMS now holds the idToken valid: both its answers say Accepted.
    ctx.csms.respond("Authorize", answer_status("Accepted"))
    ctx.csms.respond("TransactionEvent", answer_status("Accepted"))
    tx = ctx.new_transaction()
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorize_request(ctx, token, "step 1 (Authorized)")
    await authorized_event_if_started(ctx, tx, token, "step 1")
    await charging(ctx, tx)


@ocpp201_case(
    "TC_C_58_CS", "Local authorization list online - DisablePostAuthorize", BLOCK, ["C14"], ["C14.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_58_CS(ctx: CaseContext) -> None:
    """With DisablePostAuthorize true an idToken Invalid in the local list is refused without asking the CSMS."""
    token = ctx.cfg.invalid_id_token
    await local_list_enabled(ctx.csms, pre_authorize=True)
    await configure(ctx.csms, [("LocalAuthListCtrlr", "DisablePostAuthorize", "true")])
    await token_in_local_list(ctx.csms, [(token, "Invalid")])
    await ctx.dut.present_id_token(token, ctx.cfg.evse_id)
    await ctx.csms.expect_none(
        ("Authorize", "TransactionEvent"), during=ctx.timing.absence_s,
        what="for an idToken Invalid in the local list while DisablePostAuthorize is true",
    )  # fmt: skip


@ocpp201_case(
    "TC_C_39_CS", "Authorization by GroupId - success", BLOCK, ["C09"], ["C09.FR.02", "C09.FR.03", "C09.FR.05"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_39_CS(ctx: CaseContext) -> None:
    """A second idToken of the same GroupId stops the transaction the first one started."""
    other = second_token(ctx)
    answer_group(ctx, {ctx.cfg.valid_id_token.id_token: "Accepted", other.id_token: "Accepted"})
    tx = ctx.new_transaction()
    await charging_by_group_member(ctx, tx)
    await ctx.dut.present_id_token(other, tx.evse_id)
    await authorize_request(ctx, other, "step 6")
    stop = await expect_transaction_event(ctx.csms, tx, "after the group member's idToken")
    check_trigger(stop, ("StopAuthorized",), "step 8")
    # Part 6 names the configured valid idToken here; the station may name the member that stopped it.
    allowed = (ctx.cfg.valid_id_token.as_ocpp(), other.as_ocpp())
    require(stop.get("idToken") in allowed, f"step 8: TransactionEvent idToken {stop.get('idToken')} is not a member")
    tx.authorized = False
    await states.ev_connected_post_session(ctx, tx, stop)
    ended = any(event.get("eventType") == "Ended" for event in tx.events)
    await states.ev_disconnected(ctx, tx, transaction_ended=ended)


@ocpp201_case(
    "TC_C_42_CS", "Authorization by GroupId - invalid member does not stop", BLOCK, ["C09"], ["C09.FR.11"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_42_CS(ctx: CaseContext) -> None:
    """An idToken of the same GroupId answered Invalid does not stop the transaction."""
    invalid = ctx.cfg.invalid_id_token
    answer_group(ctx, {ctx.cfg.valid_id_token.id_token: "Accepted", invalid.id_token: "Invalid"})
    tx = ctx.new_transaction()
    await charging_by_group_member(ctx, tx)
    await ctx.dut.present_id_token(invalid, tx.evse_id)
    await authorize_request(ctx, invalid, "step 6")

    def stops(received: Received) -> bool:
        stopped = received.get("triggerReason") in ("StopAuthorized", "Deauthorized")
        return stopped or received.get("eventType") == "Ended" or received.get("idToken") is not None

    await ctx.csms.expect_none(
        "TransactionEvent", stops, during=ctx.timing.absence_s,
        what="stopping the transaction after an Invalid group member's idToken",
    )  # fmt: skip
