"""The namespace test bed, and SDP + V2GTP over TCP across its veth pair (SECC in one namespace, EV in the other).

Acceptance criterion: SDP finds a server across a veth pair in the test bed. Needs root (CAP_SYS_ADMIN) and iproute2;
elsewhere every test here skips with the reason `can_create_namespaces()` gives.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from harness.iso15118.netbed import NamespaceLoop, NetBed, can_create_namespaces, namespace_command, run_in_namespace
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.errors import SdpTimeout
from harness.iso15118.transport.sdp import Security
from harness.iso15118.transport.sdp_client import SdpClient, SdpResult
from harness.iso15118.transport.sdp_server import SdpServer
from harness.iso15118.transport.stub_secc import StubSecc
from harness.iso15118.transport.v2gtp import PayloadType, build_raw_frame

FAST = 0.05  # retry interval that keeps retry tests short; the standard's 250 ms is the client's default


@pytest.fixture
def bed() -> Iterator[NetBed]:
    possible, why = can_create_namespaces()
    if not possible:
        pytest.skip(why)
    with NetBed() as created:
        yield created


@pytest.fixture
def loops(bed: NetBed) -> Iterator[tuple[NamespaceLoop, NamespaceLoop]]:
    """An event loop inside each namespace: (SECC side, EV side)."""
    with NamespaceLoop(bed.secc.namespace) as secc, NamespaceLoop(bed.ev.namespace) as ev:
        yield secc, ev


def namespaces() -> set[str]:
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=10, check=True).stdout
    return {line.split()[0] for line in listing.splitlines() if line.strip()}


def discover(ev: NamespaceLoop, interface: str, *, retry_interval: float = 0.25, max_requests: int = 50) -> SdpResult:
    async def run() -> SdpResult:
        async with SdpClient(interface, retry_interval=retry_interval, max_requests=max_requests) as client:
            return await client.discover()

    return ev.run(run(), timeout=20)


def start(loop: NamespaceLoop, server: SdpServer) -> None:
    loop.run(server.start(), timeout=5)


def stop(loop: NamespaceLoop, server: SdpServer) -> None:
    async def close() -> None:
        server.close()

    loop.run(close(), timeout=5)


def test_bed_is_two_namespaces_joined_by_veth(bed: NetBed) -> None:
    assert bed.secc.namespace != bed.ev.namespace
    assert {bed.secc.namespace, bed.ev.namespace} <= namespaces()
    assert all(len(side.interface) <= 15 for side in (bed.secc, bed.ev))
    assert bed.secc.link_local.is_link_local and bed.ev.link_local.is_link_local
    shown = run_in_namespace(bed.ev.namespace, ["ip", "-6", "addr", "show", "dev", bed.ev.interface], timeout=5)
    assert str(bed.ev.link_local) in shown.stdout
    assert "tentative" not in shown.stdout


def test_bed_is_torn_down_also_after_an_error() -> None:
    possible, why = can_create_namespaces()
    if not possible:
        pytest.skip(why)
    with pytest.raises(RuntimeError, match="boom"), NetBed() as bed:
        names = {bed.secc.namespace, bed.ev.namespace}
        raise RuntimeError("boom")
    assert not names & namespaces()
    bed.close()  # idempotent


def test_sdp_finds_a_server_across_the_veth_pair(bed: NetBed, loops: tuple[NamespaceLoop, NamespaceLoop]) -> None:
    secc, ev = loops
    server = SdpServer(bed.secc.interface, tcp_port=50123, security=Security.NO_TLS)
    start(secc, server)
    try:
        result = discover(ev, bed.ev.interface)
    finally:
        stop(secc, server)
    assert result.response.address == bed.secc.link_local
    assert result.response.port == 50123
    assert result.response.security is Security.NO_TLS
    assert result.requests_sent == 1
    assert result.source.startswith(f"[{bed.secc.link_local}%")
    assert str(result.endpoint()) == f"[{bed.secc.link_local}%{bed.ev.index}]:50123"
    [request] = server.requests
    assert request.source.startswith(f"[{bed.ev.link_local}%") and request.answered


def test_client_retries_until_the_server_answers(bed: NetBed, loops: tuple[NamespaceLoop, NamespaceLoop]) -> None:
    secc, ev = loops
    server = SdpServer(bed.secc.interface, tcp_port=50124, ignore_first=3)
    start(secc, server)
    try:
        result = discover(ev, bed.ev.interface, retry_interval=FAST)
    finally:
        stop(secc, server)
    assert result.requests_sent == 4
    assert [r.answered for r in server.requests] == [False, False, False, True]
    assert 0.15 <= result.elapsed_s < 1.0


def test_no_server_is_a_clean_timeout_after_the_configured_requests(
    bed: NetBed, loops: tuple[NamespaceLoop, NamespaceLoop]
) -> None:
    _, ev = loops
    with pytest.raises(SdpTimeout, match=r"after 4 requests every 0\.05 s"):
        discover(ev, bed.ev.interface, max_requests=4, retry_interval=FAST)


def test_invalid_answers_are_ignored_and_recorded(bed: NetBed, loops: tuple[NamespaceLoop, NamespaceLoop]) -> None:
    secc, ev = loops
    answers = 0

    def break_first_answer(frame: bytes) -> bytes:
        nonlocal answers
        answers += 1
        return frame[:1] + b"\x00" + frame[2:] if answers == 1 else frame

    server = SdpServer(bed.secc.interface, tcp_port=50125, mangle=break_first_answer)
    start(secc, server)
    try:
        result = discover(ev, bed.ev.interface, retry_interval=FAST)
    finally:
        stop(secc, server)
    assert result.requests_sent == 2
    [ignored] = result.ignored
    assert "inverse protocol version" in ignored.reason
    assert ignored.data[1] == 0x00


def test_malformed_request_is_ignored_by_the_server(bed: NetBed, loops: tuple[NamespaceLoop, NamespaceLoop]) -> None:
    secc, ev = loops
    server = SdpServer(bed.secc.interface, tcp_port=50126)
    start(secc, server)
    bad_version = build_raw_frame(b"\x10\x00", payload_type=PayloadType.SDP_REQUEST, version=0x02, inverse_version=0xFD)

    async def run() -> None:
        async with SdpClient(bed.ev.interface, request_frame=bad_version, max_requests=2, retry_interval=FAST) as c:
            with pytest.raises(SdpTimeout):
                await c.discover()
            assert c.ignored == []

    try:
        ev.run(run(), timeout=5)
    finally:
        stop(secc, server)
    assert server.requests == []
    assert [i.reason for i in server.ignored] == ["V2GTP protocol version 0x02, expected 0x01"] * 2


def test_v2gtp_over_tcp_to_the_announced_endpoint(bed: NetBed, loops: tuple[NamespaceLoop, NamespaceLoop]) -> None:
    secc, ev = loops
    stub = StubSecc(bed.secc.interface)
    secc.run(stub.start(), timeout=5)

    async def session() -> bytes:
        async with SdpClient(bed.ev.interface, security=Security.NO_TLS) as client:
            found = await client.discover()
        async with V2gConnection(found.endpoint()) as connection:
            await connection.send_frame(PayloadType.SUPPORTED_APP_PROTOCOL, b"\x80\x00\xdb\xab")
            return (await connection.receive_frame(timeout=2)).payload

    try:
        assert ev.run(session(), timeout=10) == b"\x80\x00\xdb\xab"
    finally:
        secc.run(stub.close(), timeout=5)
    assert stub.frames_echoed == 1


def test_stub_secc_as_a_subprocess_inside_the_namespace(
    bed: NetBed, loops: tuple[NamespaceLoop, NamespaceLoop]
) -> None:
    _, ev = loops
    argv = [sys.executable, "-m", "harness.iso15118.transport.stub_secc", "--interface", bed.secc.interface]
    process = subprocess.Popen(
        namespace_command(bed.secc.namespace, [*argv, "--duration", "30"]), stdout=subprocess.PIPE, text=True
    )
    try:
        announced = _first_line(process, timeout=15)

        async def session() -> SdpResult:
            async with SdpClient(bed.ev.interface) as client:
                found = await client.discover()
            async with V2gConnection(found.endpoint()) as connection:
                await connection.send_frame(PayloadType.DC, b"ping")
                assert (await connection.receive_frame(timeout=2)).payload == b"ping"
            return found

        found = ev.run(session(), timeout=15)
    finally:
        process.terminate()
        process.wait(5)
    assert announced == {"address": str(bed.secc.link_local), "port": found.response.port}
    assert found.response.security is Security.NO_TLS  # the stub serves plain TCP whatever was asked
    assert process.returncode == 0


def _first_line(process: subprocess.Popen[str], *, timeout: float) -> dict[str, object]:
    """The stub's readiness line, read on a helper thread so a silent process cannot hang the test."""
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.append(process.stdout.readline() if process.stdout else ""))
    reader.start()
    reader.join(timeout)
    if not lines or not lines[0]:
        pytest.fail(f"the stub SECC did not report readiness within {timeout:g} s (exit code {process.poll()})")
    return dict(json.loads(lines[0]))


def test_asyncio_in_namespace_loop_sees_only_its_interfaces(
    bed: NetBed, loops: tuple[NamespaceLoop, NamespaceLoop]
) -> None:
    import socket

    secc, _ = loops

    async def names() -> list[str]:
        await asyncio.sleep(0)
        return [name for _, name in socket.if_nameindex()]

    assert sorted(secc.run(names(), timeout=5)) == sorted(["lo", bed.secc.interface])
