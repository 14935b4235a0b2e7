"""SDP payloads: exact wire bytes, and every invalid field rejected with a message naming it."""

from __future__ import annotations

import ipaddress

import pytest

from harness.iso15118.transport.errors import SdpError, V2gtpError
from harness.iso15118.transport.sdp import (
    SdpRequest,
    SdpResponse,
    Security,
    TransportProtocol,
    format_source,
)
from harness.iso15118.transport.sdp_client import SdpClient, SdpResult
from harness.iso15118.transport.v2gtp import PayloadType, build_frame, build_raw_frame
from harness.verdict import LabError, Nonconformity

ADDRESS = ipaddress.IPv6Address("fe80::1:2:3:4")


def test_request_wire_bytes() -> None:
    assert SdpRequest(Security.NO_TLS).to_frame() == bytes.fromhex("01fe9000000000021000")
    assert SdpRequest(Security.TLS).to_payload() == b"\x00\x00"
    assert SdpRequest.from_frame(bytes.fromhex("01fe9000000000020000")) == SdpRequest(Security.TLS)


def test_response_wire_bytes_and_round_trip() -> None:
    response = SdpResponse(ADDRESS, 0xC350, Security.TLS)
    assert response.to_frame() == bytes.fromhex("01fe900100000014fe800000000000000001000200030004c3500000")
    assert SdpResponse.from_frame(response.to_frame()) == response
    assert SdpResponse.from_payload(response.to_payload()).transport is TransportProtocol.TCP


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"\x10", "1 bytes, expected 2"),
        (b"\x10\x00\x00", "3 bytes"),
        (b"\x20\x00", "security 0x20"),
        (b"\x10\x06", "transport protocol 0x06"),
    ],
)
def test_invalid_request_fields(payload: bytes, words: str) -> None:
    with pytest.raises(SdpError, match=words):
        SdpRequest.from_payload(payload)


def _response_payload(
    *, address: bytes = ADDRESS.packed, port: bytes = b"\xc3\x50", tail: bytes = b"\x10\x00"
) -> bytes:
    return address + port + tail


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (_response_payload()[:-1], "19 bytes, expected 20"),
        (_response_payload(tail=b"\x01\x00"), "security 0x01"),
        (_response_payload(tail=b"\x10\x11"), "transport protocol 0x11"),
        (_response_payload(port=b"\x00\x00"), "TCP port 0"),
        (_response_payload(address=bytes(16)), "announces ::,"),
        (_response_payload(address=ipaddress.IPv6Address("ff02::1").packed), "ff02::1"),
    ],
)
def test_invalid_response_fields(payload: bytes, words: str) -> None:
    with pytest.raises(SdpError, match=words):
        SdpResponse.from_payload(payload)


def test_wrong_frame_around_a_valid_payload() -> None:
    payload = SdpResponse(ADDRESS, 50000, Security.NO_TLS).to_payload()
    with pytest.raises(V2gtpError, match="not expected here"):
        SdpResponse.from_frame(build_frame(PayloadType.SDP_REQUEST, payload))
    with pytest.raises(V2gtpError, match="inverse"):
        SdpResponse.from_frame(build_raw_frame(payload, payload_type=0x9001, inverse_version=0x00))


def test_sdp_errors_are_nonconformities_of_the_secc() -> None:
    assert issubclass(SdpError, Nonconformity)
    assert issubclass(V2gtpError, Nonconformity)


def test_result_endpoint_keeps_scope_only_for_link_local() -> None:
    result = SdpResult(SdpResponse(ADDRESS, 50000, Security.TLS), "[fe80::9%7]:15118", "eth0", 7, 0.1, 1, ())
    assert str(result.endpoint()) == "[fe80::1:2:3:4%7]:50000"
    result = SdpResult(SdpResponse(ipaddress.IPv6Address("2001:db8::1"), 1, Security.TLS), "x", "eth0", 7, 0.1, 1, ())
    assert result.endpoint().scope_id == 0


def test_source_formatting_drops_python_scope_suffix() -> None:
    assert format_source(("fe80::1%veth0", 15118, 0, 3)) == "[fe80::1%3]:15118"
    assert format_source(("2001:db8::1", 15118, 0, 0)) == "[2001:db8::1]:15118"


def test_client_on_missing_interface_is_a_lab_error() -> None:
    import asyncio

    async def scenario() -> None:
        async with SdpClient("no-such-if0"):
            pass

    with pytest.raises(LabError, match="no-such-if0"):
        asyncio.run(scenario())


def test_client_parameters_checked() -> None:
    with pytest.raises(ValueError, match="max_requests"):
        SdpClient("eth0", max_requests=0)
