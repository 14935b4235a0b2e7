"""Steps of block L (secure firmware update, L01): signed images, UpdateFirmware and the status sequence."""

from __future__ import annotations

import base64
import datetime
import itertools
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from harness.checks import require_equal, require_in
from harness.ocpp.file_server import FileServer
from harness.ocpp.messages import Received
from harness.ocpp.v201.states import CaseContext
from harness.pki import Authority, pem
from harness.verdict import LabError

_request_ids = itertools.count(7100)
FIRMWARE_PATH = "firmware/station-update.bin"


@dataclass(frozen=True)
class SignedFirmware:
    """An image with the signing certificate (PEM) and the base64 signature that go into UpdateFirmware."""

    content: bytes
    signing_certificate: str
    signature: str


def sign_firmware(authority: Authority, content: bytes) -> SignedFirmware:
    """A fresh signing certificate below `authority` and an ECDSA/SHA-256 signature of `content` (L01.FR.01)."""
    signer = authority.issue("Firmware Signing", algorithm="secp256r1", server=False)
    key = signer.key
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise LabError("the firmware signing key is not an EC key")
    signature = key.sign(content, ec.ECDSA(hashes.SHA256()))
    return SignedFirmware(content, pem(signer.certificate).decode(), base64.b64encode(signature).decode())


def new_image() -> bytes:
    """A firmware image unique to this case, so a station cannot pass by reusing an earlier download."""
    return b"V2G-HARNESS-FIRMWARE\n" + os.urandom(4096)


def manufacturer(ctx: CaseContext) -> Authority:
    """The manufacturer CA whose signing certificates the station trusts (made per run in a virtual lab)."""
    if ctx.firmware_authority is None:
        raise LabError(
            "no firmware signing authority: a real lab needs the manufacturer's signing material for block L"
        )
    return ctx.firmware_authority


def when(offset_s: float) -> str:
    """A dateTime `offset_s` seconds from now, in UTC."""
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=offset_s)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def update_firmware_request(
    location: str,
    firmware: SignedFirmware | None,
    *,
    retrieve_in_s: float = -7200,
    install_in_s: float | None = -7200,
    retries: int | None = None,
    retry_interval_s: int | None = None,
) -> tuple[int, dict[str, object]]:
    """UpdateFirmwareRequest (requestId, payload); dates two hours back unless a case schedules them."""
    request_id = next(_request_ids)
    body: dict[str, object] = {"location": location, "retrieveDateTime": when(retrieve_in_s)}
    if install_in_s is not None:
        body["installDateTime"] = when(install_in_s)
    if firmware is not None:
        body["signingCertificate"] = firmware.signing_certificate
        body["signature"] = firmware.signature
    payload: dict[str, object] = {"requestId": request_id, "firmware": body}
    if retries is not None:
        payload["retries"] = retries
    if retry_interval_s is not None:
        payload["retryInterval"] = retry_interval_s
    return request_id, payload


async def update_firmware(ctx: CaseContext, payload: dict[str, object], expected: tuple[str, ...]) -> str:
    """Send UpdateFirmware; step 2: the response status must be one of `expected`."""
    answer = await ctx.csms.call("UpdateFirmware", payload)
    status = str(answer.get("status"))
    require_in(status, expected, "step 2: UpdateFirmwareResponse status")
    return status


async def expect_firmware_status(
    ctx: CaseContext, status: str, request_id: int | None, *, timeout: float | None = None
) -> Received:
    """The next FirmwareStatusNotification must carry `status` (and the UpdateFirmware requestId, L01.FR.20)."""
    notification = await ctx.csms.expect(
        "FirmwareStatusNotification", timeout=timeout or ctx.timing.message_timeout_s, what=f"with status {status}"
    )
    require_equal(notification.get("status"), status, "FirmwareStatusNotification status")
    if request_id is not None:
        require_equal(notification.get("requestId"), request_id, f"FirmwareStatusNotification {status} requestId")
    return notification


async def expect_security_event(ctx: CaseContext, kind: str, *, timeout: float | None = None) -> None:
    event = await ctx.csms.expect(
        "SecurityEventNotification", lambda r: r.get("type") == kind,
        timeout=timeout or ctx.timing.message_timeout_s, what=f"with type {kind}",
    )  # fmt: skip
    require_equal(event.get("type"), kind, "SecurityEventNotification type")


async def downloaded_and_verified(ctx: CaseContext, request_id: int) -> None:
    """Steps Downloading, Downloaded, SignatureVerified of a valid image."""
    for status in ("Downloading", "Downloaded", "SignatureVerified"):
        await expect_firmware_status(ctx, status, request_id)


async def installed_and_activated(ctx: CaseContext, request_id: int, *, timeout: float | None = None) -> None:
    """Installing (unless the station reboots first), the reboot, Installed and the FirmwareUpdated event."""
    limit = timeout or ctx.timing.message_timeout_s
    first = await ctx.csms.expect(("FirmwareStatusNotification", "BootNotification"), timeout=limit,
                                  what="Installing or the reboot before installation")  # fmt: skip
    if first.action == "FirmwareStatusNotification":
        require_equal(first.get("status"), "Installing", "FirmwareStatusNotification status")
        require_equal(first.get("requestId"), request_id, "FirmwareStatusNotification Installing requestId")
    await expect_firmware_status(ctx, "Installed", request_id, timeout=ctx.timing.boot_timeout_s)
    await expect_security_event(ctx, "FirmwareUpdated")


def publish(files: FileServer, firmware: SignedFirmware) -> str:
    return files.publish(FIRMWARE_PATH, firmware.content)


def uninstallable_image() -> bytes:
    """Bytes that sign and verify like a firmware but are no image of the station: installation must refuse them."""
    return b"V2G-HARNESS-NOT-A-FIRMWARE\n" + os.urandom(4096)
