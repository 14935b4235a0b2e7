"""Display messages (O01-O06): the station stores what SetDisplayMessage sends, reports and clears it on request.

There is no real display: a message is "shown" when it is in the store, inside its validity window and, when it
is bound to a transaction, while that transaction runs. Expired messages and messages of a transaction that has
ended are dropped the next time the store is read (O01.FR.07, O02.FR.06). Messages survive a reboot (O01.FR.10);
only a factory reset forgets them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from harness.virtual import faults as F
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox
from harness.virtual.rpc import Reply

# What this station supports, a subset of the 2.0.1 enumerations on purpose: a display that cannot interrupt the
# message cycle (no InFront), shows plain text only (no HTML, no URI) and has no Faulted screen.
SUPPORTED_PRIORITIES = ("AlwaysFront", "NormalCycle")
SUPPORTED_FORMATS = ("ASCII", "UTF8")
SUPPORTED_STATES = ("Charging", "Idle", "Unavailable")
MAX_MESSAGES = 20
MESSAGES_PER_REPORT = 4  # NotifyDisplayMessages entries per message; a longer report is split with tbc


class DisplayMessages:
    """The station's message store and the three CSMS requests that manage it."""

    def __init__(
        self, faults: FaultSet, outbox: Outbox, now: Callable[[], float], running_transactions: Callable[[], set[str]]
    ) -> None:
        self._faults = faults
        self._outbox = outbox
        self._now = now
        self._running = running_transactions
        self._messages: dict[int, dict[str, Any]] = {}

    def count(self) -> int:
        return len(self._current())

    def forget_all(self) -> None:
        self._messages.clear()

    def powered_down(self) -> None:
        """O01.FR.10: the store is persistent; the fault keeps it in volatile memory."""
        if self._faults.active(F.DISPLAY_MESSAGES_VOLATILE):
            self._messages.clear()

    # ------------------------------------------------------------ SetDisplayMessage (O01, O02, O06)

    def set(self, payload: dict[str, Any]) -> Reply:
        message = dict(payload["message"])
        status = self._refusal(message)
        if status is None:
            message_id = int(message["id"])
            if message_id not in self._messages and len(self._current()) >= MAX_MESSAGES:
                status = "Rejected"
            elif message_id in self._messages and self._faults.active(F.DISPLAY_MESSAGE_NOT_REPLACED):
                status = "Accepted"  # the fault: the old message stays as it was
            else:
                self._messages[message_id] = message  # O06.FR.01: a known id replaces the whole message
                status = "Accepted"
        return Reply({"status": status})

    def _refusal(self, message: dict[str, Any]) -> str | None:
        if self._faults.active(F.DISPLAY_MESSAGE_OPTIONS_UNCHECKED):
            return None
        if message["priority"] not in SUPPORTED_PRIORITIES:
            return "NotSupportedPriority"  # O01.FR.01
        if "state" in message and message["state"] not in SUPPORTED_STATES:
            return "NotSupportedState"  # O01.FR.02
        if message["message"]["format"] not in SUPPORTED_FORMATS:
            return "NotSupportedMessageFormat"  # O01.FR.03
        if "transactionId" in message and message["transactionId"] not in self._running():
            return "UnknownTransaction"  # O02.FR.01
        return None

    # ------------------------------------------------------------ GetDisplayMessages (O03, O04)

    def get(self, payload: dict[str, Any]) -> Reply:
        matching = [m for m in self._current() if self._matches(m, payload)]
        if not matching and not self._faults.active(F.DISPLAY_MESSAGES_UNKNOWN_ACCEPTED):
            return Reply({"status": "Unknown"})  # O03.FR.06, O04.FR.02, O04.FR.07
        if self._faults.active(F.DISPLAY_MESSAGE_REPORT_TRUNCATED):
            matching = matching[:1]
        request_id = payload["requestId"]
        chunks = [matching[i : i + MESSAGES_PER_REPORT] for i in range(0, len(matching), MESSAGES_PER_REPORT)]

        def report() -> None:
            for index, chunk in enumerate(chunks or [[]]):
                body: dict[str, Any] = {"requestId": request_id, "tbc": index < len(chunks) - 1}
                if chunk:
                    body["messageInfo"] = chunk
                self._outbox.put("NotifyDisplayMessages", body)

        return Reply({"status": "Accepted"}, then=report)

    def _matches(self, message: dict[str, Any], criteria: dict[str, Any]) -> bool:
        """O04.FR.01-.06: every criterion given must hold; the fault reports every message whatever was asked."""
        if self._faults.active(F.DISPLAY_MESSAGE_FILTERS_IGNORED):
            return True
        if "id" in criteria and message["id"] not in criteria["id"]:
            return False
        if "priority" in criteria and message["priority"] != criteria["priority"]:
            return False
        return not ("state" in criteria and message.get("state") != criteria["state"])

    # ------------------------------------------------------------ ClearDisplayMessage (O05)

    def clear(self, payload: dict[str, Any]) -> Reply:
        if self._faults.active(F.DISPLAY_MESSAGE_CLEAR_IGNORED):
            return Reply({"status": "Accepted"})
        known = any(m["id"] == payload["id"] for m in self._current())
        self._messages.pop(payload["id"], None)
        return Reply({"status": "Accepted" if known else "Unknown"})

    def _current(self) -> list[dict[str, Any]]:
        """The store without expired messages and messages of transactions no longer running."""
        now, running = self._now(), self._running()
        for message_id, message in list(self._messages.items()):
            ended = "endDateTime" in message and _epoch(message["endDateTime"]) <= now
            orphan = "transactionId" in message and message["transactionId"] not in running
            if ended or orphan:
                del self._messages[message_id]
        return sorted(self._messages.values(), key=lambda m: int(m["id"]))


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
