"""Block F, TriggerMessage (F06) while a file transfer runs: the triggered Log/FirmwareStatusNotification reports
the transfer in progress (Uploading, Downloading), not Idle. The transfers are paced by our file server."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.messages import Predicate
from harness.ocpp.v201.firmware_steps import (
    expect_firmware_status,
    manufacturer,
    new_image,
    sign_firmware,
    update_firmware,
    update_firmware_request,
)
from harness.ocpp.v201.log_steps import expect_log_status, file_server, get_log
from harness.ocpp.v201.states import CaseContext

BLOCK = "F Remote control"
# How long a transfer takes on our server: long enough for the TriggerMessage round trip to land inside it.
SLOW_TRANSFER_S = 3.0


async def _trigger(ctx: CaseContext, requested: str) -> Predicate:
    """TriggerMessage `requested`, step 6: Accepted; returns a predicate for messages that came after it."""
    mark = len(ctx.csms.inbox)
    answer = await ctx.csms.call("TriggerMessage", {"requestedMessage": requested})
    require_equal(answer.get("status"), "Accepted", "step 6: TriggerMessageResponse status")
    return lambda received: received.index >= mark


@ocpp201_case(
    "TC_F_16_CS", "Trigger message - LogStatusNotification - Uploading", BLOCK, ["F06"],
    ["F06.FR.04", "F06.FR.05", "F06.FR.10", "F06.FR.14"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_16_CS(ctx: CaseContext) -> None:
    """During a slow log upload, TriggerMessage(LogStatusNotification) brings a LogStatusNotification Uploading."""
    async with file_server(ctx) as files:
        files.upload_takes_s = SLOW_TRANSFER_S
        request_id, _ = await get_log(ctx, files, "DiagnosticsLog")
        await expect_log_status(ctx, "Uploading", request_id)
        later = await _trigger(ctx, "LogStatusNotification")
        triggered = await ctx.csms.expect("LogStatusNotification", later, what="after TriggerMessage")
        require_equal(triggered.get("status"), "Uploading", "step 7: LogStatusNotification status")


@ocpp201_case(
    "TC_F_19_CS", "Trigger message - FirmwareStatusNotification - Downloading", BLOCK, ["F06"],
    ["F06.FR.04", "F06.FR.05", "F06.FR.10", "L01.FR.26"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_19_CS(ctx: CaseContext) -> None:
    """During a slow firmware download, TriggerMessage(FirmwareStatusNotification) brings status Downloading."""
    firmware = sign_firmware(manufacturer(ctx), new_image())
    async with file_server(ctx) as files:
        location = files.publish("firmware/large-image.bin", firmware.content, takes_s=SLOW_TRANSFER_S)
        request_id, payload = update_firmware_request(location, firmware, install_in_s=None)
        await update_firmware(ctx, payload, ("Accepted",))
        await expect_firmware_status(ctx, "Downloading", request_id)
        later = await _trigger(ctx, "FirmwareStatusNotification")
        triggered = await ctx.csms.expect("FirmwareStatusNotification", later, what="after TriggerMessage")
        require_equal(triggered.get("status"), "Downloading", "step 7: FirmwareStatusNotification status")
