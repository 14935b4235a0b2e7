"""A tiny CSMS for the virtual station's own tests: answers every CALL, records every frame, sends CALLs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve

from harness.ocpp.schemas import validate
from harness.virtual.control_api import ControlApi
from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.station import Station, StationConfig

Responder = Callable[[dict[str, Any]], dict[str, Any]]
IDENTITY = StationIdentity("VS-TEST", "OpenV2G Lab", "VirtualStation-1", "VS-TEST-SN", "0.1.0")


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Request:
    """A CALL the station sent, with when it arrived (loop time) and on which connection."""

    action: str
    payload: dict[str, Any]
    at: float
    connection: int


@dataclass
class FakeCsms:
    """Accepts the station, answers its CALLs from `responders`, records everything it sees."""

    boot_status: str = "Accepted"
    interval: int = 300
    reply_delay_s: float = 0.0
    subprotocol: str | None = "ocpp2.0.1"
    responders: dict[str, Responder] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    connections: int = 0
    port: int = 0
    paths: list[str] = field(default_factory=list)
    auth_headers: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._consumed: set[int] = set()
        self._arrived = asyncio.Event()
        self._pending: dict[str, asyncio.Future[list[Any]]] = {}
        self._ws: ServerConnection | None = None
        self._server: Server | None = None
        self._closed = asyncio.Event()
        self._replies: set[asyncio.Future[None]] = set()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"

    async def start(self) -> None:
        protocols = [self.subprotocol] if self.subprotocol else None
        self._server = await serve(
            self._handle,
            "127.0.0.1",
            self.port,
            subprotocols=protocols,  # type: ignore[arg-type]
            compression=None,
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def default_response(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        if action in self.responders:
            return self.responders[action](payload)
        if action == "BootNotification":
            return {"currentTime": now(), "interval": self.interval, "status": self.boot_status}
        if action == "Heartbeat":
            return {"currentTime": now()}
        if action == "Authorize":
            return {"idTokenInfo": {"status": "Accepted"}}
        return {}

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        number = self.connections
        self._ws = ws
        self._closed.clear()
        self.paths.append(ws.request.path if ws.request else "")
        self.auth_headers.append(ws.request.headers.get("Authorization") if ws.request else None)
        try:
            async for message in ws:
                assert isinstance(message, str)
                self.raw.append(message)
                await self._on_frame(ws, message, number)
        except Exception:  # the station may vanish mid-frame (power cycle); that is what we test
            pass
        finally:
            if self._ws is ws:
                self._ws = None
                self._closed.set()

    async def _on_frame(self, ws: ServerConnection, message: str, number: int) -> None:
        try:
            frame = json.loads(message)
        except ValueError:
            return
        if frame[0] == 2:
            _, message_id, action, payload = frame
            for violation in validate("v201", action, "Request", payload):
                self.violations.append(f"{action}: {violation}")
            self.requests.append(Request(action, payload, asyncio.get_running_loop().time(), number))
            self._arrived.set()
            reply = json.dumps([3, message_id, self.default_response(action, payload)])
            if self.reply_delay_s:
                # Answer later without blocking the reader, so overlapping CALLs become visible.
                self._replies.add(asyncio.ensure_future(self._reply_later(ws, reply)))
            else:
                await ws.send(reply)
        elif frame[1] in self._pending:
            self._pending.pop(frame[1]).set_result(frame)

    async def _reply_later(self, ws: ServerConnection, reply: str) -> None:
        await asyncio.sleep(self.reply_delay_s)
        with suppress(Exception):  # the station may have gone away meanwhile
            await ws.send(reply)

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 5.0) -> list[Any]:
        """Send a CALL to the station; returns the whole reply frame (CALLRESULT or CALLERROR)."""
        message_id = f"csms-{len(self.raw)}-{asyncio.get_running_loop().time()}"[:36]
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        assert self._ws is not None, "station not connected"
        await self._ws.send(json.dumps([2, message_id, action, payload]))
        return await asyncio.wait_for(future, timeout)

    async def result(self, action: str, payload: dict[str, Any], timeout: float = 5.0) -> dict[str, Any]:
        frame = await self.call(action, payload, timeout)
        assert frame[0] == 3, f"{action} answered with {frame}"
        result: dict[str, Any] = frame[2]
        return result

    async def send_raw(self, text: str) -> None:
        assert self._ws is not None
        await self._ws.send(text)

    async def next_raw_reply(self, timeout: float = 5.0) -> list[Any]:
        """The next CALLRESULT/CALLERROR the station sends, whatever its id."""
        start = len(self.raw)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            for text in self.raw[start:]:
                frame = json.loads(text)
                if frame[0] in (3, 4):
                    return list(frame)
            await asyncio.sleep(0.02)
        raise TimeoutError("no reply frame")

    async def expect(
        self, action: str, where: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 5.0
    ) -> dict[str, Any]:
        """The next not yet consumed station CALL `action` matching `where`; consumes it."""
        return (await self.expect_request(action, where, timeout)).payload

    async def expect_request(
        self, action: str, where: Callable[[dict[str, Any]], bool] | None = None, timeout: float = 5.0
    ) -> Request:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for index, request in enumerate(self.requests):
                if index in self._consumed or request.action != action:
                    continue
                if where is None or where(request.payload):
                    self._consumed.add(index)
                    return request
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [r.action for r in self.requests]
                raise AssertionError(f"no {action} within {timeout} s; station sent {seen}")
            self._arrived.clear()
            with suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)

    async def expect_none(
        self, action: str, during: float, where: Callable[[dict[str, Any]], bool] | None = None
    ) -> None:
        try:
            found = await self.expect(action, where, during)
        except AssertionError:
            return
        raise AssertionError(f"unexpected {action}: {found}")

    def forget(self) -> None:
        """Consider everything received so far as seen: later `expect` calls only look at new CALLs."""
        self._consumed.update(range(len(self.requests)))

    def sent(self, action: str) -> list[dict[str, Any]]:
        return [r.payload for r in self.requests if r.action == action]

    async def wait_closed(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self._closed.wait(), timeout)

    async def close_connection(self) -> None:
        if self._ws is not None:
            await self._ws.close()


@asynccontextmanager
async def lab(
    faults: tuple[str, ...] = (), evses: int = 1, **csms_options: Any
) -> AsyncIterator[tuple[FakeCsms, Station, int]]:
    """A fake CSMS and an in-process station connected to it; yields (csms, station, control port)."""
    csms = FakeCsms(**csms_options)
    await csms.start()
    station = Station(StationConfig(csms.url, IDENTITY, evse_count=evses, faults=faults))
    api = ControlApi(station)
    port = await api.start()
    stop = asyncio.Event()
    task = asyncio.ensure_future(station.run(stop))
    try:
        yield csms, station, port
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
        await api.stop()
        await csms.stop()


Scenario = Callable[[FakeCsms, Station, int], Awaitable[None]]


def run_scenario(scenario: Scenario, faults: tuple[str, ...] = (), timeout_s: float = 15) -> None:
    """Run one fault scenario against an in-process station with `faults` switched on."""

    async def run() -> None:
        async with lab(faults=faults) as (csms, station, port):
            await asyncio.wait_for(scenario(csms, station, port), timeout_s)

    asyncio.run(run())


async def booted(csms: FakeCsms, evses: int = 1) -> None:
    """Wait for the boot sequence to finish (the SecurityEventNotification is its last CALL)."""
    await csms.expect("BootNotification")
    for _ in range(evses):
        await csms.expect("StatusNotification")
    await csms.expect("SecurityEventNotification")


async def control(
    port: int, method: str, path: str, body: Any = None, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    """One HTTP request to the control API; returns (status, JSON body)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else b"")
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(data)}\r\n\r\n".encode()
    writer.write(head + data)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, body_bytes = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(body_bytes)
