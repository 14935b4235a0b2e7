"""L01 secure firmware update on the virtual station: check the signer, download over HTTP, verify, install.

The walk is DownloadScheduled? -> Downloading -> Downloaded -> SignatureVerified -> InstallScheduled? -> Installing
-> reboot -> Installed, with the exits DownloadFailed and InvalidSignature. The signing certificate must chain to the
factory manufacturer root (or a ManufacturerRootCertificate the CSMS installed); the signature is checked on the
bytes the download really fetched.
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

from harness.virtual import faults as F
from harness.virtual.certificates import issued_by
from harness.virtual.http_transfer import TransferFailed, download
from harness.virtual.rpc import Reply

if TYPE_CHECKING:
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual")

MANUFACTURER_ROOT = "ManufacturerRootCertificate"
DEFAULT_RETRY_INTERVAL_S = 5
BUSY_POLL_S = 0.5


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

    def forget(self) -> None:
        self._task, self._installed_request, self._current = None, None, None

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
        self._station.outbox.put("FirmwareStatusNotification", {"status": status, "requestId": request_id})

    async def _until(self, stamp: str, scheduled: str, request_id: int) -> None:
        delay = _moment(stamp) - self._station.clock.epoch()
        if delay > 0 and not self._station.faults.active(F.FIRMWARE_SCHEDULE_IGNORED):
            self._status(scheduled, request_id)
            await asyncio.sleep(delay)

    async def _walk(self, payload: dict[str, Any], signer: x509.Certificate | None) -> None:
        with contextlib.suppress(_Superseded):
            await self._steps(payload, signer)

    async def _steps(self, payload: dict[str, Any], signer: x509.Certificate | None) -> None:
        station, firmware, request_id = self._station, payload["firmware"], payload["requestId"]
        await self._until(firmware["retrieveDateTime"], "DownloadScheduled", request_id)
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
        await self._when_idle()
        self._status("Installing", request_id)
        await station.outbox.drained(lambda item: item.action == "FirmwareStatusNotification", 30.0)
        if request_id != self._current:
            return
        self._installed_request = request_id
        log.info("firmware of request %d installed; rebooting into it", request_id)
        station.reboot("FirmwareUpdate")

    async def _download(self, location: str, request_id: int, payload: dict[str, Any]) -> bytes | None:
        """Downloading, then up to `retries` more attempts `retryInterval` apart (L01.FR.30 reading)."""
        self._status("Downloading", request_id)
        attempts = 1 + int(payload.get("retries", 0))
        interval = int(payload.get("retryInterval", DEFAULT_RETRY_INTERVAL_S))
        for attempt in range(attempts):
            try:
                return await download(location)
            except TransferFailed as exc:
                log.info("firmware download attempt %d failed: %s", attempt + 1, exc)
            if attempt + 1 < attempts:
                await asyncio.sleep(interval)
        return None

    async def _when_idle(self) -> None:
        """L01.FR.06: installation waits until no transaction is running."""
        while any(evse.tx is not None for evse in self._station.evses):
            await asyncio.sleep(BUSY_POLL_S)

    async def after_boot(self, call: Callable[[str, dict[str, Any]], Awaitable[Any]]) -> None:
        """After the reboot into the new firmware: Installed, then the FirmwareUpdated security event."""
        request_id, self._installed_request = self._installed_request, None
        if request_id is None:
            return
        await call("FirmwareStatusNotification", {"status": "Installed", "requestId": request_id})
        if not self._station.faults.active(F.FIRMWARE_UPDATED_EVENT_MISSING):
            event = {"type": "FirmwareUpdated", "timestamp": self._station.clock.stamp()}
            self._station.logs.security_event(event)
            await call("SecurityEventNotification", event)
