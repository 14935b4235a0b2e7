"""IPv6 link-local plumbing shared by the SDP client and server: interfaces, scope ids, multicast sockets.

SDP runs on link-local multicast, so every socket must be tied to one interface (its scope id); getting this wrong
sends the request nowhere without any error, hence these helpers fail loudly with `LabError` instead.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from dataclasses import dataclass
from pathlib import Path

from harness.iso15118.transport.sdp import SDP_MULTICAST_ADDRESS
from harness.verdict import LabError

# /proc/self would name the thread-group leader's network namespace; a thread that entered another namespace
# (see harness.iso15118.netbed) must read its own.
_IF_INET6 = Path("/proc/thread-self/net/if_inet6")
_SCOPE_LINK = 0x20
_IFA_F_DADFAILED = 0x08
_IFA_F_TENTATIVE = 0x40


def interface_index(interface: str) -> int:
    """The scope id of `interface` in the calling thread's network namespace."""
    try:
        return socket.if_nametoindex(interface)
    except OSError:
        raise LabError(f"network interface {interface!r} does not exist here") from None


def link_local_addresses(interface: str, *, include_tentative: bool = False) -> list[ipaddress.IPv6Address]:
    """The interface's link-local addresses; tentative ones (DAD still running) only when asked for."""
    try:
        lines = _IF_INET6.read_text().splitlines()
    except OSError as exc:
        raise LabError(f"cannot list IPv6 addresses ({_IF_INET6}): {exc}") from None
    found: list[ipaddress.IPv6Address] = []
    for line in lines:
        fields = line.split()
        if len(fields) != 6 or fields[5] != interface:
            continue
        scope, flags = int(fields[3], 16), int(fields[4], 16)
        if scope != _SCOPE_LINK or flags & _IFA_F_DADFAILED:
            continue
        if flags & _IFA_F_TENTATIVE and not include_tentative:
            continue
        found.append(ipaddress.IPv6Address(bytes.fromhex(fields[0])))
    return found


def link_local_address(interface: str) -> ipaddress.IPv6Address:
    """The interface's first usable link-local address; none yet is a lab problem (link down, DAD running)."""
    found = link_local_addresses(interface)
    if not found:
        raise LabError(f"interface {interface!r} has no usable IPv6 link-local address (link down or DAD running?)")
    return found[0]


def udp_socket(interface: str, *, port: int, join_sdp_group: bool) -> socket.socket:
    """A non-blocking UDP/IPv6 socket bound to `port` (0: ephemeral) and tied to `interface` for multicast."""
    index = interface_index(interface)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
        if join_sdp_group:
            group = socket.inet_pton(socket.AF_INET6, SDP_MULTICAST_ADDRESS)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, group + struct.pack("@I", index))
        sock.bind(("::", port, 0, index))
    except OSError as exc:
        sock.close()
        raise LabError(f"cannot set up a UDP socket on {interface!r} port {port}: {exc}") from None
    return sock


def unicast_socket(host: str, port: int = 0) -> socket.socket:
    """A non-blocking UDP/IPv6 socket on `host` (bound to `port` for a server, an ephemeral one for a client)."""
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind((host if port else "::", port, 0, 0))
    except OSError as exc:
        sock.close()
        raise LabError(f"cannot set up a UDP socket on [{host}]:{port}: {exc}") from None
    return sock


@dataclass(frozen=True)
class Endpoint:
    """A TCP endpoint; a link-local IPv6 address is meaningless without the scope id of the interface to use."""

    host: str
    port: int
    scope_id: int = 0

    @property
    def family(self) -> socket.AddressFamily:
        return socket.AF_INET6 if ipaddress.ip_address(self.host).version == 6 else socket.AF_INET

    def sockaddr(self) -> tuple[str, int] | tuple[str, int, int, int]:
        if self.family is socket.AF_INET6:
            return (self.host, self.port, 0, self.scope_id)
        return (self.host, self.port)

    def __str__(self) -> str:
        if self.family is socket.AF_INET:
            return f"{self.host}:{self.port}"
        scope = f"%{self.scope_id}" if self.scope_id else ""
        return f"[{self.host}{scope}]:{self.port}"
