"""The EV's SDP client: multicast a request on one interface until a valid SECC answer arrives.

ISO 15118-20 has the EV repeat the request every 250 ms, at most 50 times; both numbers are parameters so tests
(and PIXIT values) can change them. The schedule is fixed from the first request, so stray or invalid datagrams
never stretch it: the whole discovery takes at most `max_requests * retry_interval` seconds. Invalid datagrams
are kept with the reason, because an SECC answering garbage is something the report must show.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from types import TracebackType

from harness.evidence import Evidence
from harness.iso15118.transport.errors import SdpTimeout, TransportError
from harness.iso15118.transport.ipv6 import Endpoint, interface_index, udp_socket, unicast_socket
from harness.iso15118.transport.sdp import (
    SDP_MULTICAST_ADDRESS,
    SDP_PORT,
    IgnoredDatagram,
    SdpRequest,
    SdpResponse,
    Security,
    format_source,
)
from harness.verdict import LabError

RETRY_INTERVAL_S = 0.25
MAX_REQUESTS = 50
_INBOX_LIMIT = 256  # a flood of datagrams is dropped, not buffered


@dataclass(frozen=True)
class SdpResult:
    """The first valid answer, where it came from, and what it took to get it."""

    response: SdpResponse
    source: str
    interface: str
    scope_id: int
    elapsed_s: float
    requests_sent: int
    ignored: tuple[IgnoredDatagram, ...]

    def endpoint(self) -> Endpoint:
        """The announced TCP endpoint, scoped to the interface the answer came in on."""
        address = self.response.address
        return Endpoint(str(address), self.response.port, self.scope_id if address.is_link_local else 0)


class _Inbox(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[bytes, tuple[str, int, int, int]]] = asyncio.Queue(_INBOX_LIMIT)
        self.send_errors: list[OSError] = []

    def datagram_received(self, data: bytes, addr: tuple[str, int, int, int]) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait((data, addr))

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, OSError):
            self.send_errors.append(exc)


class SdpClient:
    """EV side of SDP on one interface; `async with` opens the socket, `discover()` runs one discovery.

    With `unicast` (host, port) the requests go to that address instead of the multicast group: the virtual lab
    runs on the loopback interface, which has no multicast, and some bench setups route SDP through a proxy.
    """

    def __init__(
        self,
        interface: str,
        *,
        unicast: tuple[str, int] | None = None,
        security: Security = Security.TLS,
        retry_interval: float = RETRY_INTERVAL_S,
        max_requests: int = MAX_REQUESTS,
        server_port: int = SDP_PORT,
        request_frame: bytes | None = None,
        evidence: Evidence | None = None,
    ) -> None:
        if retry_interval <= 0 or max_requests < 1:
            raise ValueError("retry_interval must be positive and max_requests at least 1")
        self.interface = interface
        self.unicast = unicast
        self.request = SdpRequest(security)
        # Negative tests send a malformed request through the same schedule.
        self.request_frame = request_frame if request_frame is not None else self.request.to_frame()
        self.retry_interval = retry_interval
        self.max_requests = max_requests
        self.server_port = server_port
        self.evidence = evidence
        self.ignored: list[IgnoredDatagram] = []  # of the latest discovery, also when it timed out
        self._transport: asyncio.DatagramTransport | None = None
        self._inbox: _Inbox | None = None
        self._scope_id = 0

    async def __aenter__(self) -> SdpClient:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def open(self) -> None:
        if self._transport is not None:
            return
        if self.unicast is not None:
            sock = unicast_socket(self.unicast[0])
        else:
            self._scope_id = interface_index(self.interface)
            sock = udp_socket(self.interface, port=0, join_sdp_group=False)
        try:
            transport, inbox = await asyncio.get_running_loop().create_datagram_endpoint(_Inbox, sock=sock)
        except BaseException:
            sock.close()
            raise
        self._transport, self._inbox = transport, inbox

    def close(self) -> None:
        """Close the socket; safe to call more than once."""
        if self._transport is not None:
            self._transport.close()
        self._transport = self._inbox = None

    async def discover(self) -> SdpResult:
        """Send requests on the fixed schedule until a valid answer; `SdpTimeout` after the last one."""
        if self._transport is None or self._inbox is None:
            raise RuntimeError("SdpClient.discover() needs the client opened (async with)")
        transport, inbox = self._transport, self._inbox
        loop = asyncio.get_running_loop()
        if self.unicast is not None:
            destination = (self.unicast[0], self.unicast[1], 0, 0)
        else:
            destination = (SDP_MULTICAST_ADDRESS, self.server_port, 0, self._scope_id)
        shown = (
            f"[{destination[0]}%{self._scope_id}]:{destination[1]}"
            if self._scope_id
            else f"[{destination[0]}]:{destination[1]}"
        )
        ignored = self.ignored = []
        start = loop.time()
        for sent in range(1, self.max_requests + 1):
            transport.sendto(self.request_frame, destination)
            self._record("tx", self.request_frame, shown)
            deadline = start + sent * self.retry_interval
            while (remaining := deadline - loop.time()) > 0:
                try:
                    async with asyncio.timeout(remaining):
                        data, address = await inbox.queue.get()
                except TimeoutError:
                    break
                source = format_source(address)
                self._record("rx", data, source)
                try:
                    response = SdpResponse.from_frame(data)
                except TransportError as exc:
                    ignored.append(IgnoredDatagram(source, data, str(exc), loop.time() - start))
                    continue
                return SdpResult(
                    response, source, self.interface, self._scope_id, loop.time() - start, sent, tuple(ignored)
                )
        if len(inbox.send_errors) >= self.max_requests:
            raise LabError(f"no SDP request could be sent on {self.interface!r}: {inbox.send_errors[-1]}")
        invalid = f"; {len(ignored)} invalid datagrams ignored, last: {ignored[-1].reason}" if ignored else ""
        raise SdpTimeout(
            f"no valid SDP response on {self.interface!r} after {self.max_requests} requests"
            f" every {self.retry_interval:g} s{invalid}"
        )

    def _record(self, direction: str, data: bytes, peer: str) -> None:
        if self.evidence is not None:
            self.evidence.frame(direction, data.hex(), channel="sdp", peer=peer, interface=self.interface)
