"""The EV's TCP or TLS 1.3 connection to the SECC, carrying V2GTP frames.

One object per connection with an `async with` lifecycle. Besides sending and receiving frames it can send raw
bytes and reset the connection (TCP RST), because negative tests of ISO 15118-21 need exactly that. Every frame is
recorded through `Evidence` when one is given; deviations of the TLS session from -20 become findings there too.

With a `SessionCapture` the client stack runs on one end of a socketpair and a tap relays its bytes to the real TCP
socket, so the capture holds exactly what crossed that socket (TLS records, not plaintext) with the real times,
closes and resets included; `harness.iso15118.capture.write_pcapng` turns it into a pcapng file.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
import time
from collections.abc import Callable, Collection
from types import TracebackType
from typing import Any, Literal

from harness.evidence import Evidence
from harness.iso15118.capture import SessionCapture
from harness.iso15118.transport.errors import ConnectError, PeerClosed, TlsHandshakeError, TransportError, V2gtpError
from harness.iso15118.transport.ipv6 import Endpoint
from harness.iso15118.transport.tls import (
    ClientContext,
    TlsClientConfig,
    TlsSession,
    client_context,
    describe_session,
    session_problems,
)
from harness.iso15118.transport.v2gtp import DEFAULT_MAX_PAYLOAD, PayloadType, V2gtpFrame, build_frame, read_frame
from harness.verdict import Finding, Severity

_CLOSE_TIMEOUT_S = 2.0
_ABORT_TIMEOUT_S = 0.5


class V2gConnection:
    """A connection to `endpoint`, plain TCP or (with `tls`) TLS 1.3; opened by `async with` or `open()`."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        tls: TlsClientConfig | None = None,
        connect_timeout: float = 5.0,
        write_timeout: float = 5.0,
        max_payload: int = DEFAULT_MAX_PAYLOAD,
        evidence: Evidence | None = None,
        capture: SessionCapture | None = None,
    ) -> None:
        """`capture` records what crosses the TCP socket; for TLS with `keylog_file` it also gets the key lines.

        OpenSSL appends the key log lines during the handshake; the file's text is put into the capture when the
        session ends (close, reset or a failed open), and `write_pcapng` keeps the lines of this session's TLS.
        """
        self.endpoint = endpoint
        self.tls = tls
        self.connect_timeout = connect_timeout
        self.write_timeout = write_timeout
        self.max_payload = max_payload
        self.evidence = evidence
        self.capture = capture
        self.tls_session: TlsSession | None = None
        self.findings: list[Finding] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._tap: _Tap | None = None
        self._closed_by_peer_at: float | None = None

    async def __aenter__(self) -> V2gConnection:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def is_open(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    @property
    def closed_by_peer_at(self) -> float | None:
        """`time.monotonic()` when the SECC's FIN or RST reached us, None if it has not closed.

        With a capture this is when the TCP socket saw it; without, when the event loop saw the stream end (for
        TLS that can be the SECC's close_notify), which is as good as asyncio allows.
        """
        return self._closed_by_peer_at

    async def open(self) -> None:
        """Connect, then (with TLS) handshake and check the session; failures name the endpoint."""
        if self._writer is not None:
            return
        prepared = client_context(self.tls) if self.tls is not None else None
        sock = await self._connect_socket()
        self._closed_by_peer_at = None
        stack_sock = sock
        try:
            if self.capture is not None:
                self._tap = _Tap(sock, self.capture, self._peer_gone)
                stack_sock = await self._tap.start()
            if prepared is None:
                self._reader, self._writer = await self._open_streams(stack_sock)
            else:
                await self._handshake(stack_sock, prepared)
        except BaseException:
            if self._tap is not None:
                await self._end_tap(asyncio.get_running_loop().time() + _CLOSE_TIMEOUT_S)
            stack_sock.close()
            sock.close()
            raise
        self._note(f"connected to {self.endpoint}" + (" over TLS" if prepared else " over TCP"))

    async def send_frame(self, payload_type: PayloadType, payload: bytes) -> None:
        await self._write(build_frame(payload_type, payload, max_payload=self.max_payload), payload_type)

    async def send_raw(self, data: bytes) -> None:
        """Send bytes as they are (malformed headers, partial frames) for negative tests."""
        await self._write(data, None)

    async def receive_frame(self, *, timeout: float, expected_types: Collection[int] | None = None) -> V2gtpFrame:
        """One whole frame within `timeout`; raises FrameTimeout, PeerClosed or V2gtpError."""
        reader = self._require_open()[0]
        try:
            frame = await read_frame(
                reader, timeout=timeout, max_payload=self.max_payload, expected_types=expected_types
            )
        except ssl.SSLError as exc:
            # TLS 1.3 lets the client finish its handshake first: a refused client certificate arrives here.
            raise TlsHandshakeError(f"TLS alert from {self.endpoint} after the handshake: {exc}") from None
        except ConnectionResetError:
            raise PeerClosed(f"the SECC at {self.endpoint} reset the connection") from None
        except V2gtpError as exc:
            if self.evidence is not None:  # the offending bytes are the evidence of the non-conformity
                self.evidence.frame("rx", exc.data.hex(), channel="v2gtp", malformed=str(exc.problem))
            raise
        if self.evidence is not None:
            self.evidence.frame(
                "rx", frame.to_bytes().hex(), channel="v2gtp", payload_type=f"0x{int(frame.payload_type):04X}"
            )
        return frame

    async def reset(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0) instead of an orderly close."""
        writer = self._writer
        if writer is None:
            return
        if self._tap is not None:
            self._tap.reset()
        else:
            _linger_zero(writer.get_extra_info("socket"))
        writer.transport.abort()
        self._note(f"reset the connection to {self.endpoint}")
        await self._forget(writer)

    async def close(self) -> None:
        """Orderly close (TLS close_notify, then FIN), bounded in time; safe to call more than once."""
        writer = self._writer
        if writer is None:
            return
        writer.close()
        await self._forget(writer)

    async def _connect_socket(self) -> socket.socket:
        sock = socket.socket(self.endpoint.family, socket.SOCK_STREAM)
        try:
            sock.setblocking(False)
            # V2G messages are small and answered under tight timing: no Nagle delay.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            async with asyncio.timeout(self.connect_timeout):
                await asyncio.get_running_loop().sock_connect(sock, self.endpoint.sockaddr())
        except TimeoutError:
            sock.close()
            raise ConnectError(f"no TCP connection to {self.endpoint} within {self.connect_timeout:g} s") from None
        except OSError as exc:
            sock.close()
            raise ConnectError(f"TCP connection to {self.endpoint} failed: {exc}") from None
        return sock

    async def _open_streams(self, sock: socket.socket, **tls: Any) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """`asyncio.open_connection` on `sock`, with a protocol that notes when the SECC ends the stream."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=self.max_payload + 8, loop=loop)
        # With a tap the real socket's view is the better one, so the stack end does not report.
        protocol = _StreamProtocol(reader, loop, None if self._tap is not None else self._peer_gone)
        transport, _ = await loop.create_connection(lambda: protocol, sock=sock, **tls)
        return reader, asyncio.StreamWriter(transport, protocol, reader, loop)

    async def _handshake(self, sock: socket.socket, prepared: ClientContext) -> None:
        assert self.tls is not None
        timeout = self.tls.handshake_timeout
        try:
            async with asyncio.timeout(timeout + 1.0):
                self._reader, self._writer = await self._open_streams(
                    sock,
                    ssl=prepared.context,
                    # asyncio sends no SNI for an empty name; hostname checking is off in the context.
                    server_hostname=self.tls.server_name or "",
                    ssl_handshake_timeout=timeout,
                )
        except TimeoutError:
            raise TlsHandshakeError(f"TLS handshake with {self.endpoint} did not finish within {timeout:g} s") from None
        except (ssl.SSLError, ConnectionError) as exc:
            # A peer that just drops the connection gives an exception without text: name its kind instead.
            detail = str(exc) or f"{type(exc).__name__} (the SECC ended the handshake without an alert)"
            offered = ", ".join(prepared.offered_suites) or "no TLS 1.3 suite"
            raise TlsHandshakeError(
                f"TLS handshake with {self.endpoint} failed: {detail} (the EV offered {offered})"
            ) from None
        ssl_object = self._writer.get_extra_info("ssl_object")
        self.tls_session = describe_session(ssl_object, prepared.offered_suites)
        if self.evidence is not None:
            self.evidence.note(f"TLS session with {self.endpoint}: {self.tls_session}")
        for problem in session_problems(self.tls_session, groups=self.tls.groups):
            self._finding(Severity.NONCONFORMITY, "tls_session", problem)
        if not prepared.restricted:
            self._finding(
                Severity.OBSERVATION,
                "tls_offer",
                f"this Python could not restrict the TLS 1.3 offer; offered {', '.join(prepared.offered_suites)}",
            )

    async def _write(self, data: bytes, payload_type: PayloadType | None) -> None:
        writer = self._require_open()[1]
        if self.evidence is not None:
            kind = {"payload_type": f"0x{int(payload_type):04X}"} if payload_type is not None else {"raw_send": True}
            self.evidence.frame("tx", data.hex(), channel="v2gtp", **kind)
        writer.write(data)
        try:
            async with asyncio.timeout(self.write_timeout):
                await writer.drain()
        except TimeoutError:
            raise TransportError(f"the SECC did not take {len(data)} bytes within {self.write_timeout:g} s") from None
        except (ConnectionError, ssl.SSLError) as exc:
            raise PeerClosed(f"the connection to {self.endpoint} broke while sending: {exc}") from None

    def _require_open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            raise RuntimeError("the V2G connection is not open")
        return self._reader, self._writer

    async def _forget(self, writer: asyncio.StreamWriter) -> None:
        self._reader = self._writer = None
        deadline = asyncio.get_running_loop().time() + _CLOSE_TIMEOUT_S
        with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
            async with asyncio.timeout_at(deadline):
                await writer.wait_closed()
        if self._tap is not None:
            writer.transport.abort()  # a TLS peer that never answered close_notify must not hold the tap open
            await self._end_tap(deadline)

    async def _end_tap(self, deadline: float) -> None:
        """Let the tap see the SECC's side of the close until `deadline`, then hand the TLS key log to the capture."""
        tap, self._tap = self._tap, None
        assert tap is not None
        await tap.finish(deadline)
        keylog = self.tls.keylog_file if self.tls is not None else None
        if keylog is not None:
            with contextlib.suppress(OSError):  # no key log is a gap in the evidence, not a reason to fail the close
                tap.capture.set_tls_keylog(keylog.read_text(errors="replace"))

    def _peer_gone(self) -> None:
        if self._closed_by_peer_at is None:
            self._closed_by_peer_at = time.monotonic()

    def _finding(self, severity: Severity, kind: str, message: str) -> None:
        if self.evidence is not None:
            self.findings.append(self.evidence.finding(severity, kind, message))
        else:
            self.findings.append(Finding(severity, kind, message))

    def _note(self, text: str) -> None:
        if self.evidence is not None:
            self.evidence.note(text)


def _linger_zero(sock: Any) -> None:
    """Make the next close of `sock` send a RST instead of a FIN."""
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


class _StreamProtocol(asyncio.StreamReaderProtocol):
    """The streams' usual protocol, also telling `on_peer_gone` when the peer ended or broke the stream."""

    def __init__(
        self, reader: asyncio.StreamReader, loop: asyncio.AbstractEventLoop, on_peer_gone: Callable[[], None] | None
    ) -> None:
        super().__init__(reader, loop=loop)
        self._on_peer_gone = on_peer_gone

    def eof_received(self) -> bool:
        if self._on_peer_gone is not None:
            self._on_peer_gone()
        return bool(super().eof_received())

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None and self._on_peer_gone is not None:
            self._on_peer_gone()
        super().connection_lost(exc)


TapSide = Literal["secc", "stack"]


class _TapEnd(asyncio.Protocol):
    """One of the tap's two transports: the real socket to the SECC, or the relay's end of the socketpair."""

    def __init__(self, tap: _Tap, side: TapSide) -> None:
        self.tap = tap
        self.side = side
        self.transport: asyncio.Transport | None = None
        self.eof = False  # the other party will send nothing more
        self.eof_sent = False
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.tap.on_data(self.side, data)

    def eof_received(self) -> bool:
        self.eof = True
        self.tap.on_eof(self.side)
        return True  # half-close: the other direction may still carry data

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)
        self.tap.on_lost(self.side, exc)

    # Flow control: when one side cannot write fast enough, stop reading from the other.
    def pause_writing(self) -> None:
        self.tap.other(self.side).pause_reading(True)

    def resume_writing(self) -> None:
        self.tap.other(self.side).pause_reading(False)

    def pause_reading(self, pause: bool) -> None:
        transport = self.transport
        if transport is None or transport.is_closing() or self.eof:
            return
        if pause:
            transport.pause_reading()
        else:
            transport.resume_reading()

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing() and not self.eof_sent:
            self.transport.write(data)

    def write_eof(self) -> None:
        if self.transport is not None and not self.transport.is_closing() and not self.eof_sent:
            self.eof_sent = True
            self.transport.write_eof()


class _Tap:
    """Relays bytes between the client stack's end of a socketpair and the real TCP socket, recording each chunk.

    Chunks are recorded and passed on in the callback that read them, so the tap adds no buffering delay. A FIN
    from either side becomes a half-close on the other; a RST from the SECC breaks the stack's end (it then reads
    ECONNRESET, as it would from TCP); `reset` sends a real RST to the SECC.
    """

    def __init__(self, real: socket.socket, capture: SessionCapture, on_peer_gone: Callable[[], None]) -> None:
        self.capture = capture
        self._real = real
        self._on_peer_gone = on_peer_gone
        self._stack_end, self._relay_end = socket.socketpair()
        self._ends: dict[TapSide, _TapEnd] = {}
        self._over = False  # RST sent or received, or torn down: nothing more is recorded

    async def start(self) -> socket.socket:
        """Record the connection and start relaying; returns the socket the client stack must use."""
        local, remote = self._real.getsockname(), self._real.getpeername()
        self.capture.connected((local[0], local[1]), (remote[0], remote[1]))
        # The stack's side first: it stays silent until the stack is opened, while the SECC could send at once.
        await self._attach("stack", self._relay_end)
        await self._attach("secc", self._real)
        return self._stack_end

    async def _attach(self, side: TapSide, sock: socket.socket) -> None:
        end = _TapEnd(self, side)
        self._ends[side] = end
        await asyncio.get_running_loop().create_connection(lambda: end, sock=sock)

    def other(self, side: TapSide) -> _TapEnd:
        return self._ends["stack" if side == "secc" else "secc"]

    def on_data(self, side: TapSide, data: bytes) -> None:
        if not self._over:
            self.capture.data("rx" if side == "secc" else "tx", data)
        self.other(side).write(data)

    def on_eof(self, side: TapSide) -> None:
        if side == "secc":
            self._on_peer_gone()
        if not self._over:
            self.capture.closed("charger" if side == "secc" else "ev", reset=False)
        self.other(side).write_eof()
        if all(end.eof for end in self._ends.values()):
            for end in self._ends.values():
                if end.transport is not None:
                    end.transport.close()

    def on_lost(self, side: TapSide, exc: Exception | None) -> None:
        if exc is None or self._over:
            return
        self._over = True
        if side == "secc":
            # A RST from the SECC (or an error writing after one): the stack must see its connection broken too.
            if isinstance(exc, ConnectionError):
                self._on_peer_gone()
                self.capture.closed("charger", reset=True)
            self._break_stack_end()
        else:
            # The stack closed with bytes unread (or got more after closing): a kernel answers that with a RST.
            self.capture.closed("ev", reset=True)
            self._abort_secc()

    def reset(self) -> None:
        """Abort towards the SECC with a real RST (SO_LINGER 0), as `V2gConnection.reset` promises."""
        if not self._over:
            self._over = True
            self.capture.closed("ev", reset=True)
        self._abort_secc()
        stack = self._ends.get("stack")
        if stack is not None and stack.transport is not None:
            stack.transport.abort()

    async def finish(self, deadline: float) -> None:
        """Wait until `deadline` for both sides to end; then stop relaying and close every socket."""
        lost = [end.lost for end in self._ends.values()]
        if lost:  # asyncio.wait, unlike a timeout around gather, leaves the futures alone when time runs out
            await asyncio.wait(lost, timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
        secc = self._ends.get("secc")
        if not self._over and secc is not None and not secc.eof_sent and not secc.lost.done():
            self.capture.closed("ev", reset=False)  # closing the socket below sends our FIN
        self._over = True
        for end in self._ends.values():
            if end.transport is not None:
                end.transport.abort()
        if lost:  # connection_lost runs one loop iteration after abort
            await asyncio.wait(lost, timeout=_ABORT_TIMEOUT_S)
        # Normally each transport has closed its socket by now; these closes only catch a failed start.
        for sock in (self._relay_end, self._real, self._stack_end):
            sock.close()

    def _abort_secc(self) -> None:
        secc = self._ends.get("secc")
        _linger_zero(self._real)
        if secc is not None and secc.transport is not None:
            secc.transport.abort()

    def _break_stack_end(self) -> None:
        # Linux: closing one end of a socketpair while bytes wait unread in it makes the other end's next read fail
        # with ECONNRESET (after the bytes already queued for it), as a TCP RST would. One unread byte ensures that.
        with contextlib.suppress(OSError):
            self._stack_end.send(b"\0")
        stack = self._ends.get("stack")
        if stack is not None and stack.transport is not None:
            stack.transport.abort()
