"""N01 GetLog on the virtual station: the diagnostics and security logs, uploaded over HTTP with retries."""

from __future__ import annotations

import asyncio
import collections
import logging
from typing import TYPE_CHECKING, Any

from harness.virtual import faults as F
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

    def security_event(self, payload: dict[str, Any]) -> None:
        """Every security event the station raises goes into the security log (A04.FR.02)."""
        self._security.append(f"{payload.get('timestamp')} {payload.get('type')} {payload.get('techInfo', '')}")

    def _content(self, log_type: str) -> bytes:
        lines = self._security if log_type == "SecurityLog" else self._recorder.lines
        return ("\n".join(lines) + "\n").encode()

    def request(self, payload: dict[str, Any]) -> Reply:
        station, request_id, log_type = self._station, payload["requestId"], payload["logType"]
        filename = f"{station.config.identity.serial}-{log_type}-{request_id}.log"
        url = payload["log"]["remoteLocation"].rstrip("/") + "/" + filename
        content = self._content(log_type)
        attempts = 1 + int(payload.get("retries", 0))
        interval = int(payload.get("retryInterval", DEFAULT_RETRY_INTERVAL_S))
        reported = 0 if station.faults.active(F.LOG_STATUS_WRONG_REQUEST_ID) else request_id

        async def send() -> None:
            for attempt in range(attempts):
                station.outbox.put("LogStatusNotification", {"status": "Uploading", "requestId": reported})
                try:
                    await upload(url, content)
                except TransferFailed as exc:
                    log.info("log upload attempt %d failed: %s", attempt + 1, exc)
                else:
                    station.outbox.put("LogStatusNotification", {"status": "Uploaded", "requestId": reported})
                    return
                if attempt + 1 < attempts:
                    await asyncio.sleep(interval)
            station.outbox.put("LogStatusNotification", {"status": "UploadFailure", "requestId": reported})

        return Reply({"status": "Accepted", "filename": filename}, then=lambda: station.spawn(send()))
