"""Block C, Authorization: a station must not start a transaction for an idToken the CSMS did not accept (C01)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.config import IdTokenSpec
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure

BLOCK = "C Authorization"


async def _present_rejected_token(ctx: CaseContext, token: IdTokenSpec, status: str) -> None:
    """Shared scenario of C01 negative cases: EV connected, a token the CSMS rejects, no transaction follows."""
    await configure(ctx.csms, [("AuthCtrlr", "Enabled", "true")])
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await ctx.dut.present_id_token(token, tx.evse_id)
    request = await ctx.csms.expect("Authorize", what=f"for the {status.lower()} idToken")
    require_equal(request.get("idToken"), token.as_ocpp(), "step 1: AuthorizeRequest idToken")
    await ctx.csms.expect_none(
        "TransactionEvent", during=ctx.timing.absence_s, what=f"after an idToken answered {status}"
    )


@ocpp201_case(
    "TC_C_02_CS", "Local start transaction - authorization Invalid", BLOCK, ["C01"], ["C01.FR.02", "C06.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_02_CS(ctx: CaseContext) -> None:
    """An idToken answered Invalid starts no transaction."""
    await _present_rejected_token(ctx, ctx.cfg.invalid_id_token, "Invalid")


@ocpp201_case(
    "TC_C_06_CS", "Local start transaction - authorization Blocked", BLOCK, ["C01"], ["C01.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_06_CS(ctx: CaseContext) -> None:
    """An idToken answered Blocked starts no transaction."""
    await _present_rejected_token(ctx, ctx.cfg.blocked_id_token, "Blocked")


@ocpp201_case(
    "TC_C_07_CS", "Local start transaction - authorization Expired", BLOCK, ["C01"], ["C01.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_07_CS(ctx: CaseContext) -> None:
    """An idToken answered Expired starts no transaction."""
    await _present_rejected_token(ctx, ctx.cfg.expired_id_token, "Expired")
