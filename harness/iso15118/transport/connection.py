"""The EV's TCP or TLS 1.3 connection to the SECC, carrying V2GTP frames.

One object per connection with an `async with` lifecycle. Besides sending and receiving frames it can send raw
bytes and reset the connection (TCP RST), because negative tests of ISO 15118-21 need exactly that. Every frame is
recorded through `Evidence` when one is given; deviations of the TLS session from -20 become findings there too.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections.abc import Collection
from types import TracebackType

from harness.evidence import Evidence
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
    ) -> None:
        self.endpoint = endpoint
        self.tls = tls
        self.connect_timeout = connect_timeout
        self.write_timeout = write_timeout
        self.max_payload = max_payload
        self.evidence = evidence
        self.tls_session: TlsSession | None = None
        self.findings: list[Finding] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

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

    async def open(self) -> None:
        """Connect, then (with TLS) handshake and check the session; failures name the endpoint."""
        if self._writer is not None:
            return
        prepared = client_context(self.tls) if self.tls is not None else None
        sock = await self._connect_socket()
        try:
            if prepared is None:
                self._reader, self._writer = await asyncio.open_connection(sock=sock, limit=self.max_payload + 8)
            else:
                await self._handshake(sock, prepared)
        except BaseException:
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
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
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

    async def _handshake(self, sock: socket.socket, prepared: ClientContext) -> None:
        assert self.tls is not None
        timeout = self.tls.handshake_timeout
        try:
            async with asyncio.timeout(timeout + 1.0):
                self._reader, self._writer = await asyncio.open_connection(
                    sock=sock,
                    ssl=prepared.context,
                    # asyncio sends no SNI for an empty name; hostname checking is off in the context.
                    server_hostname=self.tls.server_name or "",
                    ssl_handshake_timeout=timeout,
                    limit=self.max_payload + 8,
                )
        except TimeoutError:
            raise TlsHandshakeError(f"TLS handshake with {self.endpoint} did not finish within {timeout:g} s") from None
        except (ssl.SSLError, ConnectionError) as exc:
            raise TlsHandshakeError(f"TLS handshake with {self.endpoint} failed: {exc}") from None
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
        with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                await writer.wait_closed()

    def _finding(self, severity: Severity, kind: str, message: str) -> None:
        if self.evidence is not None:
            self.findings.append(self.evidence.finding(severity, kind, message))
        else:
            self.findings.append(Finding(severity, kind, message))

    def _note(self, text: str) -> None:
        if self.evidence is not None:
            self.evidence.note(text)
