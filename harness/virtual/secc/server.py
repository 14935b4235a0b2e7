"""The virtual SECC's servers: SDP (unicast on the loopback address; the loopback interface has no multicast)
and the V2G servers it announces, TCP and (unless TLS is "none") TLS 1.3 on a port of its own. One session
context per connection, paused sessions kept for resumption.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
import socket
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

from harness.iso15118.transport.sdp import SdpRequest, SdpResponse, Security
from harness.iso15118.transport.sdp_server import SdpServer
from harness.virtual import faults as F
from harness.virtual.faults import FaultSet
from harness.virtual.secc.config import SeccConfig
from harness.virtual.secc.connection import SeccConnection
from harness.virtual.secc.context import SessionContext
from harness.virtual.secc.link import EvseLink
from harness.virtual.secc.tls import prepare_tls

log = logging.getLogger("harness.virtual.secc")
DYNAMIC_PORTS = range(49152, 65536)
_Accept = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
PORT_ATTEMPTS = 50
TLS_HANDSHAKE_TIMEOUT_S = 10.0


class _FaultySdpServer(SdpServer):
    """SdpServer whose answers the SDP faults change (wrong security, wrong port, answering invalid requests)."""

    def __init__(
        self, *args: object, faults: FaultSet, dead_port: int, tls: str, tls_port: int, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.faults, self.dead_port, self.tls, self.tls_port = faults, dead_port, tls, tls_port

    def response_for(self, request: SdpRequest) -> SdpResponse:
        assert self.address is not None
        # TLS when asked and offered, or whatever was asked when only TLS is offered; no TLS when there is none.
        secured = self.tls == "required" or (self.tls == "optional" and request.security == Security.TLS)
        security, port = (Security.TLS, self.tls_port) if secured else (Security.NO_TLS, self.tcp_port)
        if self.faults.active(F.SECC_SDP_WRONG_SECURITY):
            security = Security.TLS if request.security == Security.NO_TLS else Security.NO_TLS
        if self.faults.active(F.SECC_SDP_WRONG_PORT):
            port = self.dead_port
        return SdpResponse(self.address, port, security)

    def _handle(self, data: bytes, address: tuple[str, int, int, int], transport: asyncio.DatagramTransport) -> None:
        if self.faults.active(F.SECC_SDP_ANSWERS_INVALID) and len(data) == 10 and data[8:9] not in (b"\x00", b"\x10"):
            transport.sendto(self.response_for(SdpRequest(Security.NO_TLS)).to_frame(), address)
            return
        super()._handle(data, address, transport)


class SeccServer:
    """SDP + V2G TCP server for one EVSE; `start()` binds both, `stop()` closes them and every connection."""

    def __init__(self, config: SeccConfig, link: EvseLink, faults: FaultSet) -> None:
        self.config, self.link, self.faults = config, link, faults
        self.paused: dict[bytes, SessionContext] = {}
        self._server: asyncio.Server | None = None
        self._tls_server: asyncio.Server | None = None
        self._sdp: SdpServer | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.tcp_port = 0
        self.tls_port = 0
        self.v2g_root: Path | None = None  # the trust anchor for the EV, once TLS is up

    @property
    def started(self) -> bool:
        return self._server is not None

    @property
    def sdp_port(self) -> int:
        return self._sdp.port if self._sdp is not None else 0

    async def start(self) -> None:
        if self._server is not None:
            return
        self._server = await self._listen(self._accept, self.config.tcp_port)
        self.tcp_port = int(self._server.sockets[0].getsockname()[1])
        if self.config.tls != "none":
            await self._start_tls()
        self._sdp = _FaultySdpServer(
            "lo",
            tcp_port=self.tcp_port,
            address=ipaddress.IPv6Address(self.config.host),
            udp_port=self.config.sdp_port,
            multicast=False,
            faults=self.faults,
            dead_port=_unused_port(self.config.host),
            tls=self.config.tls,
            tls_port=self.tls_port,
        )
        await self._sdp.start()
        log.info(
            "SECC listening on [%s]:%d (TCP), %s, SDP on port %d", self.config.host, self.tcp_port,
            f"{self.tls_port} (TLS)" if self.tls_port else "no TLS", self.sdp_port,
        )  # fmt: skip

    async def _start_tls(self) -> None:
        if self.config.pki_dir is None:
            raise OSError("the SECC's TLS needs a folder for its certificates (--secc-pki-dir)")
        tls = prepare_tls(self.config.pki_dir, self.config.evse_id, self.faults)
        self.v2g_root = tls.v2g_root
        self._tls_server = await self._listen(
            self._accept_tls, 0, ssl=tls.context, ssl_handshake_timeout=TLS_HANDSHAKE_TIMEOUT_S
        )
        self.tls_port = int(self._tls_server.sockets[0].getsockname()[1])

    async def _listen(self, accept: _Accept, configured_port: int, **options: object) -> asyncio.Server:
        """Listen on the configured port, or on a free one of the dynamic range (-20 SDP announces one from it)."""
        host = self.config.host
        if configured_port:
            return await asyncio.start_server(accept, host, configured_port, **options)  # type: ignore[arg-type]
        for port in random.sample(DYNAMIC_PORTS, PORT_ATTEMPTS):
            try:
                return await asyncio.start_server(accept, host, port, **options)  # type: ignore[arg-type]
            except OSError:
                continue
        raise OSError(f"no free TCP port in 49152-65535 after {PORT_ATTEMPTS} attempts")

    async def _accept_tls(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.faults.active(F.SECC_TLS_CLOSES_AFTER_HANDSHAKE):
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError):
                await writer.wait_closed()
            return
        await self._accept(reader, writer)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ctx = SessionContext(self.config, self.link, self.faults)
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        try:
            await SeccConnection(ctx, reader, writer, self.paused).serve()
        finally:
            if task is not None:
                self._connections.discard(task)

    def forget_sessions(self) -> None:
        """A power cycle or factory reset: open connections drop, no session survives."""
        self.paused.clear()
        for task in list(self._connections):
            task.cancel()

    async def stop(self) -> None:
        self.forget_sessions()
        if self._sdp is not None:
            self._sdp.close()
        for server in (self._server, self._tls_server):
            if server is not None:
                server.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(server.wait_closed(), 3.0)


def _unused_port(host: str) -> int:
    """A TCP port that was free a moment ago (the secc-sdp-wrong-port fault announces it)."""
    with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
