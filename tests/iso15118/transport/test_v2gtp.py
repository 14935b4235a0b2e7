"""V2GTP framing: valid frames round-trip, each broken header rule is named, reading is bounded in time and size."""

from __future__ import annotations

import asyncio

import pytest

from harness.iso15118.transport.errors import FrameTimeout, PeerClosed, V2gtpError, V2gtpProblem
from harness.iso15118.transport.v2gtp import (
    HEADER_SIZE,
    PayloadType,
    V2gtpHeader,
    build_frame,
    build_raw_frame,
    parse_frame,
    parse_header,
    read_frame,
)


def test_frame_layout_is_big_endian_with_version_and_inverse() -> None:
    frame = build_frame(PayloadType.DC, b"\xaa\xbb\xcc")
    assert frame == bytes.fromhex("01fe800400000003aabbcc")
    assert parse_frame(frame).payload == b"\xaa\xbb\xcc"


def test_every_iso20_payload_type_code() -> None:
    assert {t.name: t.value for t in PayloadType} == {
        "SUPPORTED_APP_PROTOCOL": 0x8001,
        "COMMON_MESSAGES": 0x8002,
        "AC": 0x8003,
        "DC": 0x8004,
        "ACDP": 0x8005,
        "WPT": 0x8006,
        "SCHEDULE_RENEGOTIATION": 0x8101,
        "METERING_CONFIRMATION": 0x8102,
        "ACDP_SYSTEM_STATUS": 0x8103,
        "PARKING_STATUS": 0x8104,
        "SDP_REQUEST": 0x9000,
        "SDP_RESPONSE": 0x9001,
        "SDP_REQUEST_WIRELESS": 0x9002,
        "SDP_RESPONSE_WIRELESS": 0x9003,
    }


def test_parse_header_returns_fields() -> None:
    header = parse_header(build_frame(PayloadType.COMMON_MESSAGES, b"x" * 300))
    assert header == V2gtpHeader(PayloadType.COMMON_MESSAGES, 300)
    assert isinstance(header.payload_type, PayloadType)


@pytest.mark.parametrize(
    ("data", "problem", "words"),
    [
        (build_raw_frame(b"", payload_type=0x8002, version=0x02, inverse_version=0xFD), V2gtpProblem.VERSION, "0x02"),
        (build_raw_frame(b"", payload_type=0x8002, inverse_version=0xFF), V2gtpProblem.INVERSE_VERSION, "0xFF"),
        (build_raw_frame(b"", payload_type=0x8000), V2gtpProblem.PAYLOAD_TYPE, "0x8000"),
        (build_raw_frame(b"", payload_type=0x8002, payload_length=70_000), V2gtpProblem.LENGTH, "70000"),
        (bytes.fromhex("01fe8002"), V2gtpProblem.TRUNCATED, "4 of 8"),
    ],
)
def test_each_broken_header_rule_is_named(data: bytes, problem: V2gtpProblem, words: str) -> None:
    with pytest.raises(V2gtpError) as caught:
        parse_header(data)
    assert caught.value.problem is problem
    assert words in str(caught.value)
    assert caught.value.data == data[:HEADER_SIZE]


def test_length_limit_is_configurable() -> None:
    frame = build_frame(PayloadType.AC, b"x" * 100)
    assert parse_header(frame, max_payload=100).payload_length == 100
    with pytest.raises(V2gtpError, match="exceeds the maximum of 99"):
        parse_header(frame, max_payload=99)


def test_unknown_type_allowed_on_request_and_unexpected_type_named() -> None:
    raw = build_raw_frame(b"", payload_type=0x1234)
    assert parse_header(raw, allow_unknown_types=True).payload_type == 0x1234
    with pytest.raises(V2gtpError) as caught:
        parse_header(build_frame(PayloadType.SDP_REQUEST, b"\x10\x00"), expected_types={PayloadType.DC})
    assert caught.value.problem is V2gtpProblem.UNEXPECTED_PAYLOAD_TYPE


def test_datagram_length_must_match_header() -> None:
    frame = build_frame(PayloadType.SDP_REQUEST, b"\x10\x00")
    with pytest.raises(V2gtpError) as short:
        parse_frame(frame[:-1])
    assert short.value.problem is V2gtpProblem.TRUNCATED
    with pytest.raises(V2gtpError) as long:
        parse_frame(frame + b"\x00")
    assert long.value.problem is V2gtpProblem.LENGTH


def test_builders_refuse_what_does_not_fit() -> None:
    with pytest.raises(ValueError, match="not a V2GTP payload type"):
        build_frame(0x8000, b"")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="exceeds"):
        build_frame(PayloadType.DC, b"xx", max_payload=1)
    with pytest.raises(ValueError, match="payload_type"):
        build_raw_frame(b"", payload_type=0x10000)
    assert build_raw_frame(b"ab", payload_type=0xFFFF, version=0, inverse_version=0)[:4] == b"\x00\x00\xff\xff"


def _reader(data: bytes, *, eof: bool) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    if eof:
        reader.feed_eof()
    return reader


def test_read_frame_reads_exactly_one_frame() -> None:
    async def scenario() -> None:
        first, second = build_frame(PayloadType.DC, b"one"), build_frame(PayloadType.AC, b"two!")
        reader = _reader(first + second, eof=True)
        assert (await read_frame(reader, timeout=1)).payload == b"one"
        frame = await read_frame(reader, timeout=1)
        assert (frame.payload_type, frame.payload) == (PayloadType.AC, b"two!")
        with pytest.raises(PeerClosed):
            await read_frame(reader, timeout=1)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("data", "words"),
    [(bytes.fromhex("01fe80"), "3 of 8 header bytes"), (build_frame(PayloadType.DC, b"abcdef")[:-2], "4 of 6 payload")],
)
def test_read_frame_names_truncation_at_end_of_stream(data: bytes, words: str) -> None:
    async def scenario() -> None:
        with pytest.raises(V2gtpError, match=words) as caught:
            await read_frame(_reader(data, eof=True), timeout=1)
        assert caught.value.problem is V2gtpProblem.TRUNCATED

    asyncio.run(scenario())


def test_read_frame_times_out_instead_of_hanging() -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(FrameTimeout, match="payload of 6 bytes"):
            await read_frame(_reader(build_frame(PayloadType.DC, b"abcdef")[:-1], eof=False), timeout=0.1)
        assert loop.time() - started < 0.5
        with pytest.raises(FrameTimeout, match="header"):
            await read_frame(_reader(b"", eof=False), timeout=0.05)

    asyncio.run(scenario())


def test_read_frame_rejects_oversized_length_before_reading_payload() -> None:
    async def scenario() -> None:
        reader = _reader(build_raw_frame(b"", payload_type=0x8002, payload_length=2**32 - 1), eof=False)
        with pytest.raises(V2gtpError) as caught:
            await read_frame(reader, timeout=5, max_payload=1024)
        assert caught.value.problem is V2gtpProblem.LENGTH

    asyncio.run(scenario())
