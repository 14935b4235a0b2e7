"""Block L, Firmware Management: an update that meets an ongoing one (L01.FR.27) or running transactions
(L01.FR.06/07): waiting for them, installing during them (C-43), new sessions allowed or not meanwhile."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.ocpp.file_server import FileServer
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.firmware_charging import (
    after_transactions,
    allow_new_sessions,
    idle_connectors_unavailable,
    second_transaction,
    unavailable_ones_available_again,
)
from harness.ocpp.v201.firmware_steps import (
    downloaded_and_verified,
    expect_firmware_status,
    installed_and_activated,
    manufacturer,
    new_image,
    publish,
    sign_firmware,
    update_firmware,
    update_firmware_request,
)
from harness.ocpp.v201.log_steps import file_server
from harness.ocpp.v201.session_end import end_session
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction

BLOCK = "L Firmware Management"
SLOW_DOWNLOAD_S = 2.0  # TC_L_11_CS: the first download is still running when the second request arrives
REQ_WAIT = ["L01.FR.01", "L01.FR.06", "L01.FR.07", "L01.FR.10", "L01.FR.20"]


async def _start_update(ctx: CaseContext, files: FileServer) -> int:
    """Steps 1-2: a correctly signed image, both dates two hours back; the request is Accepted."""
    firmware = sign_firmware(manufacturer(ctx), new_image())
    request_id, payload = update_firmware_request(publish(files, firmware), firmware)
    await update_firmware(ctx, payload, ("Accepted",))
    return request_id


async def _install_scheduled_or_installing(ctx: CaseContext, request_id: int) -> str:
    """Step 9: InstallScheduled (waiting for the transactions) or Installing (activation waits instead)."""
    status = await ctx.csms.expect("FirmwareStatusNotification", what="InstallScheduled or Installing")
    require_in(status.get("status"), ("InstallScheduled", "Installing"), "step 9: FirmwareStatusNotification status")
    require_equal(status.get("requestId"), request_id, "step 9: FirmwareStatusNotification requestId")
    return str(status.get("status"))


async def _finish_after(ctx: CaseContext, request_id: int, ended: list[Received], installing_seen: bool) -> None:
    """Installing (unless reported before or replaced by a reboot), Installed, FirmwareUpdated; connectors back."""
    if installing_seen:
        boot = await ctx.csms.expect("BootNotification", timeout=ctx.timing.boot_timeout_s,
                                     what="(activating the new firmware)")  # fmt: skip
        after_transactions(boot, ended, "activating the new firmware")
        await expect_firmware_status(ctx, "Installed", request_id, timeout=ctx.timing.boot_timeout_s)
        await expect_firmware_status_event(ctx)
    else:
        first = await ctx.csms.expect(("FirmwareStatusNotification", "BootNotification"),
                                      what="Installing or the reboot before installation")  # fmt: skip
        after_transactions(first, ended, "installing the new firmware")
        if first.action == "FirmwareStatusNotification":
            require_equal(first.get("status"), "Installing", "step 17: FirmwareStatusNotification status")
        await expect_firmware_status(ctx, "Installed", request_id, timeout=ctx.timing.boot_timeout_s)
        await expect_firmware_status_event(ctx)
    await unavailable_ones_available_again(ctx)


async def expect_firmware_status_event(ctx: CaseContext) -> None:
    event = await ctx.csms.expect("SecurityEventNotification", lambda r: r.get("type") == "FirmwareUpdated",
                                  what="with type FirmwareUpdated")  # fmt: skip
    require_equal(event.get("type"), "FirmwareUpdated", "SecurityEventNotification type")


@ocpp201_case(
    "TC_L_11_CS", "Secure firmware update - unable to cancel", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.10", "L01.FR.20", "L01.FR.27"],
)  # fmt: skip
async def test_TC_L_11_CS(ctx: CaseContext) -> None:
    """Without C-60, a second update during the (slow) download is Rejected and the first one completes."""
    firmware = sign_firmware(manufacturer(ctx), new_image())
    async with file_server(ctx) as files:
        location = files.publish("firmware/large-image.bin", firmware.content, takes_s=SLOW_DOWNLOAD_S)
        first_id, payload = update_firmware_request(location, firmware)
        await update_firmware(ctx, payload, ("Accepted",))
        await expect_firmware_status(ctx, "Downloading", first_id)
        _, payload = update_firmware_request(location, firmware)
        answer = await ctx.csms.call("UpdateFirmware", payload)
        require_equal(answer.get("status"), "Rejected", "step 6: UpdateFirmwareResponse status")
        await expect_firmware_status(
            ctx, "Downloaded", first_id, timeout=ctx.timing.message_timeout_s + SLOW_DOWNLOAD_S
        )
        await expect_firmware_status(ctx, "SignatureVerified", first_id)
        await installed_and_activated(ctx, first_id)


@ocpp201_case(
    "TC_L_16_CS", "Secure firmware update - installed during a transaction", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.06", "L01.FR.10", "L01.FR.20"],
)  # fmt: skip
async def test_TC_L_16_CS(ctx: CaseContext) -> None:
    """While charging, the update runs through to Installing, the reconnect, Installed: the transaction goes on."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    async with file_server(ctx) as files:
        request_id = await _start_update(ctx, files)
        await downloaded_and_verified(ctx, request_id)
        await expect_firmware_status(ctx, "Installing", request_id)
        await expect_firmware_status(ctx, "Installed", request_id, timeout=ctx.timing.boot_timeout_s)
        await expect_firmware_status_event(ctx)
    ended = [
        event for event in ctx.csms.history("TransactionEvent")
        if event.get("transactionInfo.transactionId") == tx.transaction_id and event.get("eventType") == "Ended"
    ]  # fmt: skip
    require(not ended, "the transaction ended during the update; the station claims it installs while charging")


@ocpp201_case("TC_L_13_CS", "Secure firmware update - waits for the transaction, no new sessions", BLOCK, ["L01"],
              REQ_WAIT)  # fmt: skip
async def test_TC_L_13_CS(ctx: CaseContext) -> None:
    """Download and install wait for the transaction to end; meanwhile idle connectors are Unavailable."""
    await allow_new_sessions(ctx, False, required=True)
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    async with file_server(ctx) as files:
        request_id = await _start_update(ctx, files)
        await idle_connectors_unavailable(ctx, tx, "step 5")
        ended = [await end_session(ctx, tx)]
        # Step 3 (DownloadScheduled) is optional here: the first status after it must be Downloading.
        first = await ctx.csms.expect("FirmwareStatusNotification", what="DownloadScheduled or Downloading")
        if first.get("status") == "DownloadScheduled":
            require_equal(first.get("requestId"), request_id, "step 3: FirmwareStatusNotification requestId")
            first = await expect_firmware_status(ctx, "Downloading", request_id)
        require_equal(first.get("status"), "Downloading", "step 8: FirmwareStatusNotification status")
        after_transactions(first, ended, "downloading the firmware")
        await expect_firmware_status(ctx, "Downloaded", request_id)
        await expect_firmware_status(ctx, "SignatureVerified", request_id)
        await _finish_after(ctx, request_id, ended, installing_seen=False)


@ocpp201_case("TC_L_15_CS", "Secure firmware update - install waits for the transaction, no new sessions", BLOCK,
              ["L01"], REQ_WAIT)  # fmt: skip
async def test_TC_L_15_CS(ctx: CaseContext) -> None:
    """Downloaded while charging, installed (activated) only after the transaction; idle connectors Unavailable."""
    await allow_new_sessions(ctx, False, required=True)
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    async with file_server(ctx) as files:
        request_id = await _start_update(ctx, files)
        await downloaded_and_verified(ctx, request_id)
        status = await _install_scheduled_or_installing(ctx, request_id)
        await idle_connectors_unavailable(ctx, tx, "step 11")
        ended = [await end_session(ctx, tx)]
        await _finish_after(ctx, request_id, ended, installing_seen=status == "Installing")


@ocpp201_case("TC_L_12_CS", "Secure firmware update - waits for the transactions, new sessions allowed", BLOCK,
              ["L01"], REQ_WAIT)  # fmt: skip
async def test_TC_L_12_CS(ctx: CaseContext) -> None:
    """DownloadScheduled while charging; a second EVSE still starts a session; the update runs after both end."""
    await allow_new_sessions(ctx, True, required=False)
    tx = ctx.new_transaction()
    second = second_transaction(ctx, tx)
    await states.energy_transfer_started(ctx, tx)
    async with file_server(ctx) as files:
        request_id = await _start_update(ctx, files)
        await expect_firmware_status(ctx, "DownloadScheduled", request_id)
        await states.energy_transfer_started(ctx, second)
        ended = await _end_both(ctx, tx, second)
        downloading = await expect_firmware_status(ctx, "Downloading", request_id)
        after_transactions(downloading, ended, "downloading the firmware")
        await expect_firmware_status(ctx, "Downloaded", request_id)
        await expect_firmware_status(ctx, "SignatureVerified", request_id)
        await _finish_after(ctx, request_id, ended, installing_seen=False)


@ocpp201_case("TC_L_14_CS", "Secure firmware update - install waits for the transactions, new sessions allowed",
              BLOCK, ["L01"], REQ_WAIT)  # fmt: skip
async def test_TC_L_14_CS(ctx: CaseContext) -> None:
    """Downloaded while charging; a second EVSE still starts a session; installation only after both ended."""
    await allow_new_sessions(ctx, True, required=False)
    tx = ctx.new_transaction()
    second = second_transaction(ctx, tx)
    await states.energy_transfer_started(ctx, tx)
    async with file_server(ctx) as files:
        request_id = await _start_update(ctx, files)
        await downloaded_and_verified(ctx, request_id)
        status = await _install_scheduled_or_installing(ctx, request_id)
        await states.energy_transfer_started(ctx, second)
        ended = await _end_both(ctx, tx, second)
        await _finish_after(ctx, request_id, ended, installing_seen=status == "Installing")


async def _end_both(ctx: CaseContext, first: Transaction, second: Transaction) -> list[Received]:
    """Steps 6-7 / 12-13: end the first session, then the second (the update may only go on after the last)."""
    return [await end_session(ctx, first), await end_session(ctx, second)]
