"""The WebSocket link to the CSMS (Part 4 §3 and §5): connect, authenticate, reconnect with back-off.

The first attempt after start, power cycle or reset is immediate (or after the short reboot pause); after a
failed or lost connection the OCPPCommCtrlr RetryBackOff* variables set the wait, doubling on each failure.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus
from websockets.typing import Subprotocol

from harness.virtual import dm_catalog as dmc
from harness.virtual.device_model import DeviceModel

log = logging.getLogger("harness.virtual")

MAX_BACKOFF_S = 300.0
OPEN_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 2.0

Session = Callable[[ClientConnection], Awaitable[None]]


def station_url(csms_url: str, identity: str) -> str:
    """The CSMS URL with the station identity appended as the last path segment (Part 4 §3.1.1)."""
    return f"{csms_url.rstrip('/')}/{quote(identity, safe='')}"


def basic_auth(identity: str, password: str) -> str:
    """The Authorization header value of security profile 1 (user = identity)."""
    return "Basic " + base64.b64encode(f"{identity}:{password}".encode()).decode("ascii")


def describe(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        return f"HTTP {exc.response.status_code}"
    return str(exc) or type(exc).__name__


@dataclass(frozen=True)
class Target:
    """One way to reach the CSMS (a network connection profile): its base URL and the TLS context for wss://."""

    url: str
    tls: ssl.SSLContext | None
    slot: int = 1
    basic_auth: bool = True  # profiles 1 and 2; at profile 3 the client certificate authenticates the station


class Link:
    """Keeps one WebSocket open to the CSMS and hands each new connection to a session coroutine.

    With several targets (network connection profiles in priority order) it moves to the next one after
    OCPPCommCtrlr.NetworkProfileConnectionAttempts failed attempts (B10 fallback).
    """

    def __init__(
        self,
        url: str,
        identity: str,
        subprotocol: str,
        password: str | None,
        dm: DeviceModel,
        *,
        tls: ssl.SSLContext | None = None,
        on_refused: Callable[[BaseException], None] | None = None,
        basic_user: str | None = None,
        flat_backoff: bool = False,
    ) -> None:
        """`tls` for wss:// (profiles 2 and 3); `on_refused` hears every failed attempt (security events)."""
        self._targets = [Target(url, tls)]
        self._current = 0
        self._attempts_here = 0
        self._identity = identity
        self._subprotocol = subprotocol
        self._password_source: Callable[[], str | None] = lambda: password
        self._dm = dm
        self._on_refused = on_refused
        self._basic_user = basic_user or identity  # Part 4: the user name is the station identity
        self._flat_backoff = flat_backoff  # the reconnect-backoff-flat fault: the wait never doubles
        self._ws: ClientConnection | None = None
        self._wake = asyncio.Event()
        self._planned_delay: float | None = 0.0  # the very first attempt is immediate
        self._closing: set[asyncio.Task[None]] = set()
        self._tls: ssl.SSLContext | None = None  # trusts the installed CSMS roots (None: the target's own)
        self._fallback_tls: ssl.SSLContext | None = None
        self._try_fallback = False
        self.on_connected: Callable[[bool], None] = lambda fallback_root: None
        self.fallback_skips_backoff = False  # the network-fallback-skips-backoff fault

    def use_tls(self, tls: ssl.SSLContext, fallback: ssl.SSLContext | None = None) -> None:
        """The TLS contexts of the next wss:// attempts (the installed CSMS roots changed). `fallback` trusts the
        CSMS root a new one replaced (M05, AdditionalRootCertificateCheck): after the new root refused the CSMS's
        certificate, the next attempt validates it with the fallback instead."""
        self._tls, self._fallback_tls = tls, fallback
        self._try_fallback = False

    def _tls_for(self, target: Target) -> tuple[ssl.SSLContext | None, bool]:
        """(context, whether it is the fallback root's) for an attempt on `target`."""
        if target.tls is None or self._tls is None:
            return target.tls, False
        if self._try_fallback and self._fallback_tls is not None:
            return self._fallback_tls, True
        return self._tls, False

    def password_from(self, source: Callable[[], str | None]) -> None:
        """Where each connection attempt reads the HTTP Basic password (A01: the CSMS may change it)."""
        self._password_source = source

    @property
    def connected(self) -> bool:
        return self._ws is not None

    @property
    def url(self) -> str:
        return station_url(self._targets[self._current].url, self._identity)

    @property
    def slot(self) -> int:
        """The network configuration slot of the target in use."""
        return self._targets[self._current].slot

    def use_targets(self, targets: list[Target]) -> None:
        """From the next connection attempt on, try these in order (a reboot applying a new priority)."""
        if targets:
            self._targets, self._current, self._attempts_here = targets, 0, 0

    def _count_failure(self) -> None:
        self._attempts_here += 1
        allowed = self._dm.get_int(dmc.CONNECTION_ATTEMPTS)
        if len(self._targets) > 1 and self._attempts_here >= allowed:
            self._current = (self._current + 1) % len(self._targets)
            self._attempts_here = 0
            log.info("falling back to network configuration slot %d", self.slot)
            if self.fallback_skips_backoff:
                self._planned_delay = 0.0

    def _backoff_s(self, failures: int) -> float:
        doublings = 0 if self._flat_backoff else min(failures - 1, self._dm.get_int(dmc.RETRY_REPEAT_TIMES))
        wait = self._dm.get_int(dmc.RETRY_WAIT_MINIMUM) * 2**doublings
        jitter = random.uniform(0, self._dm.get_int(dmc.RETRY_RANDOM_RANGE))
        return min(float(wait) + jitter, MAX_BACKOFF_S)

    async def _pause(self, seconds: float) -> None:
        """Sleep, unless a reboot or power cycle asks for an earlier attempt."""
        if seconds <= 0:
            return
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def run(self, session: Session) -> None:
        """Connect, run `session` while connected, and reconnect forever."""
        failures = 0
        while True:
            planned, self._planned_delay = self._planned_delay, None
            await self._pause(planned if planned is not None else self._backoff_s(max(failures, 1)))
            if self._planned_delay is not None:
                continue  # a reboot arrived while waiting: honour its own delay
            ws = await self._open()
            if ws is None:
                failures += 1
                self._count_failure()
                continue
            failures = 0
            self._attempts_here = 0
            self._ws = ws
            log.info("connected to %s (%s)", self.url, ws.subprotocol)
            try:
                await session(ws)
            finally:
                self._ws = None
                log.info("connection closed (code %s)", ws.close_code)
            if self._planned_delay is None:
                failures = 1

    async def _open(self) -> ClientConnection | None:
        password = self._password_source() if self._targets[self._current].basic_auth else None
        headers = {"Authorization": basic_auth(self._basic_user, password)} if password else None
        tls, fallback_root = self._tls_for(self._targets[self._current])
        try:
            ws = await connect(
                self.url,
                subprotocols=[Subprotocol(self._subprotocol)],
                additional_headers=headers,
                open_timeout=OPEN_TIMEOUT_S,
                close_timeout=CLOSE_TIMEOUT_S,
                proxy=None,
                compression=None,
                ssl=tls,
            )
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            log.warning("cannot connect to %s: %s", self.url, describe(exc))
            self._try_fallback = not fallback_root and isinstance(exc, ssl.SSLCertVerificationError)
            if self._on_refused is not None:
                self._on_refused(exc)
            return None
        if ws.subprotocol != self._subprotocol:
            log.warning("CSMS did not accept subprotocol %s; closing", self._subprotocol)
            await ws.close()
            return None
        self.on_connected(fallback_root)
        return ws

    def drop(self, *, abort: bool, delay_s: float) -> None:
        """End the current connection (power loss: abort; reset: close handshake) and reconnect after `delay_s`."""
        self._planned_delay = delay_s
        self._wake.set()
        ws = self._ws
        if ws is None:
            return
        if abort:
            ws.transport.abort()
            return
        task = asyncio.ensure_future(ws.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        """Shutdown: close the connection with a normal close frame."""
        ws = self._ws
        if ws is not None:
            await ws.close()
