"""Steps of N01 (GetLog): request a log upload to the harness's file server and follow its status notifications."""

from __future__ import annotations

import itertools

from harness.checks import require, require_equal
from harness.ocpp.file_server import FileServer, Upload, for_csms
from harness.ocpp.messages import Received
from harness.ocpp.v201.states import CaseContext
from harness.verdict import Nonconformity

_request_ids = itertools.count(8100)
UPLOAD_DIRECTORY = "logs"


def file_server(ctx: CaseContext) -> FileServer:
    """The file server for this case, on the interface the station reaches the CSMS on (https or http as the lab
    file says)."""
    assert ctx.server is not None, "the CSMS server is part of every bench"
    return for_csms(ctx.server)


async def get_log(
    ctx: CaseContext,
    files: FileServer,
    log_type: str,
    *,
    retries: int | None = None,
    interval_s: int | None = None,
    expected: str = "Accepted",
    step: str = "step 2",
) -> tuple[int, str]:
    """GetLog to the file server's upload directory; the answer must be `expected`. Returns (requestId, filename)."""
    request_id = next(_request_ids)
    payload: dict[str, object] = {
        "log": {"remoteLocation": files.url(UPLOAD_DIRECTORY)}, "logType": log_type, "requestId": request_id,
    }  # fmt: skip
    if retries is not None:
        payload["retries"] = retries
    if interval_s is not None:
        payload["retryInterval"] = interval_s
    answer = await ctx.csms.call("GetLog", payload)
    require_equal(answer.get("status"), expected, f"{step}: GetLogResponse status")
    filename = answer.get("filename")
    return request_id, str(filename or "")


async def expect_log_status(ctx: CaseContext, status: str | tuple[str, ...], request_id: int) -> Received:
    """The next LogStatusNotification: its status and the GetLog's requestId."""
    allowed = (status,) if isinstance(status, str) else status
    notification = await ctx.csms.expect(
        "LogStatusNotification", timeout=ctx.timing.message_timeout_s, what=f"with status {' or '.join(allowed)}"
    )
    if notification.get("status") not in allowed:
        raise Nonconformity(f"LogStatusNotification status is {notification.get('status')!r}, expected {allowed}")
    require_equal(notification.get("requestId"), request_id, "LogStatusNotification requestId")
    return notification


async def uploaded(ctx: CaseContext, files: FileServer, request_id: int, filename: str) -> Upload:
    """Uploading then Uploaded, and the file really arrived under the name GetLogResponse gave."""
    await expect_log_status(ctx, "Uploading", request_id)
    await expect_log_status(ctx, "Uploaded", request_id)
    upload = await files.next_upload(0.0)
    require(upload is not None, "the station reported Uploaded but no file reached the upload server")
    assert upload is not None
    if filename:
        require_equal(upload.path.rsplit("/", 1)[-1], filename, "name of the uploaded file (GetLogResponse filename)")
    require(len(upload.body) > 0, "the uploaded log file is empty")
    return upload
