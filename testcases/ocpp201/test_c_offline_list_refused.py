"""Block C, Authorization: offline, an idToken the Local Authorization List holds as Invalid, Blocked or Expired is
refused (C13)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.config import IdTokenSpec
from harness.ocpp.messages import Received
from harness.ocpp.v201.local_list import local_list_enabled, token_in_local_list
from harness.ocpp.v201.offline import offline, reconnected
from harness.ocpp.v201.offline_auth import TX_START_POINT, offline_timers, restored, start_on_authorization
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure

BLOCK = "C Authorization"


async def _refused_offline(ctx: CaseContext, token: IdTokenSpec, status: str) -> None:
    """Configuration and memory state, then steps 1-5: offline the listed idToken is presented; after the reconnect
    no transaction shows (nobody drives into the parking bay, so no EVDetected event is due either)."""
    await local_list_enabled(ctx.csms)
    await configure_if_implemented(
        ctx.csms, [("AuthCtrlr", "LocalPreAuthorize", "true"), ("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "false")]
    )
    await configure(ctx.csms, [("AuthCtrlr", "LocalAuthorizeOffline", "true")])
    await token_in_local_list(ctx.csms, [(token, status)])
    async with restored(ctx, [TX_START_POINT]), offline_timers(ctx) as wait_s:
        await start_on_authorization(ctx)
        async with offline(ctx):
            await ctx.dut.present_id_token(token, ctx.cfg.evse_id)
        await reconnected(ctx, wait_s)

        def for_the_token(received: Received) -> bool:
            return bool(received.get("idToken") == token.as_ocpp() or received.get("eventType") == "Started")

        await ctx.csms.expect_none(
            "TransactionEvent", for_the_token, during=ctx.timing.absence_s,
            what=f"for an idToken the local list holds {status}, presented offline",
        )  # fmt: skip


@ocpp201_case(
    "TC_C_22_CS", "Offline authorization through the local list - Invalid", BLOCK, ["C13"], ["C13.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_22_CS(ctx: CaseContext) -> None:
    """Offline, an idToken Invalid in the local list starts no transaction."""
    await _refused_offline(ctx, ctx.cfg.invalid_id_token, "Invalid")


@ocpp201_case(
    "TC_C_23_CS", "Offline authorization through the local list - Blocked", BLOCK, ["C13"], ["C13.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_23_CS(ctx: CaseContext) -> None:
    """Offline, an idToken Blocked in the local list starts no transaction."""
    await _refused_offline(ctx, ctx.cfg.blocked_id_token, "Blocked")


@ocpp201_case(
    "TC_C_24_CS", "Offline authorization through the local list - Expired", BLOCK, ["C13"], ["C13.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_C_24_CS(ctx: CaseContext) -> None:
    """Offline, an idToken Expired in the local list starts no transaction."""
    await _refused_offline(ctx, ctx.cfg.expired_id_token, "Expired")
