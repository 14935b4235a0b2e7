"""A two-namespace IPv6 test bed for ISO 15118 transport: an SECC side and an EV side joined by a veth pair.

SDP needs link-local multicast on a real interface (`lo` has neither), and the EV must not see its own SECC's
sockets on the same stack, so each side gets its own network namespace. Names carry a random suffix, so parallel
tests never collide; DAD is switched off inside the namespaces so link-local addresses are usable at once.
Everything is torn down on exit, also after an error. Uses iproute2's `ip`, so it needs CAP_SYS_ADMIN (root).

Code runs inside a namespace either as a subprocess (`namespace_command`) or in-process on a dedicated thread that
has entered it (`NamespaceLoop`, `call_in_namespace`): a socket belongs to the namespace of the thread that created
it and stays there, so servers and clients of both sides can share one Python process.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import ipaddress
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from harness.iso15118.transport.ipv6 import link_local_addresses
from harness.verdict import LabError

T = TypeVar("T")
CLONE_NEWNET = 0x40000000
NETNS_DIR = Path("/run/netns")
_IP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class BedSide:
    namespace: str
    interface: str
    index: int
    link_local: ipaddress.IPv6Address


def namespace_command(namespace: str, argv: list[str]) -> list[str]:
    """`argv` wrapped to run inside `namespace` (for subprocess.run / Popen)."""
    return ["ip", "netns", "exec", namespace, *argv]


def run_in_namespace(namespace: str, argv: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a command inside `namespace` and wait at most `timeout` seconds; failure is a lab error."""
    return _run(namespace_command(namespace, argv), timeout=timeout)


def enter_namespace(namespace: str) -> None:
    """Move the *calling thread* into `namespace`; only for threads that never go back (see NamespaceLoop)."""
    try:
        fd = os.open(NETNS_DIR / namespace, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as exc:
        raise LabError(f"network namespace {namespace!r} not found: {exc}") from None
    try:
        native = getattr(os, "setns", None)  # Python 3.12+
        if native is not None:
            native(fd, CLONE_NEWNET)
        elif ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, os.strerror(error))
    except OSError as exc:
        raise LabError(f"cannot enter network namespace {namespace!r}: {exc}") from None
    finally:
        os.close(fd)


def call_in_namespace(namespace: str, function: Callable[[], T], *, timeout: float) -> T:
    """Run `function` on a fresh thread inside `namespace` and return its result (its exception is re-raised)."""
    future: Future[T] = Future()

    def target() -> None:
        try:
            enter_namespace(namespace)
            future.set_result(function())
        except BaseException as exc:
            future.set_exception(exc)

    threading.Thread(target=target, name=f"netns-{namespace}", daemon=True).start()
    try:
        return future.result(timeout)
    except FutureTimeout:
        raise LabError(f"work inside namespace {namespace!r} did not finish within {timeout:g} s") from None


class NamespaceLoop:
    """An asyncio event loop on its own thread inside a namespace; coroutines submitted to it open sockets there."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> NamespaceLoop:
        started: Future[asyncio.AbstractEventLoop] = Future()
        self._thread = threading.Thread(target=self._serve, args=(started,), name=f"loop-{self.namespace}", daemon=True)
        self._thread.start()
        try:
            self._loop = started.result(_IP_TIMEOUT_S)
        except FutureTimeout:
            raise LabError(f"event loop in namespace {self.namespace!r} did not start") from None
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def run(self, coroutine: Coroutine[Any, Any, T], *, timeout: float) -> T:
        """Run `coroutine` on the namespace's loop; past `timeout` it is cancelled and that is a lab error."""
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("NamespaceLoop is not running")
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise LabError(f"coroutine in namespace {self.namespace!r} did not finish within {timeout:g} s") from None

    def close(self, timeout: float = 5.0) -> None:
        """Cancel what still runs on the loop and stop its thread; safe to call more than once."""
        loop, self._loop = self._loop, None
        if loop is None:
            return

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(FutureTimeout, RuntimeError):
            asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(timeout)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)

    def _serve(self, started: Future[asyncio.AbstractEventLoop]) -> None:
        try:
            enter_namespace(self.namespace)
        except LabError as exc:
            started.set_exception(exc)
            return
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        started.set_result(loop)
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()


class NetBed:
    """Two namespaces (`secc`, `ev`) and a veth pair between them, both ends up with link-local addresses."""

    def __init__(self, *, ready_timeout: float = 5.0) -> None:
        suffix = secrets.token_hex(3)
        self.ready_timeout = ready_timeout
        self._names = (f"v2g-{suffix}-secc", f"v2g-{suffix}-ev")
        self._interfaces = (f"v2g{suffix}s", f"v2g{suffix}e")  # at most 15 characters, the kernel's limit
        self._created: list[str] = []
        self._sides: tuple[BedSide, BedSide] | None = None

    def __enter__(self) -> NetBed:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def secc(self) -> BedSide:
        return self._require()[0]

    @property
    def ev(self) -> BedSide:
        return self._require()[1]

    def close(self) -> None:
        """Delete the namespaces (which removes the veth ends in them); safe to call more than once."""
        self._sides = None
        while self._created:
            name = self._created.pop()
            with contextlib.suppress(LabError):
                _run(["ip", "netns", "delete", name], timeout=_IP_TIMEOUT_S)

    def _require(self) -> tuple[BedSide, BedSide]:
        if self._sides is None:
            raise RuntimeError("the test bed is not up (use it inside `with NetBed() as bed:`)")
        return self._sides

    def _build(self) -> None:
        for name in self._names:
            _run(["ip", "netns", "add", name], timeout=_IP_TIMEOUT_S)
            self._created.append(name)
            call_in_namespace(name, _disable_dad_by_default, timeout=_IP_TIMEOUT_S)
        (secc_ns, ev_ns), (secc_if, ev_if) = self._names, self._interfaces
        _run(
            # Distinct interface indexes on the two ends make the kernel treat the carrier change as urgent; with
            # equal ones (both would be 2) link-watch delays it, and the link-local address, by a second.
            [
                *("ip", "link", "add", secc_if, "netns", secc_ns, "index", "2"),
                *("type", "veth", "peer", "name", ev_if, "netns", ev_ns, "index", "3"),
            ],
            timeout=_IP_TIMEOUT_S,
        )
        for name, interface in zip(self._names, self._interfaces, strict=True):
            _run(["ip", "-n", name, "link", "set", "lo", "up"], timeout=_IP_TIMEOUT_S)
            _run(["ip", "-n", name, "link", "set", interface, "up"], timeout=_IP_TIMEOUT_S)
        deadline = time.monotonic() + self.ready_timeout
        sides = [
            call_in_namespace(
                name, functools.partial(_wait_for_link_local, name, interface, deadline), timeout=self.ready_timeout + 1
            )
            for name, interface in zip(self._names, self._interfaces, strict=True)
        ]
        self._sides = (sides[0], sides[1])


@functools.cache
def can_create_namespaces() -> tuple[bool, str]:
    """Whether this process can build a NetBed, and if not, why (probed once by really trying)."""
    if not sys.platform.startswith("linux"):
        return False, f"network namespaces need Linux, this is {sys.platform}"
    if shutil.which("ip") is None:
        return False, "iproute2's `ip` command is not installed"
    probe = f"v2g-probe-{secrets.token_hex(3)}"
    try:
        _run(["ip", "netns", "add", probe], timeout=_IP_TIMEOUT_S)
    except LabError as exc:
        return False, f"cannot create a network namespace: {exc}"
    try:
        _run(
            ["ip", "-n", probe, "link", "add", "probe0", "type", "veth", "peer", "name", "probe1"],
            timeout=_IP_TIMEOUT_S,
        )
        call_in_namespace(probe, lambda: socket.if_nametoindex("probe0"), timeout=_IP_TIMEOUT_S)
    except (LabError, OSError) as exc:
        return False, f"cannot create a veth pair or enter a namespace: {exc}"
    finally:
        with contextlib.suppress(LabError):
            _run(["ip", "netns", "delete", probe], timeout=_IP_TIMEOUT_S)
    return True, ""


def _disable_dad_by_default() -> None:
    """Runs inside a namespace: interfaces created afterwards skip duplicate address detection."""
    for scope in ("all", "default"):
        Path(f"/proc/sys/net/ipv6/conf/{scope}/accept_dad").write_text("0\n")


def _wait_for_link_local(namespace: str, interface: str, deadline: float) -> BedSide:
    """Runs inside a namespace: poll until the interface has a usable link-local address."""
    while True:
        found = link_local_addresses(interface)
        if found:
            return BedSide(namespace, interface, socket.if_nametoindex(interface), found[0])
        if time.monotonic() >= deadline:
            raise LabError(f"{interface} in {namespace} got no usable IPv6 link-local address in time")
        time.sleep(0.02)


def _run(argv: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabError(f"`{' '.join(argv)}` failed: {exc}") from None
    if result.returncode != 0:
        raise LabError(f"`{' '.join(argv)}` exited {result.returncode}: {result.stderr.strip()}")
    return result
