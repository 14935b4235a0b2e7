"""Wall-clock and monotonic time for the virtual station, and the one place timestamps are formatted."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime


class Clock:
    """Formats every timestamp the station sends (RFC 3339, UTC, "Z"), unless told to drop the offset."""

    def __init__(self, *, omit_offset: bool = False) -> None:
        self._omit_offset = omit_offset

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    @staticmethod
    def monotonic() -> float:
        return time.monotonic()

    @staticmethod
    def epoch() -> float:
        return time.time()

    def stamp(self, when: datetime | None = None) -> str:
        """RFC 3339 with millisecond precision, e.g. 2026-01-01T12:00:00.000Z."""
        moment = (when or self.now()).astimezone(UTC)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}"
        return text if self._omit_offset else text + "Z"

    def stamp_epoch(self, epoch_s: float) -> str:
        return self.stamp(datetime.fromtimestamp(epoch_s, UTC))


def next_aligned(epoch_s: float, interval_s: int) -> float:
    """The first wall-clock boundary strictly after `epoch_s` on a grid of `interval_s` seconds from midnight UTC."""
    return (math.floor(epoch_s / interval_s) + 1) * float(interval_s)
