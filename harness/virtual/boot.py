"""Registration with the CSMS (B01-B03) and the heartbeat (G02).

The controller keeps the registration status across reconnects: a station that was Accepted does not boot again
on a plain reconnect, only after start, power cycle or reset.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.device_model import DeviceModel
from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.faults import FaultSet
from harness.virtual.outbox import Outbox
from harness.virtual.rpc import Rpc

log = logging.getLogger("harness.virtual")

NO_INTERVAL_RETRY_S = 10.0  # when the CSMS gives interval 0 with Pending/Rejected
UNANSWERED_RETRY_S = 5.0
EARLY_RETRY_S = 1.0
FAULTY_HEARTBEAT_S = 2.0
HEARTBEAT_POLL_S = 0.25
PENDING_ALLOWED = frozenset({"NotifyReport"})  # B02 lets the CSMS pull reports while Pending


class BootController:
    """Sends BootNotification until Accepted, then lets the queued CALLs go."""

    def __init__(
        self,
        ident: StationIdentity,
        dm: DeviceModel,
        faults: FaultSet,
        outbox: Outbox,
        after_accepted: Callable[[Rpc], Awaitable[None]],
    ) -> None:
        self._ident = ident
        self._dm = dm
        self._faults = faults
        self._outbox = outbox
        self._after_accepted = after_accepted
        self._trigger = asyncio.Event()
        self.registration: str | None = None
        self.reason = "PowerUp"
        self.needs_boot = True
        self.ready = False  # Accepted and the post-boot notifications are out

    def restart(self, reason: str) -> None:
        """Start, power cycle or reset: the next connection must boot with `reason`."""
        self.registration = None
        self.reason = reason
        self.needs_boot = True
        self.ready = False
        self._trigger.clear()

    def disconnected(self) -> None:
        self.ready = False

    def allowed(self, action: str) -> bool:
        """Whether a queued CALL `action` may be sent in the current registration state."""
        if self.ready:
            return True
        return self.registration == "Pending" and action in PENDING_ALLOWED

    def trigger(self) -> None:
        """TriggerMessage(BootNotification) while not yet Accepted: send the next BootNotification now (B02)."""
        self._trigger.set()

    def _payload(self, reason: str) -> dict[str, Any]:
        station = {
            "model": self._ident.model,
            "vendorName": self._ident.vendor,
            "serialNumber": self._ident.serial,
            "firmwareVersion": self._ident.firmware,
        }
        return {"reason": reason, "chargingStation": station}

    async def run(self, rpc: Rpc) -> None:
        """Boot over a fresh connection if needed, then open the gate for the queue."""
        if not self.needs_boot:
            self._open_gate()
            return
        reason = self.reason
        while not rpc.closed:
            outcome = await rpc.call("BootNotification", self._payload(reason))
            if outcome.kind == "lost":
                return
            if not outcome.ok:
                await asyncio.sleep(UNANSWERED_RETRY_S)
                continue
            status = str(outcome.payload["status"])
            interval = int(outcome.payload["interval"])
            self.registration = status
            log.info("BootNotification (%s): %s, interval %d s", reason, status, interval)
            if status == "Accepted":
                await self._accepted(rpc, interval)
                return
            reason = await self._wait_for_retry(status, interval)

    async def _accepted(self, rpc: Rpc, interval: int) -> None:
        if interval > 0:
            self._dm.put(dmc.HEARTBEAT_INTERVAL, str(interval))
        self.needs_boot = False
        await self._after_accepted(rpc)
        self._open_gate()

    async def _wait_for_retry(self, status: str, interval: int) -> str:
        """Sleep until the next BootNotification is due; returns the reason to send it with."""
        wait_s = float(interval) if interval > 0 else NO_INTERVAL_RETRY_S
        if status == "Rejected":
            # B03.FR.*: nothing is sent until the interval has passed.
            if self._faults.active(F.BOOT_REJECTED_RETRIES_EARLY):
                wait_s = EARLY_RETRY_S
            await asyncio.sleep(wait_s)
            return self.reason
        self._trigger.clear()
        try:
            await asyncio.wait_for(self._trigger.wait(), wait_s)
        except TimeoutError:
            return self.reason
        return "Triggered"

    def _open_gate(self) -> None:
        self.ready = True
        self._outbox.poke()

    async def heartbeat(self, rpc: Rpc) -> None:
        """Send a Heartbeat whenever nothing was sent for HeartbeatInterval seconds."""
        loop = asyncio.get_running_loop()
        faulty = self._faults.active(F.HEARTBEAT_INTERVAL_IGNORED)
        unlocked = self._faults.active(F.TWO_CALLS_IN_FLIGHT)
        while not rpc.closed:
            await asyncio.sleep(HEARTBEAT_POLL_S)
            interval = FAULTY_HEARTBEAT_S if faulty else float(self._dm.get_int(dmc.HEARTBEAT_INTERVAL))
            if not self.ready or loop.time() - rpc.last_sent < interval:
                continue
            if unlocked:
                await rpc.call("Heartbeat", {}, exclusive=False)
            elif not self._outbox.pending("Heartbeat"):
                self._outbox.put("Heartbeat", {})
