"""Packet captures (pcapng) of a V2G session, rebuilt from what the EV's own socket saw.

The harness usually may not sniff (no raw sockets), so the connection hands every chunk that crosses its TCP socket
to a `SessionCapture`: the real bytes at their real wall-clock times. `write_pcapng` then dresses them in
synthesized Ethernet, IPv6/IPv4 and TCP/UDP headers (a handshake at connect time, segments of at most 1440 bytes
with consistent sequence numbers, an ACK after each chunk, FIN or RST at the end) that Wireshark can follow. A TLS
session's key log travels inside the file as a Decryption Secrets Block, so Wireshark decrypts the records without
a separate key file. Block layout per draft-ietf-opsawg-pcapng.
"""

from __future__ import annotations

import ipaddress
import struct
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Direction = Literal["tx", "rx"]
Side = Literal["ev", "charger"]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MSS = 1440  # payload bytes per segment: 1500-byte Ethernet MTU minus the IPv6 and TCP headers
EV_MAC = bytes.fromhex("020000000001")  # locally administered, so never mistaken for a real vendor's NIC
CHARGER_MAC = bytes.fromhex("020000000002")
_ACK_DELAY_US = 5
_ISN: dict[Side, int] = {"ev": 0x1000_0000, "charger": 0x2000_0000}
_WINDOW = 0xFFFF
_WINDOW_SHIFT = 7  # announced in the SYNs, so a 64 KiB V2GTP message never looks like a window overrun
_HOP_LIMIT = 64
_PROTO_TCP, _PROTO_UDP = 6, 17
_FIN, _SYN, _RST, _PSH, _ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# pcapng (draft-ietf-opsawg-pcapng)
_SHB, _IDB, _EPB, _DSB = 0x0A0D0D0A, 0x00000001, 0x00000006, 0x0000000A
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_LINKTYPE_ETHERNET = 1
_SNAPLEN = 262_144
_TLS_KEY_LOG = 0x544C534B  # "TLSK": NSS key log lines
_OPT_COMMENT, _SHB_USERAPPL, _IF_NAME, _IF_DESCRIPTION, _IF_TSRESOL = 1, 4, 2, 3, 9
SHB_COMMENT = (
    "Layer 2-4 headers (Ethernet, IP, TCP/UDP, handshake, ACKs, FIN/RST) are reconstructed by the v2g-harness from"
    " the EV's own socket; payload bytes and their timestamps are real."
)


@dataclass(frozen=True)
class Connected:
    at: float
    local: tuple[IpAddress, int]
    remote: tuple[IpAddress, int]


@dataclass(frozen=True)
class Data:
    at: float
    direction: Direction
    payload: bytes


@dataclass(frozen=True)
class Closed:
    at: float
    by: Side
    reset: bool


@dataclass(frozen=True)
class Datagram:
    at: float
    direction: Direction
    local: tuple[IpAddress, int]
    remote: tuple[IpAddress, int]
    payload: bytes


Event = Connected | Data | Closed | Datagram


class SessionCapture:
    """What crossed the EV's sockets during one session, in order, with wall-clock times (`time.time()`).

    "tx" is EV to charger, "rx" charger to EV. A new `connected` starts a new TCP stream; `data` and `closed`
    belong to the latest one. The lock makes recording from another thread safe, though one event loop is the norm.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._has_stream = False
        self._keylog: str | None = None

    def connected(self, local: tuple[str, int], remote: tuple[str, int]) -> None:
        event = Connected(self._clock(), _address(local), _address(remote))
        if event.local[0].version != event.remote[0].version:
            raise ValueError(f"local {local} and remote {remote} are not of the same IP version")
        with self._lock:
            self._events.append(event)
            self._has_stream = True

    def data(self, direction: Direction, payload: bytes) -> None:
        if payload:
            self._append_to_stream(Data(self._clock(), direction, bytes(payload)))

    def closed(self, by: Side, reset: bool) -> None:
        """`by` sent a FIN (reset=False) or a RST; a FIN from each side in turn is an orderly close."""
        self._append_to_stream(Closed(self._clock(), by, reset))

    def udp(self, direction: Direction, local: tuple[str, int], remote: tuple[str, int], payload: bytes) -> None:
        """One datagram (SDP), independent of any TCP stream."""
        event = Datagram(self._clock(), direction, _address(local), _address(remote), bytes(payload))
        with self._lock:
            self._events.append(event)

    def set_tls_keylog(self, text: str) -> None:
        """The NSS key log text to embed; lines of sessions not in this capture are left out when writing."""
        with self._lock:
            self._keylog = text

    @property
    def tls_keylog(self) -> str | None:
        return self._keylog

    @property
    def events(self) -> tuple[Event, ...]:
        with self._lock:
            return tuple(self._events)

    def stream(self, direction: Direction) -> bytes:
        """Every payload byte of the latest TCP stream in one direction, in order."""
        return _streams(self.events, direction)[-1] if self._has_stream else b""

    def _append_to_stream(self, event: Data | Closed) -> None:
        with self._lock:
            if not self._has_stream:
                raise RuntimeError("a TCP event was recorded before `connected`")
            self._events.append(event)


def write_pcapng(capture: SessionCapture, path: Path) -> None:
    """Write the capture as pcapng: one Ethernet interface, the key log (if any) before the first packet."""
    events = capture.events
    blocks = [_section_header(), _interface_description()]
    keylog = capture.tls_keylog
    if keylog:
        secrets = relevant_keylog(keylog, _streams(events, "tx")).encode()
        blocks.append(_block(_DSB, struct.pack("<II", _TLS_KEY_LOG, len(secrets)) + _pad(secrets)))
    blocks.extend(_enhanced_packet(packet) for packet in _packets(events))
    path.write_bytes(b"".join(blocks))


def relevant_keylog(text: str, client_streams: Sequence[bytes]) -> str:
    """The key log lines for the TLS sessions these client byte streams open (all lines if none can be matched).

    OpenSSL appends to one file for every session of the process, so the file holds other sessions' secrets too.
    """
    randoms = {r.hex() for r in map(tls_client_random, client_streams) if r is not None}
    lines = [line for line in text.splitlines() if line.strip()]
    matching = [line for line in lines if len(parts := line.split()) == 3 and parts[1].lower() in randoms]
    return "".join(line + "\n" for line in (matching or lines))


def tls_client_random(client_stream: bytes) -> bytes | None:
    """The 32-byte random of the ClientHello a TLS client stream starts with, or None if it starts otherwise."""
    # record header (type 0x16, version, length), handshake header (type 0x01, length), legacy_version, random
    if len(client_stream) < 43 or client_stream[0] != 0x16 or client_stream[5] != 0x01:
        return None
    return client_stream[11:43]


def _address(address: tuple[str, int]) -> tuple[IpAddress, int]:
    host, port = address[0], address[1]
    return ipaddress.ip_address(host.split("%", 1)[0]), int(port)


def _streams(events: Sequence[Event], direction: Direction) -> list[bytes]:
    """Per TCP stream (in order of connection), the payload bytes in one direction."""
    streams: list[bytearray] = []
    for event in events:
        if isinstance(event, Connected):
            streams.append(bytearray())
        elif isinstance(event, Data) and event.direction == direction and streams:
            streams[-1] += event.payload
    return [bytes(s) for s in streams]


# ------------------------------------------------------------------ packets


@dataclass(frozen=True)
class _Packet:
    at_us: int
    frame: bytes
    comment: str | None = None


@dataclass
class _Host:
    mac: bytes
    ip: IpAddress
    port: int
    ip_id: int = 0  # IPv4 identification, counted per sender


@dataclass
class _TcpStream:
    """Sequence numbers of one connection, advanced as its segments are built."""

    hosts: dict[Side, _Host]
    seq: dict[Side, int] = field(default_factory=lambda: dict(_ISN))

    def segment(self, at_us: int, side: Side, flags: int, payload: bytes = b"", comment: str | None = None) -> _Packet:
        other: Side = "charger" if side == "ev" else "ev"
        options = b""
        if flags & _SYN:  # MSS, NOP, window scale: what a real stack announces, so readers size the window right
            options = struct.pack("!BBH", 2, 4, MSS) + struct.pack("!BBBB", 1, 3, 3, _WINDOW_SHIFT)
        ack = self.seq[other] if flags & _ACK else 0
        segment = _tcp(self.hosts[side], self.hosts[other], self.seq[side], ack, flags, payload, options)
        self.seq[side] = (self.seq[side] + len(payload) + (1 if flags & (_SYN | _FIN) else 0)) & 0xFFFF_FFFF
        return _Packet(at_us, _ip_frame(self.hosts[side], self.hosts[other], _PROTO_TCP, segment), comment)

    def handshake(self, at_us: int) -> list[_Packet]:
        note = "reconstructed: the EV's socket was connected at this time"
        return [
            self.segment(at_us, "ev", _SYN, comment=note),
            self.segment(at_us, "charger", _SYN | _ACK, comment=note),
            self.segment(at_us, "ev", _ACK, comment=note),
        ]

    def data(self, at_us: int, ack_us: int, side: Side, payload: bytes) -> list[_Packet]:
        chunks = [payload[i : i + MSS] for i in range(0, len(payload), MSS)]
        packets = [
            self.segment(at_us, side, _ACK | (_PSH if n == len(chunks) - 1 else 0), chunk)
            for n, chunk in enumerate(chunks)
        ]
        packets.append(self.segment(ack_us, _other(side), _ACK, comment="reconstructed ACK"))
        return packets

    def close(self, at_us: int, ack_us: int, side: Side, reset: bool) -> list[_Packet]:
        if reset:
            return [self.segment(at_us, side, _RST | _ACK, comment=f"RST: the {_name(side)} aborted the connection")]
        return [
            self.segment(at_us, side, _FIN | _ACK, comment=f"FIN: the {_name(side)} closed its side"),
            self.segment(ack_us, _other(side), _ACK, comment="reconstructed ACK"),
        ]


def _packets(events: Sequence[Event]) -> Iterator[_Packet]:
    times = [round(event.at * 1_000_000) for event in events]
    stream: _TcpStream | None = None
    for index, event in enumerate(events):
        at = times[index]
        # A synthesized ACK follows its trigger closely but never overtakes the next real event.
        ack_at = max(at, min(at + _ACK_DELAY_US, times[index + 1])) if index + 1 < len(events) else at + _ACK_DELAY_US
        if isinstance(event, Connected):
            stream = _TcpStream({"ev": _host(EV_MAC, event.local), "charger": _host(CHARGER_MAC, event.remote)})
            yield from stream.handshake(at)
        elif isinstance(event, Datagram):
            yield _datagram(at, event)
        elif stream is not None and isinstance(event, Data):
            yield from stream.data(at, ack_at, "ev" if event.direction == "tx" else "charger", event.payload)
        elif stream is not None and isinstance(event, Closed):
            yield from stream.close(at, ack_at, event.by, event.reset)


def _datagram(at_us: int, event: Datagram) -> _Packet:
    ev, peer = _host(EV_MAC, event.local), _host(_mac_for(event.remote[0]), event.remote)
    source, destination = (ev, peer) if event.direction == "tx" else (peer, ev)
    length = 8 + len(event.payload)
    header = struct.pack("!HHHH", source.port, destination.port, length, 0)
    checksum = _checksum(_pseudo_header(source.ip, destination.ip, _PROTO_UDP, length) + header + event.payload)
    # In UDP a computed 0 is sent as 0xFFFF: 0 means "no checksum" (forbidden over IPv6).
    datagram = header[:6] + struct.pack("!H", checksum or 0xFFFF) + event.payload
    return _Packet(at_us, _ip_frame(source, destination, _PROTO_UDP, datagram))


def _host(mac: bytes, address: tuple[IpAddress, int]) -> _Host:
    return _Host(mac, address[0], address[1])


def _mac_for(ip: IpAddress) -> bytes:
    """Multicast destinations get their group MAC (RFC 2464 / RFC 1112), as SDP's ff02::1 does on the wire."""
    if ip.is_multicast:
        if ip.version == 6:
            return b"\x33\x33" + ip.packed[-4:]
        return b"\x01\x00\x5e" + bytes([ip.packed[1] & 0x7F]) + ip.packed[2:]
    return CHARGER_MAC


def _other(side: Side) -> Side:
    return "charger" if side == "ev" else "ev"


def _name(side: Side) -> str:
    return "EV" if side == "ev" else "charger"


def _tcp(source: _Host, destination: _Host, seq: int, ack: int, flags: int, payload: bytes, options: bytes) -> bytes:
    offset_words = (20 + len(options)) // 4
    header = (
        struct.pack("!HHIIHHHH", source.port, destination.port, seq, ack, offset_words << 12 | flags, _WINDOW, 0, 0)
        + options
    )
    length = len(header) + len(payload)
    checksum = _checksum(_pseudo_header(source.ip, destination.ip, _PROTO_TCP, length) + header + payload)
    return header[:16] + struct.pack("!H", checksum) + header[18:] + payload


def _ip_frame(source: _Host, destination: _Host, protocol: int, transport: bytes) -> bytes:
    if source.ip.version == 6:
        ethertype = 0x86DD
        ip_header = (
            struct.pack("!IHBB", 0x6000_0000, len(transport), protocol, _HOP_LIMIT)
            + source.ip.packed
            + destination.ip.packed
        )
    else:
        ethertype = 0x0800
        source.ip_id = (source.ip_id + 1) & 0xFFFF
        fields = (0x45, 0, 20 + len(transport), source.ip_id, 0x4000, _HOP_LIMIT, protocol, 0)  # 0x4000: DF
        bare = struct.pack("!BBHHHBBH", *fields) + source.ip.packed + destination.ip.packed
        ip_header = bare[:10] + struct.pack("!H", _checksum(bare)) + bare[12:]
    return destination.mac + source.mac + struct.pack("!H", ethertype) + ip_header + transport


def _pseudo_header(source: IpAddress, destination: IpAddress, protocol: int, length: int) -> bytes:
    if source.version == 6:
        return source.packed + destination.packed + struct.pack("!IxxxB", length, protocol)
    return source.packed + destination.packed + struct.pack("!xBH", protocol, length)


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words."""
    if len(data) % 2:
        data += b"\0"
    total = sum(int(word) for word in struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


# ------------------------------------------------------------------ pcapng blocks


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def _options(*options: tuple[int, bytes]) -> bytes:
    """An options list ending in opt_endofopt, or nothing when there is no option."""
    present = [(code, value) for code, value in options if value]
    if not present:
        return b""
    body = b"".join(struct.pack("<HH", code, len(value)) + _pad(value) for code, value in present)
    return body + struct.pack("<HH", 0, 0)


def _block(block_type: int, body: bytes) -> bytes:
    total = 12 + len(body)  # type, total length (twice) and a body already padded to 32 bits
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def _section_header() -> bytes:
    body = struct.pack("<IHHq", _BYTE_ORDER_MAGIC, 1, 0, -1)  # version 1.0, section length unknown
    return _block(_SHB, body + _options((_OPT_COMMENT, SHB_COMMENT.encode()), (_SHB_USERAPPL, b"v2g-harness")))


def _interface_description() -> bytes:
    body = struct.pack("<HHI", _LINKTYPE_ETHERNET, 0, _SNAPLEN)
    return _block(
        _IDB,
        body
        + _options(
            (_IF_NAME, b"v2g"),
            (_IF_DESCRIPTION, b"reconstructed from the EV's socket"),
            (_IF_TSRESOL, b"\x06"),  # microseconds, the default, stated for readers that ignore defaults
        ),
    )


def _enhanced_packet(packet: _Packet) -> bytes:
    length = len(packet.frame)
    body = struct.pack("<IIIII", 0, packet.at_us >> 32, packet.at_us & 0xFFFF_FFFF, length, length)
    comment = packet.comment.encode() if packet.comment else b""
    return _block(_EPB, body + _pad(packet.frame) + _options((_OPT_COMMENT, comment)))
