"""N01 GetLog on the virtual station: the diagnostics and security logs, uploaded over HTTP with retries.

One upload at a time: a new GetLog cancels the one in progress (C-57, N01.FR.12) or, without that claim, is
Rejected. A log that holds nothing (erased through the control API) is Rejected as well (N01.FR.05). A triggered
LogStatusNotification reports the upload in progress, else Idle (F06.FR.14/15).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import TYPE_CHECKING, Any

from harness.virtual import faults as F
from harness.virtual.claims import CANCEL_LOG_UPLOAD
from harness.virtual.http_transfer import TransferFailed, upload
from harness.virtual.rpc import Reply

if TYPE_CHECKING:
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual")

KEPT_RECORDS = 2000
DEFAULT_RETRY_INTERVAL_S = 5


class LogRecorder(logging.Handler):
    """The station's own log lines, kept in memory as a real station keeps a rolling log file."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: collections.deque[str] = collections.deque(maxlen=KEPT_RECORDS)
        self.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class LogUploads:
    """Answers GetLog and uploads the requested log to remoteLocation/<filename>."""

    def __init__(self, station: Station) -> None:
        self._station = station
        self._recorder = LogRecorder()
        log.addHandler(self._recorder)
        self._security: collections.deque[str] = collections.deque(maxlen=KEPT_RECORDS)
        self._task: asyncio.Task[None] | None = None
        # The GetLog being carried out: Python 3.11's wait_for can swallow a cancellation, so a cancelled upload
        # checks it is still the current one before it reports anything.
        self._current: int | None = None
        self._last: dict[str, Any] | None = None  # the status of the upload in progress, for TriggerMessage

    def forget(self) -> None:
        self._task, self._last, self._current = None, None, None

    def trigger_status(self) -> dict[str, Any]:
        """F06.FR.14/15: what a triggered LogStatusNotification reports now."""
        running = self._task is not None and not self._task.done()
        if not running or self._last is None or self._station.faults.active(F.TRANSFER_TRIGGER_REPORTS_IDLE):
            return {"status": "Uploaded" if self._station.faults.active(F.TRIGGER_REPORTS_LAST_STATUS) else "Idle"}
        return dict(self._last)

    def security_event(self, payload: dict[str, Any]) -> None:
        """Every security event the station raises goes into the security log (A04.FR.02)."""
        self._security.append(f"{payload.get('timestamp')} {payload.get('type')} {payload.get('techInfo', '')}")

    def _lines(self, log_type: str) -> collections.deque[str]:
        return self._security if log_type == "SecurityLog" else self._recorder.lines

    def _content(self, log_type: str) -> bytes:
        return ("\n".join(self._lines(log_type)) + "\n").encode()

    def erase(self, log_type: str) -> None:
        """A technician empties one log (TC_N_34_CS): until new lines come there is nothing to upload. The
        diagnostics log refills with the station's next log line; the security log only with its next event."""
        self._lines(log_type).clear()

    def request(self, payload: dict[str, Any]) -> Reply:
        station, request_id, log_type = self._station, payload["requestId"], payload["logType"]
        filename = f"{station.config.identity.serial}-{log_type}-{request_id}.log"
        url = payload["log"]["remoteLocation"].rstrip("/") + "/" + filename
        if not self._lines(log_type) and not station.faults.active(F.LOG_EMPTY_ACCEPTED):
            return Reply({"status": "Rejected", "statusInfo": {"reasonCode": "NoLogData"}})  # N01.FR.05
        content = self._content(log_type)
        attempts = 1 + int(payload.get("retries", 0))
        interval = int(payload.get("retryInterval", DEFAULT_RETRY_INTERVAL_S))
        reported = 0 if station.faults.active(F.LOG_STATUS_WRONG_REQUEST_ID) else request_id

        def status(value: str) -> None:
            if self._current != request_id:
                raise asyncio.CancelledError
            payload = {"status": value, "requestId": reported}
            self._last = payload if value == "Uploading" else None
            station.outbox.put("LogStatusNotification", payload)

        async def send() -> None:
            for attempt in range(attempts):
                status("Uploading")
                try:
                    await upload(url, content, station.transfer_tls())
                except TransferFailed as exc:
                    log.info("log upload attempt %d failed: %s", attempt + 1, exc)
                else:
                    status("Uploaded")
                    return
                if attempt + 1 < attempts:
                    await asyncio.sleep(interval)
            status("UploadFailure")

        answer = "Accepted"
        cancelled: dict[str, Any] | None = None
        if self._task is not None and not self._task.done():
            cancellable = CANCEL_LOG_UPLOAD in station.config.claims
            if not cancellable or station.faults.active(F.LOG_UPLOAD_NOT_CANCELLED):
                return Reply({"status": "Rejected"})
            answer, cancelled = "AcceptedCanceled", self._last

        def start() -> None:
            if self._task is not None:
                self._task.cancel()
                log.info("log upload in progress cancelled by GetLog %d", request_id)
                # The cancelled upload's end is told with its own requestId (N01.FR.12).
                previous = (cancelled or {}).get("requestId", reported)
                station.outbox.put("LogStatusNotification", {"status": "AcceptedCanceled", "requestId": previous})
                self._last = None
            self._current = request_id
            self._task = asyncio.ensure_future(send())
            station.spawn(self._watch(self._task))

        if answer == "Accepted":
            self._task = None
        return Reply({"status": answer, "filename": filename}, then=start)

    @staticmethod
    async def _watch(task: asyncio.Task[None]) -> None:
        # Spawned so that a reboot or power cycle cancels the upload together with the station's other work.
        try:
            await task
        finally:
            task.cancel()
