"""SECC Discovery Protocol payloads (ISO 15118-20, SDP): what the EV asks for and what the SECC announces.

Only the two wired payloads live here (request 0x9000, response 0x9001); the UDP client and server are in
`sdp_client` and `sdp_server`. Parsing is strict: a wrong length or a value the standard does not define raises
`SdpError` naming the field, so a malformed answer from the SECC can be recorded instead of half-understood.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass
from enum import IntEnum

from harness.iso15118.transport.errors import SdpError
from harness.iso15118.transport.v2gtp import PayloadType, V2gtpFrame, build_frame, parse_frame

SDP_PORT = 15118
SDP_MULTICAST_ADDRESS = "ff02::1"
REQUEST_SIZE = 2
RESPONSE = struct.Struct(">16sHBB")
RESPONSE_SIZE = RESPONSE.size


class Security(IntEnum):
    TLS = 0x00
    NO_TLS = 0x10


class TransportProtocol(IntEnum):
    TCP = 0x00


@dataclass(frozen=True)
class SdpRequest:
    """EV → SECC: which security the EV asks for, over which transport."""

    security: Security
    transport: TransportProtocol = TransportProtocol.TCP

    def to_payload(self) -> bytes:
        return bytes((self.security, self.transport))

    def to_frame(self) -> bytes:
        return build_frame(PayloadType.SDP_REQUEST, self.to_payload())

    @classmethod
    def from_payload(cls, data: bytes) -> SdpRequest:
        if len(data) != REQUEST_SIZE:
            raise SdpError(f"SDP request payload is {len(data)} bytes, expected {REQUEST_SIZE}")
        return cls(_security(data[0], "request"), _transport(data[1], "request"))

    @classmethod
    def from_frame(cls, datagram: bytes) -> SdpRequest:
        return cls.from_payload(_payload(datagram, PayloadType.SDP_REQUEST))


@dataclass(frozen=True)
class SdpResponse:
    """SECC → EV: where its V2G TCP server listens and with which security."""

    address: ipaddress.IPv6Address
    port: int
    security: Security
    transport: TransportProtocol = TransportProtocol.TCP

    def __post_init__(self) -> None:
        _check_endpoint(self.address, self.port)

    def to_payload(self) -> bytes:
        return RESPONSE.pack(self.address.packed, self.port, self.security, self.transport)

    def to_frame(self) -> bytes:
        return build_frame(PayloadType.SDP_RESPONSE, self.to_payload())

    @classmethod
    def from_payload(cls, data: bytes) -> SdpResponse:
        if len(data) != RESPONSE_SIZE:
            raise SdpError(f"SDP response payload is {len(data)} bytes, expected {RESPONSE_SIZE}")
        packed, port, security, transport = RESPONSE.unpack(data)
        return cls(
            ipaddress.IPv6Address(packed), port, _security(security, "response"), _transport(transport, "response")
        )

    @classmethod
    def from_frame(cls, datagram: bytes) -> SdpResponse:
        return cls.from_payload(_payload(datagram, PayloadType.SDP_RESPONSE))


def _payload(datagram: bytes, expected: PayloadType) -> bytes:
    frame: V2gtpFrame = parse_frame(datagram, expected_types=(expected,))
    return frame.payload


def _security(value: int, what: str) -> Security:
    try:
        return Security(value)
    except ValueError:
        raise SdpError(f"SDP {what} security 0x{value:02X} is neither 0x00 (TLS) nor 0x10 (no TLS)") from None


def _transport(value: int, what: str) -> TransportProtocol:
    try:
        return TransportProtocol(value)
    except ValueError:
        raise SdpError(f"SDP {what} transport protocol 0x{value:02X} is not 0x00 (TCP)") from None


def _check_endpoint(address: ipaddress.IPv6Address, port: int) -> None:
    if address.is_unspecified or address.is_multicast:
        raise SdpError(f"SDP response announces {address}, which cannot be a TCP server address")
    if not 0 < port <= 0xFFFF:
        raise SdpError(f"SDP response announces TCP port {port}")


@dataclass(frozen=True)
class IgnoredDatagram:
    """A datagram that was not a valid SDP message for us: kept, with why, as evidence for the report."""

    source: str
    data: bytes
    reason: str
    at_s: float


def format_source(address: tuple[str, int] | tuple[str, int, int, int]) -> str:
    """`[fe80::1%3]:50000` for a received IPv6 socket address (scope id shown when there is one)."""
    host = address[0].split("%", 1)[0]  # Python may already append "%ifname" to a link-local address
    if len(address) == 4 and address[3]:
        return f"[{host}%{address[3]}]:{address[1]}"
    return f"[{host}]:{address[1]}"
