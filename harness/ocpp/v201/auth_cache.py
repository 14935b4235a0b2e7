"""Steps for the Authorization Cache (C10-C12): its configuration state and the memory state IdTokenCached."""

from __future__ import annotations

from harness.checks import require_equal
from harness.config import IdTokenSpec
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import check_trigger, configure, expect_transaction_event


async def cache_configuration(
    ctx: CaseContext, *, pre_authorize: bool | None = True, disable_post_authorize: bool | None = None
) -> None:
    """Configuration state: AuthCacheCtrlr.Enabled true, LocalPreAuthorize and DisablePostAuthorize as given."""
    settings = [("AuthCtrlr", "Enabled", "true"), ("AuthCacheCtrlr", "Enabled", "true")]
    if pre_authorize is not None:
        settings.append(("AuthCtrlr", "LocalPreAuthorize", "true" if pre_authorize else "false"))
    if disable_post_authorize is not None:
        settings.append(("AuthCacheCtrlr", "DisablePostAuthorize", "true" if disable_post_authorize else "false"))
    await configure(ctx.csms, settings)


async def token_cached(ctx: CaseContext, token: IdTokenSpec, status: str, *, authorizes: bool = True) -> None:
    """Memory state IdTokenCached: the CSMS answers `token` with `status` once, without an EV plugged in.

    An Accepted idToken leaves the EVSE authorized; presenting it again withdraws that authorization (E07), so the
    case starts from an idle EVSE with only the cache entry left behind. A master pass idToken (`authorizes`
    false) is Accepted but authorizes nothing (C16.FR.03), so nothing is left to withdraw.
    """
    tx = ctx.new_transaction()
    await ctx.dut.present_id_token(token, tx.evse_id)
    request = await ctx.csms.expect("Authorize", what=f"while filling the cache with {token.id_token}")
    require_equal(request.get("idToken"), token.as_ocpp(), "IdTokenCached: AuthorizeRequest idToken")
    if status != "Accepted" or not authorizes:
        return
    started = "Authorized" in ctx.tx_start_point
    if started:
        event = await expect_transaction_event(ctx.csms, tx, "after the authorization that fills the cache")
        check_trigger(event, ("Authorized",), "IdTokenCached")
    await ctx.dut.present_id_token(token, tx.evse_id)
    if started:
        await expect_transaction_event(
            ctx.csms, tx, "ending the transaction of the cache filling",
            extra=lambda r: r.get("eventType") == "Ended",
        )  # fmt: skip
