"""V2GTP framing (ISO 15118-20, V2G Transfer Protocol): the 8-byte header in front of every SDP and EXI message.

Strict in both directions: frames we build are valid unless built through `build_raw_frame`, which exists so that
negative tests can send malformed headers on purpose; frames we receive are checked rule by rule and a broken rule
raises `V2gtpError` naming it. Reading is bounded in time and in size, so a silent or hostile peer cannot hang the
harness or make it buffer without limit.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Collection
from dataclasses import dataclass
from enum import IntEnum

from harness.iso15118.transport.errors import FrameTimeout, PeerClosed, V2gtpError, V2gtpProblem

HEADER = struct.Struct(">BBHI")
HEADER_SIZE = HEADER.size
PROTOCOL_VERSION = 0x01
INVERSE_PROTOCOL_VERSION = 0xFE
# Large enough for a CertificateInstallationRes with its chains; a peer announcing more is refused before we read it.
DEFAULT_MAX_PAYLOAD = 65_536


class PayloadType(IntEnum):
    """V2GTP payload types of ISO 15118-20."""

    SUPPORTED_APP_PROTOCOL = 0x8001
    COMMON_MESSAGES = 0x8002
    AC = 0x8003
    DC = 0x8004
    ACDP = 0x8005
    WPT = 0x8006
    SCHEDULE_RENEGOTIATION = 0x8101
    METERING_CONFIRMATION = 0x8102
    ACDP_SYSTEM_STATUS = 0x8103
    PARKING_STATUS = 0x8104
    SDP_REQUEST = 0x9000
    SDP_RESPONSE = 0x9001
    SDP_REQUEST_WIRELESS = 0x9002
    SDP_RESPONSE_WIRELESS = 0x9003


@dataclass(frozen=True)
class V2gtpHeader:
    """A parsed header; `payload_type` is a `PayloadType` unless unknown types were allowed when parsing."""

    payload_type: PayloadType | int
    payload_length: int
    version: int = PROTOCOL_VERSION
    inverse_version: int = INVERSE_PROTOCOL_VERSION

    def to_bytes(self) -> bytes:
        return HEADER.pack(self.version, self.inverse_version, int(self.payload_type), self.payload_length)


@dataclass(frozen=True)
class V2gtpFrame:
    header: V2gtpHeader
    payload: bytes

    @property
    def payload_type(self) -> PayloadType | int:
        return self.header.payload_type

    def to_bytes(self) -> bytes:
        return self.header.to_bytes() + self.payload


def build_frame(payload_type: PayloadType, payload: bytes, *, max_payload: int = DEFAULT_MAX_PAYLOAD) -> bytes:
    """A valid frame; a type outside `PayloadType` or an oversized payload is our own bug, hence `ValueError`."""
    if not isinstance(payload_type, PayloadType):
        raise ValueError(f"{payload_type!r} is not a V2GTP payload type of ISO 15118-20; use build_raw_frame")
    if len(payload) > max_payload:
        raise ValueError(f"payload of {len(payload)} bytes exceeds the maximum of {max_payload}")
    return V2gtpHeader(payload_type, len(payload)).to_bytes() + payload


def build_raw_frame(
    payload: bytes,
    *,
    payload_type: int,
    version: int = PROTOCOL_VERSION,
    inverse_version: int = INVERSE_PROTOCOL_VERSION,
    payload_length: int | None = None,
) -> bytes:
    """A frame with any header field values (only the field widths are enforced), for negative tests."""
    length = len(payload) if payload_length is None else payload_length
    for name, value, limit in (
        ("version", version, 0xFF),
        ("inverse_version", inverse_version, 0xFF),
        ("payload_type", payload_type, 0xFFFF),
        ("payload_length", length, 0xFFFF_FFFF),
    ):
        if not 0 <= value <= limit:
            raise ValueError(f"{name}={value} does not fit its header field (0..{limit})")
    return HEADER.pack(version, inverse_version, payload_type, length) + payload


def parse_header(
    data: bytes,
    *,
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    allow_unknown_types: bool = False,
    expected_types: Collection[int] | None = None,
) -> V2gtpHeader:
    """Check the first 8 bytes of `data` rule by rule; the first broken rule raises `V2gtpError`."""
    if len(data) < HEADER_SIZE:
        raise V2gtpError(
            V2gtpProblem.TRUNCATED, f"V2GTP header truncated: {len(data)} of {HEADER_SIZE} bytes", bytes(data)
        )
    raw = bytes(data[:HEADER_SIZE])
    version, inverse, type_code, length = HEADER.unpack(raw)
    if version != PROTOCOL_VERSION:
        raise V2gtpError(
            V2gtpProblem.VERSION, f"V2GTP protocol version 0x{version:02X}, expected 0x{PROTOCOL_VERSION:02X}", raw
        )
    if inverse != version ^ 0xFF:
        raise V2gtpError(
            V2gtpProblem.INVERSE_VERSION,
            f"V2GTP inverse protocol version 0x{inverse:02X} does not invert version 0x{version:02X}"
            f" (expected 0x{version ^ 0xFF:02X})",
            raw,
        )
    payload_type: PayloadType | int
    try:
        payload_type = PayloadType(type_code)
    except ValueError:
        if not allow_unknown_types:
            raise V2gtpError(
                V2gtpProblem.PAYLOAD_TYPE, f"V2GTP payload type 0x{type_code:04X} is not defined by ISO 15118-20", raw
            ) from None
        payload_type = type_code
    if expected_types is not None and type_code not in expected_types:
        wanted = ", ".join(f"0x{t:04X}" for t in sorted(expected_types))
        raise V2gtpError(
            V2gtpProblem.UNEXPECTED_PAYLOAD_TYPE,
            f"V2GTP payload type 0x{type_code:04X} not expected here (expected one of {wanted})",
            raw,
        )
    if length > max_payload:
        raise V2gtpError(
            V2gtpProblem.LENGTH, f"V2GTP payload length {length} exceeds the maximum of {max_payload} bytes", raw
        )
    return V2gtpHeader(payload_type, length, version, inverse)


def parse_frame(
    data: bytes,
    *,
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    expected_types: Collection[int] | None = None,
) -> V2gtpFrame:
    """Parse one whole datagram (SDP); trailing or missing payload bytes are errors, as UDP carries one frame."""
    header = parse_header(data, max_payload=max_payload, expected_types=expected_types)
    payload = bytes(data[HEADER_SIZE:])
    if len(payload) < header.payload_length:
        raise V2gtpError(
            V2gtpProblem.TRUNCATED,
            f"V2GTP payload truncated: {len(payload)} of {header.payload_length} announced bytes",
            bytes(data),
        )
    if len(payload) > header.payload_length:
        raise V2gtpError(
            V2gtpProblem.LENGTH,
            f"V2GTP datagram carries {len(payload) - header.payload_length} bytes beyond the announced length"
            f" {header.payload_length}",
            bytes(data),
        )
    return V2gtpFrame(header, payload)


async def read_frame(
    reader: asyncio.StreamReader,
    *,
    timeout: float,
    max_payload: int = DEFAULT_MAX_PAYLOAD,
    expected_types: Collection[int] | None = None,
) -> V2gtpFrame:
    """Read exactly one frame from a stream within `timeout` seconds (header and payload together).

    End of stream before the first byte raises `PeerClosed`; in the middle of a frame, `V2gtpError` (truncated).
    The header is validated before the payload is read, so an announced length above `max_payload` is never read.
    """
    header: V2gtpHeader | None = None
    try:
        async with asyncio.timeout(timeout):
            raw_header = await _read_exactly(reader, HEADER_SIZE, b"")
            header = parse_header(raw_header, max_payload=max_payload, expected_types=expected_types)
            payload = (await _read_exactly(reader, header.payload_length, raw_header))[HEADER_SIZE:]
    except TimeoutError:
        stage = "header" if header is None else f"payload of {header.payload_length} bytes"
        raise FrameTimeout(f"no complete V2GTP frame within {timeout:g} s (waiting for the {stage})") from None
    return V2gtpFrame(header, payload)


async def _read_exactly(reader: asyncio.StreamReader, count: int, before: bytes) -> bytes:
    """Append `count` bytes to `before`; end of stream turns into PeerClosed or a truncation error."""
    try:
        return before + await reader.readexactly(count)
    except asyncio.IncompleteReadError as exc:
        got = before + exc.partial
        if not got:
            raise PeerClosed("the SECC closed the connection") from None
        if len(got) < HEADER_SIZE:
            raise V2gtpError(
                V2gtpProblem.TRUNCATED, f"connection closed after {len(got)} of {HEADER_SIZE} header bytes", got
            ) from None
        raise V2gtpError(
            V2gtpProblem.TRUNCATED, f"connection closed after {len(exc.partial)} of {count} payload bytes", got
        ) from None
