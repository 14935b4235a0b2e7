"""Block C, Authorization: the Authorization Cache, its store (C10), ClearCache (C11) and its use online (C12)."""

from __future__ import annotations

import asyncio
import math

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.config import IdTokenSpec
from harness.ocpp.v201 import states
from harness.ocpp.v201.auth_cache import cache_configuration, token_cached
from harness.ocpp.v201.authorization_steps import (
    answer_status,
    authorize_count,
    authorize_request,
    authorized_event_if_started,
    charging,
    require_no_authorize,
)
from harness.ocpp.v201.local_list import local_list_enabled
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, expect_connector, expect_transaction_event

BLOCK = "C Authorization"


async def _cached_accepted_charges(ctx: CaseContext, *, ev_first: bool) -> None:
    """C12.FR.02: an idToken Accepted in the cache is authorized without an AuthorizeRequest and charges."""
    token = ctx.cfg.valid_id_token
    tx = ctx.new_transaction()
    if ev_first:
        await states.ev_connected_pre_session(ctx, tx)
    before = authorize_count(ctx)
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorized_event_if_started(ctx, tx, token, "step 1")
    await charging(ctx, tx)
    require_no_authorize(ctx, "for an idToken Accepted in the authorization cache", before)


@ocpp201_case(
    "TC_C_08_CS", "Authorization cache - Accepted", BLOCK, ["C12"], ["C12.FR.02", "C12.FR.04"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_08_CS(ctx: CaseContext) -> None:
    """With LocalPreAuthorize, a cached Accepted idToken starts charging without asking the CSMS."""
    await cache_configuration(ctx)
    await token_cached(ctx, ctx.cfg.valid_id_token, "Accepted")
    await _cached_accepted_charges(ctx, ev_first=True)


async def _cached_not_accepted(ctx: CaseContext, token: IdTokenSpec, status: str) -> None:
    """C12.FR.05 / C10.FR.03: a cached idToken that is not Accepted is asked about again while online."""
    await cache_configuration(ctx, disable_post_authorize=False)
    await token_cached(ctx, token, status)
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorize_request(ctx, token, "step 1")


@ocpp201_case(
    "TC_C_09_CS", "Authorization cache - Invalid, not accepted", BLOCK, ["C12"], ["C12.FR.05", "C10.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_09_CS(ctx: CaseContext) -> None:
    """A cached Invalid idToken is sent to the CSMS again."""
    await _cached_not_accepted(ctx, ctx.cfg.invalid_id_token, "Invalid")


@ocpp201_case(
    "TC_C_10_CS", "Authorization cache - Blocked", BLOCK, ["C12"], ["C12.FR.05", "C10.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_10_CS(ctx: CaseContext) -> None:
    """A cached Blocked idToken is sent to the CSMS again."""
    await _cached_not_accepted(ctx, ctx.cfg.blocked_id_token, "Blocked")


@ocpp201_case(
    "TC_C_11_CS", "Authorization cache - Expired", BLOCK, ["C12"], ["C12.FR.05", "C10.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_11_CS(ctx: CaseContext) -> None:
    """A cached Expired idToken is sent to the CSMS again."""
    await _cached_not_accepted(ctx, ctx.cfg.expired_id_token, "Expired")


@ocpp201_case(
    "TC_C_12_CS", "Authorization cache - Invalid, then accepted", BLOCK, ["C12"], ["C12.FR.05", "C10.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_12_CS(ctx: CaseContext) -> None:
    """A cached Invalid idToken that the CSMS now accepts starts charging."""
    token = ctx.cfg.invalid_id_token
    await cache_configuration(ctx, disable_post_authorize=False)
    await token_cached(ctx, token, "Invalid")
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    # The CSMS now holds the idToken valid: both its answers say Accepted.
    ctx.csms.respond("Authorize", answer_status("Accepted"))
    ctx.csms.respond("TransactionEvent", answer_status("Accepted"))
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorize_request(ctx, token, "step 1")
    await authorized_event_if_started(ctx, tx, token, "step 3")
    await charging(ctx, tx)


@ocpp201_case(
    "TC_C_13_CS", "Authorization cache - Accepted before the cable", BLOCK, ["C12"], ["C12.FR.02", "C12.FR.04"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_13_CS(ctx: CaseContext) -> None:
    """A cached Accepted idToken presented before the EV is plugged in authorizes at once; charging follows."""
    await cache_configuration(ctx)
    await token_cached(ctx, ctx.cfg.valid_id_token, "Accepted")
    await _cached_accepted_charges(ctx, ev_first=False)


@ocpp201_case(
    "TC_C_32_CS", "Authorization cache - persistent over reboot", BLOCK, ["C10"], ["C10.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_32_CS(ctx: CaseContext) -> None:
    """A cached Accepted idToken is still used locally after a power cycle."""
    await cache_configuration(ctx)
    await token_cached(ctx, ctx.cfg.valid_id_token, "Accepted")
    await states.booted(ctx)
    await _cached_accepted_charges(ctx, ev_first=False)


@ocpp201_case(
    "TC_C_36_CS", "Authorization cache - LocalPreAuthorize false", BLOCK, ["C10"], ["C10.FR.11"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_36_CS(ctx: CaseContext) -> None:
    """Without LocalPreAuthorize a cached Accepted idToken is still sent to the CSMS."""
    token = ctx.cfg.valid_id_token
    await cache_configuration(ctx, pre_authorize=False)
    await token_cached(ctx, token, "Accepted")
    ctx.csms.respond("Authorize", answer_status("Invalid"))
    await ctx.dut.present_id_token(token, ctx.cfg.evse_id)
    await authorize_request(ctx, token, "step 1")


@ocpp201_case(
    "TC_C_37_CS", "Clear authorization cache - Accepted", BLOCK, ["C11"], ["C11.FR.01", "C11.FR.02", "C11.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_37_CS(ctx: CaseContext) -> None:
    """ClearCache empties the cache: the idToken cached before is sent to the CSMS again.

    LocalPreAuthorize is switched on too, so that a cache that was not emptied would show (no AuthorizeRequest).
    """
    token = ctx.cfg.valid_id_token
    await cache_configuration(ctx)
    await token_cached(ctx, token, "Accepted")
    answer = await ctx.csms.call("ClearCache", {})
    require_equal(answer.get("status"), "Accepted", "step 2: ClearCacheResponse status")
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorize_request(ctx, token, "step 5")
    await authorized_event_if_started(ctx, tx, token, "step 7")
    await charging(ctx, tx)


@ocpp201_case(
    "TC_C_38_CS", "Clear authorization cache - Rejected", BLOCK, ["C11"], ["C11.FR.01", "C11.FR.02", "C11.FR.04"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_38_CS(ctx: CaseContext) -> None:
    """ClearCache is Rejected while the cache is disabled (the cache was filled before it was switched off)."""
    await cache_configuration(ctx, pre_authorize=None)
    await token_cached(ctx, ctx.cfg.valid_id_token, "Accepted")
    await configure(ctx.csms, [("AuthCacheCtrlr", "Enabled", "false")])
    answer = await ctx.csms.call("ClearCache", {})
    require_equal(answer.get("status"), "Rejected", "step 2: ClearCacheResponse status")


@ocpp201_case(
    "TC_C_46_CS", "Authorization cache - AuthCacheLifeTime", BLOCK, ["C10"], ["C10.FR.08"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_46_CS(ctx: CaseContext) -> None:
    """Once AuthCacheLifeTime has passed, a cached Accepted idToken is sent to the CSMS again."""
    lifetime = max(1, math.ceil(ctx.cfg.transaction_duration_s))
    await configure(ctx.csms, [("AuthCacheCtrlr", "LifeTime", str(lifetime))])
    await cache_configuration(ctx)
    await token_cached(ctx, ctx.cfg.valid_id_token, "Accepted")
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await asyncio.sleep(lifetime)
    await states.authorized(ctx, tx, "local")


@ocpp201_case(
    "TC_C_57_CS", "Authorization cache - DisablePostAuthorize", BLOCK, ["C12"], ["C12.FR.05", "C10.FR.03"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_57_CS(ctx: CaseContext) -> None:
    """With AuthCacheDisablePostAuthorize a cached Invalid idToken is refused without asking the CSMS."""
    token = ctx.cfg.invalid_id_token
    await cache_configuration(ctx, disable_post_authorize=True)
    await token_cached(ctx, token, "Invalid")
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await ctx.dut.present_id_token(token, tx.evse_id)
    await ctx.csms.expect_none(
        ("Authorize", "TransactionEvent"), during=ctx.timing.absence_s,
        what="for an idToken Invalid in the cache while AuthCacheCtrlr.DisablePostAuthorize is true",
    )  # fmt: skip


@ocpp201_case(
    "TC_C_33_CS", "Authorization cache - updated on AuthorizeResponse", BLOCK, ["C10"], ["C10.FR.04", "C12.FR.06"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_33_CS(ctx: CaseContext) -> None:
    """What an AuthorizeResponse said is cached: the next session with that idToken is authorized locally."""
    token = ctx.cfg.valid_id_token
    await cache_configuration(ctx)
    await local_list_enabled(ctx.csms)
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await states.authorized(ctx, tx, "local")
    await states.energy_transfer_started(ctx, tx)
    stop = await states.stop_authorized(ctx, tx)
    await states.ev_connected_post_session(ctx, tx, stop)
    await states.ev_disconnected(ctx, tx, transaction_ended=_ended(tx))
    again = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, again)
    ctx.csms.respond("TransactionEvent", answer_status("Invalid"))
    before = authorize_count(ctx)
    await ctx.dut.present_id_token(token, again.evse_id)
    await authorized_event_if_started(ctx, again, token, "step 12")
    require_no_authorize(ctx, "for an idToken whose Accepted AuthorizeResponse is in the cache", before)


@ocpp201_case(
    "TC_C_34_CS", "Authorization cache - updated on TransactionEventResponse", BLOCK, ["C10"],
    ["C10.FR.05", "C12.FR.06"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_34_CS(ctx: CaseContext) -> None:
    """A TransactionEventResponse saying Invalid replaces the cached Accepted: the idToken is asked about again."""
    token = ctx.cfg.valid_id_token
    await cache_configuration(ctx)
    await local_list_enabled(ctx.csms)
    await token_cached(ctx, token, "Accepted")
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    ctx.csms.respond("TransactionEvent", answer_status("Invalid"))
    ctx.csms.respond("Authorize", answer_status("Invalid"))
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorized_event_if_started(ctx, tx, token, "step 1")
    # EVDisconnected: the deauthorized transaction ends, at the latest when the EV leaves.
    await ctx.dut.unplug(tx.evse_id, tx.connector_id)
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Available")
    tx.ev_connected = False
    if tx.started and not _ended(tx):
        await expect_transaction_event(
            ctx.csms, tx, "ending the deauthorized transaction", extra=lambda r: r.get("eventType") == "Ended"
        )
    again = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, again)
    await ctx.dut.present_id_token(token, again.evse_id)
    await authorize_request(ctx, token, "step 7")


def _ended(tx: Transaction) -> bool:
    return any(event.get("eventType") == "Ended" for event in tx.events)
