"""The queue of station-initiated CALLs and the sender that drains it one CALL at a time.

TransactionEvents are persistent: they survive a lost connection and a power cycle and are delivered in order
once the station is online again (E12); everything else is volatile and is dropped on a reboot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.virtual.rpc import Outcome, Rpc

log = logging.getLogger("harness.virtual")

MAX_ITEMS = 1000
IDLE_WAIT_S = 1.0
MAX_RETRY_WAIT_S = 60.0


@dataclass
class Outgoing:
    """One queued CALL and the future its sender waits on."""

    action: str
    payload: dict[str, Any]
    persistent: bool
    future: asyncio.Future[Outcome]
    attempts: int = 0
    on_the_wire: bool = False  # sent, its answer not processed yet: no longer waiting in the queue (E14)


class Outbox:
    """FIFO of CALLs; `allowed` (the boot state) decides which of them may go out now."""

    def __init__(self, *, attempts: Callable[[], int], attempt_interval_s: Callable[[], float]) -> None:
        self._items: list[Outgoing] = []
        self._changed = asyncio.Event()
        self._attempts = attempts
        self._attempt_interval_s = attempt_interval_s
        self.retry_on_error = True
        self.retry_on_timeout = True
        # Whether the station can use an answer (action, request, response); one it cannot counts as a CALLERROR.
        self.usable: Callable[[str, dict[str, Any], dict[str, Any]], bool] = lambda action, request, answer: True

    def put(self, action: str, payload: dict[str, Any], *, persistent: bool = False) -> asyncio.Future[Outcome]:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._items.append(Outgoing(action, payload, persistent, future))
        self.poke()
        return future

    def has_room(self) -> bool:
        return len(self._items) < MAX_ITEMS

    def pending(self, action: str) -> bool:
        return any(item.action == action for item in self._items)

    def holds(self, predicate: Callable[[Outgoing], bool]) -> bool:
        return any(predicate(item) for item in self._items)

    def poke(self) -> None:
        self._changed.set()

    def drop_volatile(self) -> None:
        """A reboot: only the persistent TransactionEvents survive."""
        self._drop([item for item in self._items if not item.persistent])

    def drop_action(self, action: str) -> None:
        self._drop([item for item in self._items if item.action == action and not item.persistent])

    def clear(self) -> None:
        self._drop(list(self._items))

    def _drop(self, doomed: list[Outgoing]) -> None:
        for item in doomed:
            self._items.remove(item)
            if not item.future.done():
                item.future.set_result(Outcome("lost"))

    def _next(self, allowed: Callable[[str], bool]) -> Outgoing | None:
        return next((item for item in self._items if allowed(item.action)), None)

    async def drained(self, predicate: Callable[[Outgoing], bool], timeout_s: float) -> bool:
        """Wait until no queued item matches `predicate`; False if that took longer than `timeout_s`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self.holds(predicate):
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    async def run(self, rpc: Rpc, allowed: Callable[[str], bool]) -> None:
        """Send queued CALLs over `rpc` until the connection is lost; unsent items stay queued."""
        while not rpc.closed:
            self._changed.clear()
            item = self._next(allowed)
            if item is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), IDLE_WAIT_S)
                continue
            item.on_the_wire = True
            outcome = await rpc.call(item.action, item.payload)
            item.on_the_wire = False
            if outcome.kind == "lost":
                return
            if outcome.kind == "result" and not self.usable(item.action, item.payload, outcome.payload):
                outcome = Outcome("error", outcome.payload)
            # E13: a TransactionEvent without a usable answer (none, or a CALLERROR: TC_E_50_CS) is sent again.
            retried = ("timeout",) * self.retry_on_timeout + ("error",) * self.retry_on_error
            if outcome.kind in retried and item.persistent and item in self._items:
                item.attempts += 1
                if item.attempts < self._attempts():
                    # E13: retry a TransactionEvent, waiting longer each attempt.
                    await asyncio.sleep(min(self._attempt_interval_s() * item.attempts, MAX_RETRY_WAIT_S))
                    continue
                log.warning("%s dropped after %d attempts", item.action, item.attempts)
            if item in self._items:
                self._items.remove(item)
            if not item.future.done():
                item.future.set_result(outcome)
