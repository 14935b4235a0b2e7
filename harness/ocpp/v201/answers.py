"""Responders a test case installs to play a scripted CSMS (e.g. Pending first, then Accepted)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.ocpp.messages import Received
from harness.ocpp.v201.responders import utc_now


def boot_answers(*statuses: str, interval: int) -> Callable[[Received], dict[str, Any]]:
    """Answer successive BootNotifications with the given statuses; the last one repeats."""
    remaining = list(statuses)

    def answer(_: Received) -> dict[str, Any]:
        status = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return {"currentTime": utc_now(), "interval": interval, "status": status}

    return answer
