"""L01 secure firmware update on the virtual station: check the signer, download over HTTP, verify, install.

The walk is DownloadScheduled? -> Downloading -> Downloaded -> SignatureVerified -> InstallScheduled? -> Installing
-> reboot -> Installed, with the exits DownloadFailed, InvalidSignature and InstallVerificationFailed. The signing
certificate must chain to the factory manufacturer root (or a ManufacturerRootCertificate the CSMS installed); the
signature is checked on the bytes the download really fetched, and installation checks that they are a firmware
image of this station. What happens while transactions run follows the claims (harness/virtual/claims.py): the
download waits for them unless AQ-7, the installation waits unless C-43 (then only the controller restarts and the
transactions go on); while waiting, AllowNewSessionsPendingFirmwareUpdate false keeps idle connectors Unavailable.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.certificates import issued_by
from harness.virtual.claims import CANCEL_FIRMWARE_UPDATE, DOWNLOAD_DURING_TRANSACTION, INSTALL_DURING_TRANSACTION
from harness.virtual.http_transfer import TransferFailed, download
from harness.virtual.rpc import Reply

if TYPE_CHECKING:
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual")

MANUFACTURER_ROOT = "ManufacturerRootCertificate"
DEFAULT_RETRY_INTERVAL_S = 5
BUSY_POLL_S = 0.5
# The station's image format: a firmware for it starts with this header; anything else fails installation checks.
IMAGE_HEADER = b"V2G-HARNESS-FIRMWARE\n"
# Statuses after which no update is in progress any more (a triggered notification then says Idle, L01.FR.25).
_FINAL = ("DownloadFailed", "InvalidSignature", "InstallVerificationFailed", "InstallationFailed", "Installed")


class _Superseded(Exception):
    """A newer UpdateFirmware took over: this walk stops without another word."""


def _moment(stamp: str) -> float:
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def signature_valid(certificate: x509.Certificate, signature_b64: str, content: bytes) -> bool:
    """L01.FR.03: the signature (base64) of the image with the signing certificate's key, SHA-256."""
    key = certificate.public_key()
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        if not isinstance(key, ec.EllipticCurvePublicKey):
            return False
        key.verify(signature, content, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


class FirmwareUpdater:
    """One firmware update at a time; a new request cancels the one in progress (L01.FR.24)."""

    def __init__(self, station: Station, factory_root: Path | None) -> None:
        self._station = station
        self._factory_roots = [x509.load_pem_x509_certificate(factory_root.read_bytes())] if factory_root else []
        self._task: asyncio.Task[None] | None = None
        self._installed_request: int | None = None  # reported as Installed after the reboot into it
        # The request being carried out: a cancelled walk may still be resumed once (Python 3.11's wait_for can
        # swallow a cancellation), so every step checks it is still the current one.
        self._current: int | None = None
        self._last: dict[str, Any] | None = None  # the last status of the update in progress, for TriggerMessage

    def forget(self) -> None:
        self._task, self._installed_request, self._current, self._last = None, None, None, None

    def trigger_status(self) -> dict[str, Any]:
        """F06.FR.16 / L01.FR.25-26: what a triggered FirmwareStatusNotification reports now."""
        running = self._task is not None and not self._task.done()
        if not running or self._last is None or self._station.faults.active(F.TRANSFER_TRIGGER_REPORTS_IDLE):
            return {"status": "Installed" if self._station.faults.active(F.TRIGGER_REPORTS_LAST_STATUS) else "Idle"}
        return dict(self._last)

    def _trusted(self, pem_text: str) -> x509.Certificate | None:
        try:
            certificate = x509.load_pem_x509_certificate(pem_text.encode())
        except ValueError:
            return None
        now = datetime.datetime.now(datetime.UTC)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            return None
        roots = self._factory_roots + self._station.certificates.roots(MANUFACTURER_ROOT)
        return certificate if any(issued_by(certificate, root) for root in roots) else None

    def request(self, payload: dict[str, Any]) -> Reply:
        station, firmware = self._station, payload["firmware"]
        careless = station.faults.active(F.FIRMWARE_SIGNER_NOT_CHECKED)
        if ("signingCertificate" not in firmware or "signature" not in firmware) and not careless:
            return Reply({"status": "Rejected"})  # only secure updates are offered
        signer = self._trusted(firmware.get("signingCertificate", ""))
        if signer is None and not careless:
            return Reply(
                {"status": "InvalidCertificate"}, then=lambda: self._security_event("InvalidFirmwareSigningCertificate")
            )
        status = "Accepted"
        if self._task is not None and not self._task.done():
            if CANCEL_FIRMWARE_UPDATE not in station.config.claims:
                # L01.FR.27: an update that cannot be cancelled refuses the new request (the fault drops it).
                wrong = station.faults.active(F.FIRMWARE_SECOND_UPDATE_ACCEPTED)
                return Reply({"status": "Accepted" if wrong else "Rejected"})
            if station.faults.active(F.FIRMWARE_UPDATE_NOT_CANCELLED):
                return Reply({"status": "Rejected"})
            self._task.cancel()
            log.info("firmware update in progress cancelled by request %d", payload["requestId"])
            status = "AcceptedCanceled"
        walk = self._walk(payload, signer)

        def start() -> None:
            self._current = payload["requestId"]
            self._task = asyncio.ensure_future(walk)
            station.spawn(self._watch(self._task))

        return Reply({"status": status}, then=start)

    @staticmethod
    async def _watch(task: asyncio.Task[None]) -> None:
        # Spawned so that a reboot or power cycle cancels the update together with the station's other work.
        try:
            await task
        finally:
            task.cancel()

    def _security_event(self, kind: str) -> None:
        event = {"type": kind, "timestamp": self._station.clock.stamp()}
        self._station.logs.security_event(event)
        self._station.outbox.put("SecurityEventNotification", event, persistent=True)

    def _status(self, status: str, request_id: int) -> None:
        if request_id != self._current:
            raise _Superseded
        payload = {"status": status, "requestId": request_id}
        self._last = None if status in _FINAL else payload
        self._station.outbox.put("FirmwareStatusNotification", payload)

    async def _until(self, stamp: str, scheduled: str, request_id: int) -> None:
        delay = _moment(stamp) - self._station.clock.epoch()
        if delay > 0 and not self._station.faults.active(F.FIRMWARE_SCHEDULE_IGNORED):
            self._status(scheduled, request_id)
            await asyncio.sleep(delay)

    async def _walk(self, payload: dict[str, Any], signer: x509.Certificate | None) -> None:
        try:
            with contextlib.suppress(_Superseded):
                await self._steps(payload, signer)
        finally:
            if self._installed_request is None:  # no reboot into a new firmware: the station stays as it was
                self._release_sessions()

    async def _steps(self, payload: dict[str, Any], signer: x509.Certificate | None) -> None:
        station, firmware, request_id = self._station, payload["firmware"], payload["requestId"]
        await self._until(firmware["retrieveDateTime"], "DownloadScheduled", request_id)
        waits = DOWNLOAD_DURING_TRANSACTION not in station.config.claims
        if waits and not station.faults.active(F.FIRMWARE_DOWNLOAD_DURING_TRANSACTION):
            await self._after_transactions("DownloadScheduled", request_id)
        content = await self._download(firmware["location"], request_id, payload)
        if content is None:
            if not station.faults.active(F.FIRMWARE_DOWNLOAD_FAILURE_UNREPORTED):
                self._status("DownloadFailed", request_id)
            return
        self._status("Downloaded", request_id)
        verified = signer is not None and signature_valid(signer, firmware.get("signature", ""), content)
        if not verified and not station.faults.active(F.FIRMWARE_SIGNATURE_NOT_VERIFIED):
            self._status("InvalidSignature", request_id)
            self._security_event("InvalidFirmwareSignature")
            return
        self._status("SignatureVerified", request_id)
        if "installDateTime" in firmware:
            await self._until(firmware["installDateTime"], "InstallScheduled", request_id)
        claimed = INSTALL_DURING_TRANSACTION in station.config.claims
        during = claimed or station.faults.active(F.FIRMWARE_ACTIVATED_DURING_TRANSACTION)
        if not during or station.faults.active(F.FIRMWARE_INSTALL_WAITS_FOR_TRANSACTION):
            await self._after_transactions("InstallScheduled", request_id)
        self._status("Installing", request_id)
        if not content.startswith(IMAGE_HEADER) and not station.faults.active(F.FIRMWARE_INSTALL_NOT_VERIFIED):
            log.info("firmware of request %d is not an image of this station: old firmware kept", request_id)
            self._status("InstallVerificationFailed", request_id)
            return
        await station.outbox.drained(lambda item: item.action == "FirmwareStatusNotification", 30.0)
        if request_id != self._current:
            return
        self._installed_request = request_id
        if claimed and self._busy():  # C-43: the new firmware is activated by restarting the controller only
            log.info("firmware of request %d installed; controller restarts, transactions go on", request_id)
            station.restart_controller("FirmwareUpdate")
            return
        log.info("firmware of request %d installed; rebooting into it", request_id)
        station.reboot("FirmwareUpdate")

    async def _download(self, location: str, request_id: int, payload: dict[str, Any]) -> bytes | None:
        """Downloading, then up to `retries` more attempts `retryInterval` apart (L01.FR.30 reading)."""
        self._status("Downloading", request_id)
        attempts = 1 + int(payload.get("retries", 0))
        interval = int(payload.get("retryInterval", DEFAULT_RETRY_INTERVAL_S))
        for attempt in range(attempts):
            try:
                return await download(location, self._station.transfer_tls())
            except TransferFailed as exc:
                log.info("firmware download attempt %d failed: %s", attempt + 1, exc)
            if attempt + 1 < attempts:
                await asyncio.sleep(interval)
        return None

    def _busy(self) -> bool:
        return any(evse.tx is not None for evse in self._station.evses)

    async def _after_transactions(self, scheduled: str, request_id: int) -> None:
        """L01.FR.06/07: report `scheduled`, keep idle connectors free or not, and wait until no transaction runs."""
        if not self._busy():
            return
        station = self._station
        waiting_for = {evse.id for evse in station.evses if evse.tx is not None}
        self._status(scheduled, request_id)
        allow = station.dm.get_bool(dmc.ALLOW_NEW_SESSIONS_PENDING_FIRMWARE)
        if not allow and not station.faults.active(F.FIRMWARE_PENDING_SESSIONS_ALLOWED):
            station.availability.held_for_firmware = True
            for evse in station.evses:
                station.availability.apply(evse)
        early = station.faults.active(F.FIRMWARE_INSTALL_AFTER_FIRST_TRANSACTION)
        while any(evse.tx is not None for evse in station.evses if not early or evse.id in waiting_for):
            await asyncio.sleep(BUSY_POLL_S)

    def _release_sessions(self) -> None:
        availability = self._station.availability
        if availability.held_for_firmware:
            availability.held_for_firmware = False
            for evse in self._station.evses:
                availability.apply(evse)

    async def after_boot(self, call: Callable[[str, dict[str, Any]], Awaitable[Any]]) -> None:
        """After the reboot into the new firmware: Installed, then the FirmwareUpdated security event."""
        request_id, self._installed_request = self._installed_request, None
        if request_id is None:
            return
        self._last = None
        await call("FirmwareStatusNotification", {"status": "Installed", "requestId": request_id})
        if not self._station.faults.active(F.FIRMWARE_UPDATED_EVENT_MISSING):
            event = {"type": "FirmwareUpdated", "timestamp": self._station.clock.stamp()}
            self._station.logs.security_event(event)
            await call("SecurityEventNotification", event)
