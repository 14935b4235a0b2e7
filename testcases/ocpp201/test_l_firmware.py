"""Block L, Firmware Management: secure firmware update (L01) through a real HTTP download and signature check."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal, require_in
from harness.ocpp.v201.firmware_steps import (
    downloaded_and_verified,
    expect_firmware_status,
    expect_security_event,
    installed_and_activated,
    manufacturer,
    new_image,
    publish,
    sign_firmware,
    uninstallable_image,
    update_firmware,
    update_firmware_request,
)
from harness.ocpp.v201.log_steps import file_server
from harness.ocpp.v201.states import CaseContext
from harness.pki import Authority

BLOCK = "L Firmware Management"
# How far ahead a case schedules retrieveDateTime / installDateTime: long enough to prove the station waits, short
# enough for CI; the silence checked before it leaves a second for clock granularity (dates have whole seconds).
SCHEDULE_OFFSET_S = 4.0
SILENCE_MARGIN_S = 1.5
SLOW_DOWNLOAD_S = 2.0


@ocpp201_case(
    "TC_L_01_CS", "Secure firmware update - installed", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.04", "L01.FR.05", "L01.FR.09", "L01.FR.10", "L01.FR.12", "L01.FR.13", "L01.FR.15",
     "L01.FR.20", "L01.FR.21", "L01.FR.23"],
)  # fmt: skip
async def test_TC_L_01_CS(ctx: CaseContext) -> None:
    """A correctly signed image is downloaded, verified, installed and reported Installed with FirmwareUpdated."""
    firmware = sign_firmware(manufacturer(ctx), new_image())
    async with file_server(ctx) as files:
        request_id, payload = update_firmware_request(publish(files, firmware), firmware)
        await update_firmware(ctx, payload, ("Accepted",))
        await downloaded_and_verified(ctx, request_id)
        await installed_and_activated(ctx, request_id)


@ocpp201_case(
    "TC_L_02_CS", "Secure firmware update - install scheduled", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.04", "L01.FR.05", "L01.FR.09", "L01.FR.10", "L01.FR.12", "L01.FR.15", "L01.FR.16",
     "L01.FR.20", "L01.FR.21", "L01.FR.23"],
)  # fmt: skip
async def test_TC_L_02_CS(ctx: CaseContext) -> None:
    """With installDateTime ahead, the verified image is InstallScheduled and installed only from that moment."""
    firmware = sign_firmware(manufacturer(ctx), new_image())
    async with file_server(ctx) as files:
        request_id, payload = update_firmware_request(
            publish(files, firmware), firmware, install_in_s=SCHEDULE_OFFSET_S
        )
        await update_firmware(ctx, payload, ("Accepted",))
        await downloaded_and_verified(ctx, request_id)
        await expect_firmware_status(ctx, "InstallScheduled", request_id)
        await ctx.csms.expect_none(
            ("FirmwareStatusNotification", "BootNotification"), during=SCHEDULE_OFFSET_S - SILENCE_MARGIN_S,
            what="(installation) before installDateTime",
        )  # fmt: skip
        await installed_and_activated(ctx, request_id, timeout=ctx.timing.message_timeout_s + SCHEDULE_OFFSET_S)


@ocpp201_case(
    "TC_L_03_CS", "Secure firmware update - download scheduled", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.04", "L01.FR.05", "L01.FR.09", "L01.FR.10", "L01.FR.12", "L01.FR.13", "L01.FR.15",
     "L01.FR.20", "L01.FR.21", "L01.FR.23"],
)  # fmt: skip
async def test_TC_L_03_CS(ctx: CaseContext) -> None:
    """With retrieveDateTime ahead, the station reports DownloadScheduled and starts downloading only then."""
    firmware = sign_firmware(manufacturer(ctx), new_image())
    async with file_server(ctx) as files:
        request_id, payload = update_firmware_request(
            publish(files, firmware), firmware, retrieve_in_s=SCHEDULE_OFFSET_S
        )
        await update_firmware(ctx, payload, ("Accepted",))
        await expect_firmware_status(ctx, "DownloadScheduled", request_id)
        await ctx.csms.expect_none(
            "FirmwareStatusNotification", during=SCHEDULE_OFFSET_S - SILENCE_MARGIN_S,
            what="(download) before retrieveDateTime",
        )  # fmt: skip
        await expect_firmware_status(
            ctx, "Downloading", request_id, timeout=ctx.timing.message_timeout_s + SCHEDULE_OFFSET_S
        )
        await expect_firmware_status(ctx, "Downloaded", request_id)
        await expect_firmware_status(ctx, "SignatureVerified", request_id)
        await installed_and_activated(ctx, request_id)


@ocpp201_case(
    "TC_L_05_CS", "Secure firmware update - invalid signing certificate", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.02", "L01.FR.10", "L01.FR.20", "L01.FR.21", "L01.FR.22"],
)  # fmt: skip
async def test_TC_L_05_CS(ctx: CaseContext) -> None:
    """A signing certificate that does not chain to the manufacturer root is refused with a security event."""
    manufacturer(ctx)  # a lab without the real signer cannot tell the station's refusal from its own mistake
    stranger = Authority.root("Unknown Firmware Manufacturer", "secp256r1")
    firmware = sign_firmware(stranger, new_image())
    async with file_server(ctx) as files:
        _, payload = update_firmware_request(publish(files, firmware), firmware)
        await update_firmware(ctx, payload, ("InvalidCertificate", "RevokedCertificate"))
        await expect_security_event(ctx, "InvalidFirmwareSigningCertificate")


@ocpp201_case(
    "TC_L_06_CS", "Secure firmware update - invalid signature", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.03", "L01.FR.04", "L01.FR.10", "L01.FR.20"],
)  # fmt: skip
async def test_TC_L_06_CS(ctx: CaseContext) -> None:
    """A tampered image (real signature of other bytes) is downloaded, then reported InvalidSignature."""
    genuine = sign_firmware(manufacturer(ctx), new_image())
    tampered = genuine.content[:-16] + bytes(16)
    async with file_server(ctx) as files:
        location = files.publish("firmware/tampered.bin", tampered)
        request_id, payload = update_firmware_request(location, genuine)
        await update_firmware(ctx, payload, ("Accepted",))
        await expect_firmware_status(ctx, "Downloading", request_id)
        await expect_firmware_status(ctx, "Downloaded", request_id)
        await expect_firmware_status(ctx, "InvalidSignature", request_id)
        await expect_security_event(ctx, "InvalidFirmwareSignature")


@ocpp201_case(
    "TC_L_07_CS", "Secure firmware update - download failed", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.10", "L01.FR.20"],
)  # fmt: skip
async def test_TC_L_07_CS(ctx: CaseContext) -> None:
    """A location naming no file ends in DownloadFailed (Downloading before it is optional)."""
    firmware = sign_firmware(manufacturer(ctx), new_image())
    async with file_server(ctx) as files:
        request_id, payload = update_firmware_request(publish(files, firmware) + "_does_not_exist", firmware)
        await update_firmware(ctx, payload, ("Accepted",))
        first = await ctx.csms.expect(
            "FirmwareStatusNotification", timeout=ctx.timing.message_timeout_s, what="Downloading or DownloadFailed"
        )
        last = (
            await expect_firmware_status(ctx, "DownloadFailed", request_id)
            if first.get("status") == "Downloading"
            else first
        )
        require_equal(last.get("status"), "DownloadFailed", "FirmwareStatusNotification status")
        require_equal(last.get("requestId"), request_id, "FirmwareStatusNotification DownloadFailed requestId")


@ocpp201_case(
    "TC_L_18_CS", "Secure firmware update - unsigned request refused", BLOCK, ["L01"], [],
)  # fmt: skip
async def test_TC_L_18_CS(ctx: CaseContext) -> None:
    """An UpdateFirmware without signingCertificate and signature is not accepted by a secure-update station."""
    firmware = sign_firmware(manufacturer(ctx), new_image())
    async with file_server(ctx) as files:
        _, payload = update_firmware_request(publish(files, firmware), None)
        await update_firmware(ctx, payload, ("Rejected", "InvalidCertificate"))


@ocpp201_case(
    "TC_L_10_CS", "Secure firmware update - cancel the ongoing one", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.10", "L01.FR.20", "L01.FR.24"],
)  # fmt: skip
async def test_TC_L_10_CS(ctx: CaseContext) -> None:
    """A second UpdateFirmware while the first is downloading is AcceptedCanceled; the second then completes."""
    firmware = sign_firmware(manufacturer(ctx), new_image())
    async with file_server(ctx) as files:
        # A download that lasts a moment, as a real image does, so the first update is still in progress.
        location = files.publish("firmware/large-image.bin", firmware.content, takes_s=SLOW_DOWNLOAD_S)
        first_id, payload = update_firmware_request(location, firmware)
        await update_firmware(ctx, payload, ("Accepted",))
        await expect_firmware_status(ctx, "Downloading", first_id)
        second_id, payload = update_firmware_request(location, firmware)
        await update_firmware(ctx, payload, ("AcceptedCanceled",))
        await expect_firmware_status(ctx, "Downloading", second_id)
        await expect_firmware_status(
            ctx, "Downloaded", second_id, timeout=ctx.timing.message_timeout_s + SLOW_DOWNLOAD_S
        )
        await expect_firmware_status(ctx, "SignatureVerified", second_id)
        await installed_and_activated(ctx, second_id)


@ocpp201_case(
    "TC_L_08_CS", "Secure firmware update - installation verification fails", BLOCK, ["L01"],
    ["L01.FR.01", "L01.FR.10", "L01.FR.12", "L01.FR.20"],
)  # fmt: skip
async def test_TC_L_08_CS(ctx: CaseContext) -> None:
    """A well-signed image that is no firmware of the station verifies, then fails installation; no reboot into it."""
    firmware = sign_firmware(manufacturer(ctx), uninstallable_image())
    async with file_server(ctx) as files:
        location = files.publish("firmware/not-for-this-station.bin", firmware.content)
        request_id, payload = update_firmware_request(location, firmware)
        await update_firmware(ctx, payload, ("Accepted",))
        await downloaded_and_verified(ctx, request_id)
        # Step 11 (a reboot before installation) is optional: then Installing is not sent.
        first = await ctx.csms.expect(("FirmwareStatusNotification", "BootNotification"),
                                      what="Installing or the reboot before installation")  # fmt: skip
        if first.action == "FirmwareStatusNotification":
            require_equal(first.get("status"), "Installing", "step 12: FirmwareStatusNotification status")
            require_equal(first.get("requestId"), request_id, "step 12: FirmwareStatusNotification requestId")
        failed = await ctx.csms.expect(
            "FirmwareStatusNotification", timeout=ctx.timing.boot_timeout_s, what="reporting the failed installation"
        )
        require_in(failed.get("status"), ("InstallVerificationFailed", "InstallationFailed"),
                   "step 16: FirmwareStatusNotification status")  # fmt: skip
        require_equal(failed.get("requestId"), request_id, "step 16: FirmwareStatusNotification requestId")
