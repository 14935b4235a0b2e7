"""Block N, Diagnostics: log upload (N01) to the harness's file server, customer information (N09, N10)."""

from __future__ import annotations

import itertools
import time

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201.log_steps import expect_log_status, file_server, get_log, uploaded
from harness.ocpp.v201.states import CaseContext
from harness.verdict import Nonconformity

BLOCK = "N Diagnostics"
_customer_requests = itertools.count(9600)
# The configured retryInterval of TC_N_26_CS: longer than one upload attempt to our server takes, short for CI.
RETRY_INTERVAL_S = 1
RETRIES = 3
REQ_25 = ["N01.FR.01", "N01.FR.02", "N01.FR.04", "N01.FR.07", "N01.FR.08", "N01.FR.09", "N01.FR.13"]
REQ_26 = ["N01.FR.01", "N01.FR.02", "N01.FR.04", "N01.FR.07", "N01.FR.08", "N01.FR.10", "N01.FR.13"]
REQ_35 = ["N01.FR.01", "N01.FR.02", "N01.FR.03", "N01.FR.07", "N01.FR.08", "N01.FR.09", "N01.FR.13"]
FAILED_STATUSES = ("UploadFailure", "BadMessage", "PermissionDenied", "NotSupportedOperation")


@ocpp201_case("TC_N_25_CS", "Get log - diagnostics log uploaded", BLOCK, ["N01"], REQ_25)
async def test_TC_N_25_CS(ctx: CaseContext) -> None:
    """GetLog DiagnosticsLog: Accepted with a filename, Uploading, Uploaded, and the file on our server."""
    async with file_server(ctx) as files:
        request_id, filename = await get_log(ctx, files, "DiagnosticsLog")
        require(filename != "", "step 2: GetLogResponse filename is omitted or empty")
        await uploaded(ctx, files, request_id, filename)


@ocpp201_case("TC_N_26_CS", "Get log - upload fails after retries", BLOCK, ["N01"], REQ_26)
async def test_TC_N_26_CS(ctx: CaseContext) -> None:
    """An upload the server keeps refusing is tried 1 + retries times, retryInterval apart, then reported failed."""
    async with file_server(ctx) as files:
        files.refuse_uploads = True
        request_id, _ = await get_log(ctx, files, "DiagnosticsLog", retries=RETRIES, interval_s=RETRY_INTERVAL_S)
        first = await expect_log_status(ctx, "Uploading", request_id)
        last = first
        deadline = time.monotonic() + RETRIES * RETRY_INTERVAL_S + ctx.timing.message_timeout_s
        while last.get("status") == "Uploading":  # repeated Uploading before each retry is allowed
            require(time.monotonic() < deadline, "no failed-upload LogStatusNotification after the retries")
            last = await expect_log_status(ctx, ("Uploading", *FAILED_STATUSES), request_id)
        elapsed = last.mono - first.mono
        expected = RETRIES * RETRY_INTERVAL_S
        require(
            abs(elapsed - expected) <= ctx.timing.time_tolerance_s,
            f"{elapsed:.1f} s from Uploading to {last.get('status')}, expected {expected} s (retries x retryInterval)",
        )
        require(
            len(files.refused) == RETRIES + 1,
            f"the upload server saw {len(files.refused)} upload attempt(s), expected {RETRIES + 1} (1 + retries)",
        )


@ocpp201_case("TC_N_35_CS", "Get log - security log uploaded", BLOCK, ["N01"], REQ_35)
async def test_TC_N_35_CS(ctx: CaseContext) -> None:
    """GetLog SecurityLog: Accepted, Uploading, Uploaded, and the file on our server."""
    async with file_server(ctx) as files:
        request_id, filename = await get_log(ctx, files, "SecurityLog")
        await uploaded(ctx, files, request_id, filename)


async def _customer_information(ctx: CaseContext, *, report: bool, clear: bool, step: str = "step 2") -> None:
    """CustomerInformation for the valid idToken: Accepted, then NotifyCustomerInformation until tbc is not true."""
    request_id = next(_customer_requests)
    payload = {"requestId": request_id, "report": report, "clear": clear, "idToken": ctx.cfg.valid_id_token.as_ocpp()}
    answer = await ctx.csms.call("CustomerInformation", payload)
    require_equal(answer.get("status"), "Accepted", f"{step}: CustomerInformationResponse status")
    while True:
        notification = await ctx.csms.expect(
            "NotifyCustomerInformation", lambda r: r.get("requestId") == request_id, what=f"for requestId {request_id}"
        )
        if not notification.get("tbc"):
            return


@ocpp201_case("TC_N_28_CS", "Customer information - report, no data", BLOCK, ["N09"], ["N09.FR.02", "N09.FR.06"])
async def test_TC_N_28_CS(ctx: CaseContext) -> None:
    """After the customer's data was cleared, a report request is Accepted and answered with a final notification."""
    await _customer_information(ctx, report=False, clear=True, step="memory state")  # nothing held
    await _customer_information(ctx, report=True, clear=False)


@ocpp201_case(
    "TC_N_31_CS", "Customer information - clear and report, no data", BLOCK, ["N10"], ["N10.FR.01", "N10.FR.04"]
)
async def test_TC_N_31_CS(ctx: CaseContext) -> None:
    """Clear with report for a customer with no data: Accepted, then a notification for the request."""
    await _customer_information(ctx, report=True, clear=True)


@ocpp201_case("TC_N_32_CS", "Customer information - clear without report", BLOCK, ["N10"], ["N10.FR.01", "N10.FR.06"])
async def test_TC_N_32_CS(ctx: CaseContext) -> None:
    """Clear without report: Accepted, then a notification that the data is cleared."""
    await _customer_information(ctx, report=False, clear=True)


# TC_N_36_CS: how long the first upload takes on our server, so the second GetLog meets it in progress.
SLOW_UPLOAD_S = 2.0
REQ_36 = [*REQ_35[:-1], "N01.FR.12", "N01.FR.13"]


@ocpp201_case("TC_N_36_CS", "Get log - second request cancels the upload", BLOCK, ["N01"], REQ_36)
async def test_TC_N_36_CS(ctx: CaseContext) -> None:
    """A GetLog during a (slow) upload is AcceptedCanceled: the first upload stops, the second one arrives."""
    async with file_server(ctx) as files:
        files.upload_takes_s = SLOW_UPLOAD_S
        first_id, _ = await get_log(ctx, files, "DiagnosticsLog")
        first = await expect_log_status(ctx, "Uploading", first_id)
        if not await files.upload_begun(ctx.timing.message_timeout_s):
            raise Nonconformity("the station reported Uploading but no upload reached the server")
        files.upload_takes_s = 0.0  # the second upload need not be slow
        second_id, filename = await get_log(ctx, files, "DiagnosticsLog", expected="AcceptedCanceled", step="step 6")
        canceled = await ctx.csms.expect(
            "LogStatusNotification", timeout=ctx.timing.message_timeout_s, what="telling the upload was cancelled"
        )
        require_equal(canceled.get("status"), "AcceptedCanceled", "step 7: LogStatusNotification status")
        await uploaded(ctx, files, second_id, filename)
        # The cancelled upload must never complete: wait until it would have, had it gone on.
        left = first.mono + SLOW_UPLOAD_S + 0.5 - time.monotonic()
        late = await files.next_upload(max(left, 0.0))
        require(late is None, f"the cancelled upload still reached the server ({late.path if late else ''})")


@ocpp201_case("TC_N_34_CS", "Get log - rejected, no log data", BLOCK, ["N01"], ["N01.FR.05"])
async def test_TC_N_34_CS(ctx: CaseContext) -> None:
    """GetLog for the configured log type, erased beforehand so the station has none of it, is Rejected."""
    log_type = ctx.cfg.no_data_log_type
    await ctx.dut.erase_log(log_type)  # prerequisite: no log information available
    async with file_server(ctx) as files:
        await get_log(ctx, files, log_type, expected="Rejected")
