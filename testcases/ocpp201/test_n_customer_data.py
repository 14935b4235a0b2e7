"""Block N, Diagnostics: customer information about an idToken the station knows, from its authorization cache or
local list and a local authorization (N09 report, N10 clear and report)."""

from __future__ import annotations

import itertools

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201.authorization_steps import authorized_event_if_started
from harness.ocpp.v201.offline_auth import known_locally
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.states import CaseContext

BLOCK = "N Diagnostics"
_request_ids = itertools.count(9700)


async def _customer_known(ctx: CaseContext) -> None:
    """Configuration and memory state (the valid idToken in the cache and the local list, where there are they),
    then the state Authorized (local). The station has no parking bay sensor: ParkingBayUnoccupied needs nothing."""
    token = ctx.cfg.valid_id_token
    await configure_if_implemented(
        ctx.csms,
        [
            ("LocalAuthListCtrlr", "Enabled", "true"), ("AuthCtrlr", "LocalPreAuthorize", "true"),
            ("AuthCacheCtrlr", "Enabled", "true"),
        ],
    )  # fmt: skip
    await known_locally(ctx, token)
    tx = ctx.new_transaction()
    await ctx.dut.present_id_token(token, tx.evse_id)
    await authorized_event_if_started(ctx, tx, token, "Authorized (local)")


async def _report(ctx: CaseContext, *, clear: bool, step: str) -> tuple[str, list[Received]]:
    """CustomerInformation with report true for the valid idToken; the status and, when Accepted, every part of the
    report (NotifyCustomerInformation until tbc is not true; each part must come within the message timeout)."""
    request_id = next(_request_ids)
    payload = {"requestId": request_id, "report": True, "clear": clear, "idToken": ctx.cfg.valid_id_token.as_ocpp()}
    answer = await ctx.csms.call("CustomerInformation", payload)
    status = str(answer.get("status"))
    parts: list[Received] = []
    while status == "Accepted" and (not parts or parts[-1].get("tbc") is True):
        part = await ctx.csms.expect(
            "NotifyCustomerInformation", lambda r: r.get("requestId") == request_id,
            what=f"{step}: part {len(parts) + 1} of the report for requestId {request_id}",
        )  # fmt: skip
        parts.append(part)
    return status, parts


def _require_data(parts: list[Received], step: str) -> None:
    require(any(part.get("data") for part in parts), f"{step}: NotifyCustomerInformationRequest data is empty")


@ocpp201_case("TC_N_27_CS", "Customer information - report with data", BLOCK, ["N09"], ["N09.FR.02", "N09.FR.05"])
async def test_TC_N_27_CS(ctx: CaseContext) -> None:
    """A report about a customer the station knows is Accepted and carries data, in parts until tbc is not true."""
    await _customer_known(ctx)
    status, parts = await _report(ctx, clear=False, step="step 3")
    require_equal(status, "Accepted", "step 2: CustomerInformationResponse status")
    _require_data(parts, "step 3")


@ocpp201_case(
    "TC_N_30_CS", "Customer information - clear and report with data", BLOCK, ["N10"], ["N10.FR.01", "N10.FR.03"]
)
async def test_TC_N_30_CS(ctx: CaseContext) -> None:
    """Clear with report for a known customer: Accepted with data; a report asked afterwards ends (tbc not true)."""
    await _customer_known(ctx)
    status, parts = await _report(ctx, clear=True, step="step 3")
    require_equal(status, "Accepted", "step 2: CustomerInformationResponse status")
    _require_data(parts, "step 3")
    await _report(ctx, clear=False, step="step 7")  # steps 7-8 only follow when step 6 is Accepted
