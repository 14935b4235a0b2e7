"""Block N, Diagnostics: customer information about an idToken the station knows, from its authorization cache or
local list and a local authorization, or about a customerIdentifier stored at the station (N09 report, N10 clear and
report), and requests refused while the station cannot process them."""

from __future__ import annotations

import itertools

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.ocpp.messages import Received
from harness.ocpp.v201.authorization_steps import authorized_event_if_started
from harness.ocpp.v201.offline_auth import known_locally
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.states import CaseContext
from harness.verdict import LabError

BLOCK = "N Diagnostics"
_request_ids = itertools.count(9700)


async def _customer_known(ctx: CaseContext) -> None:
    """Configuration and memory state (the valid idToken in the cache and the local list, where there are they),
    then the state Authorized (local). No vehicle is in the parking bay: ParkingBayUnoccupied needs nothing."""
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


def _configured_identifier(ctx: CaseContext) -> str:
    identifier = ctx.cfg.customer_identifier
    if identifier is None:
        raise LabError("TC_N_62_CS needs test_configuration.customer_identifier in the DUT profile")
    return identifier


async def _report_identifier(ctx: CaseContext, identifier: str, *, clear: bool, step: str) -> list[Received]:
    """CustomerInformation with report true for the customerIdentifier: Accepted, then every part of the report."""
    request_id = next(_request_ids)
    payload = {"requestId": request_id, "report": True, "clear": clear, "customerIdentifier": identifier}
    answer = await ctx.csms.call("CustomerInformation", payload)
    require_equal(answer.get("status"), "Accepted", f"{step}: CustomerInformationResponse status")
    parts: list[Received] = []
    while not parts or parts[-1].get("tbc") is True:
        part = await ctx.csms.expect(
            "NotifyCustomerInformation", lambda r: r.get("requestId") == request_id,
            what=f"part {len(parts) + 1} of the report for requestId {request_id}",
        )  # fmt: skip
        parts.append(part)
    return parts


@ocpp201_case(
    "TC_N_62_CS", "Customer information - clear and report by customerIdentifier", BLOCK, ["N10"],
    ["N10.FR.01", "N10.FR.03"],
)  # fmt: skip
async def test_TC_N_62_CS(ctx: CaseContext) -> None:
    """Data stored under the configured customerIdentifier is reported and cleared; a report asked afterwards
    carries none of it."""
    identifier = _configured_identifier(ctx)
    await ctx.dut.store_customer_identifier(identifier)  # memory state
    cleared = await _report_identifier(ctx, identifier, clear=True, step="step 2")
    _require_data(cleared, "step 3")
    after = await _report_identifier(ctx, identifier, clear=False, step="step 6")
    # Part 6 prints "data empty" for step 7, while N09.FR.06 has a station say that it found nothing: a part that
    # says so passes, as long as it repeats nothing of the cleared customer's data.
    reported = {str(part.get("data")) for part in cleared}
    for part in after:
        data = str(part.get("data") or "")
        require(
            data == "" or (data not in reported and identifier not in data),
            f"step 7: the report after clearing still carries the customer's data: {data!r}",
        )


# N09.FR.03 and N10.FR.05 ask for Rejected when the station cannot process the request; Part 6 prints Invalid for
# TC_N_29_CS and TC_N_33_CS. Either one refuses the request.
REFUSED = ("Rejected", "Invalid")


async def _refused_while_unavailable(ctx: CaseContext, *, clear: bool) -> None:
    await ctx.dut.customer_data_available(False)  # prerequisite: a state in which it cannot process the request
    try:
        request_id = next(_request_ids)
        payload = {"requestId": request_id, "report": True, "clear": clear, "idToken": ctx.cfg.valid_id_token.as_ocpp()}
        answer = await ctx.csms.call("CustomerInformation", payload)
        require_in(answer.get("status"), REFUSED, "step 2: CustomerInformationResponse status")
    finally:
        await ctx.dut.customer_data_available(True)


@ocpp201_case("TC_N_29_CS", "Customer information - refused, cannot process", BLOCK, ["N09"], ["N09.FR.03"])
async def test_TC_N_29_CS(ctx: CaseContext) -> None:
    """A report request the station cannot process now is refused."""
    await _refused_while_unavailable(ctx, clear=False)


@ocpp201_case(
    "TC_N_33_CS", "Customer information - clear refused, cannot process", BLOCK, ["N10"], ["N10.FR.01", "N10.FR.05"]
)
async def test_TC_N_33_CS(ctx: CaseContext) -> None:
    """A clear request the station cannot process now is refused."""
    await _refused_while_unavailable(ctx, clear=True)
