"""The SECC's SDP server, for the virtual SECC and the harness's own tests.

It joins FF02::1 on one interface, listens on UDP 15118 and answers every valid request at once with the
configured address, port and security. Two knobs make it misbehave for negative tests of the EV side and of our
client: `ignore_first` stays silent for the first N valid requests, `mangle` rewrites every answer frame before it
is sent (wrong fields, wrong header, truncation). Answers are sent from the receive callback, so there is no task
to cancel: closing the socket stops the server.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TypeVar, cast

from harness.iso15118.transport.errors import TransportError
from harness.iso15118.transport.ipv6 import interface_index, link_local_address, udp_socket, unicast_socket
from harness.iso15118.transport.sdp import (
    SDP_PORT,
    IgnoredDatagram,
    SdpRequest,
    SdpResponse,
    Security,
    format_source,
)

T = TypeVar("T")
_HISTORY_LIMIT = 10_000  # requests and ignored datagrams kept for inspection; older ones are dropped


@dataclass(frozen=True)
class ReceivedRequest:
    source: str
    request: SdpRequest
    answered: bool
    at_s: float


class SdpServer:
    """SECC side of SDP on one interface; `async with` starts it, leaving the block stops it."""

    def __init__(
        self,
        interface: str,
        *,
        tcp_port: int,
        address: ipaddress.IPv6Address | str | None = None,
        security: Security | None = None,
        udp_port: int = SDP_PORT,
        ignore_first: int = 0,
        mangle: Callable[[bytes], bytes] | None = None,
        multicast: bool = True,
    ) -> None:
        """`address` defaults to the interface's link-local address; `security` None answers what was asked.

        With `multicast=False` the server listens on `address` itself (unicast), as the virtual lab does on the
        loopback interface, which has no multicast.
        """
        self.interface = interface
        self.tcp_port = tcp_port
        self.address = ipaddress.IPv6Address(address) if address is not None else None
        self.security = security
        self.udp_port = udp_port
        self.ignore_first = ignore_first
        self.mangle = mangle
        self.multicast = multicast
        self.requests: list[ReceivedRequest] = []
        self.ignored: list[IgnoredDatagram] = []
        self._valid_seen = 0
        self._scope_id = 0
        self._started = 0.0
        self._transport: asyncio.DatagramTransport | None = None

    async def __aenter__(self) -> SdpServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def start(self) -> None:
        if self._transport is not None:
            return
        if self.multicast:
            self._scope_id = interface_index(self.interface)
            if self.address is None:
                self.address = link_local_address(self.interface)
            sock = udp_socket(self.interface, port=self.udp_port, join_sdp_group=True)
        else:
            if self.address is None:
                raise ValueError("a unicast SDP server needs its address")
            sock = unicast_socket(str(self.address), self.udp_port)
        loop = asyncio.get_running_loop()
        self._started = loop.time()
        try:
            transport, _ = await loop.create_datagram_endpoint(lambda: _Responder(self), sock=sock)
        except BaseException:
            sock.close()
            raise
        self._transport = transport

    def close(self) -> None:
        """Stop answering and close the socket; safe to call more than once."""
        if self._transport is not None:
            self._transport.close()
        self._transport = None

    @property
    def port(self) -> int:
        """The UDP port it listens on (the chosen one when started with port 0)."""
        if self._transport is None:
            return self.udp_port
        return int(self._transport.get_extra_info("sockname")[1])

    @property
    def answered(self) -> int:
        return sum(1 for r in self.requests if r.answered)

    def response_for(self, request: SdpRequest) -> SdpResponse:
        assert self.address is not None
        security = self.security if self.security is not None else request.security
        return SdpResponse(self.address, self.tcp_port, security)

    def _handle(self, data: bytes, address: tuple[str, int, int, int], transport: asyncio.DatagramTransport) -> None:
        now = asyncio.get_running_loop().time() - self._started
        source = format_source(address)
        if address[3] and address[3] != self._scope_id:
            _keep(self.ignored, IgnoredDatagram(source, data, "arrived on another interface", now))
            return
        try:
            request = SdpRequest.from_frame(data)
        except TransportError as exc:
            _keep(self.ignored, IgnoredDatagram(source, data, str(exc), now))
            return
        self._valid_seen += 1
        answer = self._valid_seen > self.ignore_first
        _keep(self.requests, ReceivedRequest(source, request, answer, now))
        if answer:
            frame = self.response_for(request).to_frame()
            transport.sendto(self.mangle(frame) if self.mangle is not None else frame, address)


def _keep(history: list[T], item: T) -> None:
    if len(history) >= _HISTORY_LIMIT:
        del history[0]
    history.append(item)


class _Responder(asyncio.DatagramProtocol):
    def __init__(self, server: SdpServer) -> None:
        self._server = server
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int, int, int]) -> None:
        if self._transport is not None:
            self._server._handle(data, addr, self._transport)
