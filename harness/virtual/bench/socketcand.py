"""A virtual CAN bus served over TCP in socketcand's ASCII raw mode, for python-can's `socketcand` interface.

The conversation a client goes through: the server greets `< hi >`; the client sends `< open CH >` (answered
`< ok >` when CH is our channel) and `< rawmode >` (`< ok >`); then frames flow both ways, `< send ID DLC B0 .. >`
from the client and `< frame ID SEC.USEC HEXDATA >` to it. Frames from one client reach the device and every
other client, as on a real bus. Malformed input is logged and skipped: a confused client never stops the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from instruments.capabilities import CanFrame

log = logging.getLogger("harness.virtual.bench.socketcand")

FrameHandler = Callable[[CanFrame], None]

MAX_MESSAGE = 256  # a raw-mode message is ~40 characters; anything this long without '>' is garbage
MAX_BUFFERED = 64 * 1024  # a client that stops reading is dropped rather than allowed to grow our memory
# python-can reads the handshake replies with one recv() each and compares them exactly: a frame sent right after
# `< ok >` could land in the same read and break its handshake. Frames flow once the client has sent one of its
# own (its handshake is then over) or after this grace period.
HANDSHAKE_GRACE_S = 0.25

_HEX = re.compile(r"^[0-9A-Fa-f]+$")


@dataclass(eq=False)
class _Client:
    number: int
    writer: asyncio.StreamWriter
    state: str = "greeted"  # greeted -> opened -> raw
    raw_since: float = 0.0
    live: bool = False
    buffer: str = field(default="", repr=False)


def parse_send(body: str) -> CanFrame | None:
    """`send ID DLC B0 B1 ..` (the text between `<` and `>`) as a frame; None when malformed."""
    tokens = body.split()
    if len(tokens) < 3 or tokens[0] != "send" or not all(_HEX.match(t) for t in tokens[1:]):
        return None
    ident_text, dlc_text, byte_texts = tokens[1], tokens[2], tokens[3:]
    ident, dlc = int(ident_text, 16), int(dlc_text, 16)
    # python-can writes extended IDs with 8 digits and standard ones with 3
    extended = len(ident_text) == 8
    if len(ident_text) > 8 or (not extended and ident > 0x7FF) or ident > 0x1FFFFFFF:
        return None
    if dlc > 8 or len(byte_texts) != dlc or any(len(b) > 2 for b in byte_texts):
        return None
    return CanFrame(ident, bytes(int(b, 16) for b in byte_texts), extended=extended, timestamp=time.time())


def format_frame(frame: CanFrame, timestamp: float | None = None) -> str:
    """The `< frame ID SEC.USEC HEXDATA >` message for one frame."""
    ident = f"{frame.arbitration_id:08X}" if frame.extended else f"{frame.arbitration_id:03X}"
    stamp = time.time() if timestamp is None else timestamp
    return f"< frame {ident} {stamp:.6f} {frame.data.hex().upper()} >"


class SocketcandServer:
    """One CAN channel served on 127.0.0.1; `on_frame` gets every frame a client sends."""

    def __init__(
        self, on_frame: FrameHandler | None = None, *, channel: str = "vcan0", host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.on_frame = on_frame
        self.channel = channel
        self.host, self.port = host, port
        self._server: asyncio.Server | None = None
        self._clients: set[_Client] = set()
        self._connections = 0
        self.malformed = 0  # how many messages were skipped, for tests and the log

    async def start(self) -> int:
        """Listen and return the port (an ephemeral one when constructed with port 0)."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for client in list(self._clients):
            client.writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 2.0)

    async def __aenter__(self) -> SocketcandServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def clients(self) -> int:
        """Clients in raw mode."""
        return sum(1 for client in self._clients if client.state == "raw")

    def send(self, frame: CanFrame, *, exclude: object = None) -> None:
        """Put a frame on the bus: every raw-mode client past its handshake receives it (call on the loop)."""
        text = format_frame(frame).encode("ascii")
        now = time.monotonic()
        for client in list(self._clients):
            if client is exclude or client.state != "raw":
                continue
            if not client.live and now - client.raw_since < HANDSHAKE_GRACE_S:
                continue
            client.live = True
            transport = client.writer.transport
            if transport.is_closing():
                continue
            if transport.get_write_buffer_size() > MAX_BUFFERED:
                log.warning("socketcand client %d does not read; dropping it", client.number)
                client.writer.close()
                continue
            client.writer.write(text)

    # ------------------------------------------------------------ one client

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections += 1
        client = _Client(self._connections, writer)
        self._clients.add(client)
        try:
            writer.write(b"< hi >")
            await writer.drain()
            while True:
                chunk = await reader.read(4096)
                if not chunk:
                    break
                client.buffer += chunk.decode("ascii", "replace")
                for message in self._messages(client):
                    self._handle(client, message)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        except Exception:  # whatever a client did, the bus keeps serving the others
            log.exception("socketcand client %d: unexpected failure; closing it", client.number)
        finally:
            self._clients.discard(client)
            writer.close()

    def _messages(self, client: _Client) -> list[str]:
        """Cut complete `< ... >` messages out of the client's buffer; skip garbage between them."""
        messages: list[str] = []
        while True:
            start = client.buffer.find("<")
            if start < 0:
                if client.buffer.strip():
                    self._malformed(client, client.buffer)
                client.buffer = ""
                return messages
            if client.buffer[:start].strip():
                self._malformed(client, client.buffer[:start])
            client.buffer = client.buffer[start:]
            end = client.buffer.find(">")
            if end < 0:
                if len(client.buffer) > MAX_MESSAGE:
                    self._malformed(client, client.buffer)
                    client.buffer = ""
                return messages
            inner = client.buffer[1:end]
            client.buffer = client.buffer[end + 1 :]
            if "<" in inner:  # an unterminated message followed by a new one: keep the new one
                self._malformed(client, "<" + inner[: inner.rfind("<")])
                inner = inner[inner.rfind("<") + 1 :]
            messages.append(inner.strip())

    def _handle(self, client: _Client, message: str) -> None:
        command, _, argument = message.partition(" ")
        if client.state == "greeted" and command == "open":
            if argument.strip() == self.channel:
                client.state = "opened"
                client.writer.write(b"< ok >")
            else:
                client.writer.write(b"< error could not open bus >")
            return
        if client.state == "opened" and command == "rawmode":
            client.state, client.raw_since = "raw", time.monotonic()
            client.writer.write(b"< ok >")
            return
        if client.state == "raw" and command == "send":
            frame = parse_send(message)
            if frame is None:
                self._malformed(client, message)
                return
            client.live = True  # it finished its handshake, so frames can no longer spoil it
            self.send(frame, exclude=client)
            self._deliver(frame)
            return
        # Nothing else is answered in raw mode: python-can would take any reply for a frame and fail parsing it.
        self._malformed(client, message)
        if client.state != "raw":
            client.writer.write(b"< error unexpected command >")

    def _deliver(self, frame: CanFrame) -> None:
        if self.on_frame is None:
            return
        try:
            self.on_frame(frame)
        except Exception:  # a faulty device must not take the bus down
            log.exception("socketcand: the device failed on frame %03X", frame.arbitration_id)

    def _malformed(self, client: _Client, text: str) -> None:
        self.malformed += 1
        log.warning("socketcand client %d: skipped malformed input %r", client.number, text[:80])
