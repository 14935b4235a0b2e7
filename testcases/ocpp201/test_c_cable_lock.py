"""Block C, Authorization: a station whose cable lock keeps the EV out until authorization (Part 5 AQ-2) refuses an
Invalid idToken (C01, C06)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.ocpp.v201.authorization_steps import authorize_request
from harness.ocpp.v201.offline_auth import TX_START_POINT, restored, start_on_authorization
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.states import CaseContext

BLOCK = "C Authorization"


@ocpp201_case(
    "TC_C_05_CS", "Local start transaction - authorization Invalid, cable lock", BLOCK, ["C01", "C04", "C06"],
    ["C01.FR.02", "C06.FR.02"], needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_05_CS(ctx: CaseContext) -> None:
    """With no EV (the lock keeps it out), an idToken the CSMS answers Invalid starts no transaction.

    Part 5 admits only stations whose TxStartPoint holds Authorized or can be set to it; it is set here so that an
    authorization wrongly granted shows as a transaction.
    """
    token = ctx.cfg.invalid_id_token
    await configure_if_implemented(
        ctx.csms, [("AuthCtrlr", "Enabled", "true"), ("AuthCtrlr", "DisableRemoteAuthorization", "false")]
    )
    async with restored(ctx, [TX_START_POINT]):
        await start_on_authorization(ctx)
        await ctx.dut.present_id_token(token, ctx.cfg.evse_id)
        await authorize_request(ctx, token, "step 1")
        await ctx.csms.expect_none(
            "TransactionEvent", during=ctx.timing.absence_s, what="after the Invalid AuthorizeResponse"
        )
