"""Packet captures of V2G sessions: pcapng structure, rebuilt TCP/UDP, and the connection's socket tap end to end.

Files are read back with an independent block walker (below) and `dpkt` (packets, headers); checksums are recomputed
here rather than trusted, and TCP streams are reassembled from sequence numbers, so a capture that only looks right
to its own writer fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import shutil
import socket
import ssl
import struct
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

import harness
from harness.iso15118.capture import CHARGER_MAC, EV_MAC, MSS, SessionCapture, tls_client_random, write_pcapng
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.errors import PeerClosed
from harness.iso15118.transport.ipv6 import Endpoint
from harness.iso15118.transport.tls import TlsClientConfig, server_context
from harness.iso15118.transport.v2gtp import PayloadType, build_frame, read_frame

from .conftest import CertFactory

dpkt = pytest.importorskip("dpkt", reason="the capture tests read pcapng back with dpkt (dev extra)")

SHB, IDB, EPB, DSB = 0x0A0D0D0A, 1, 6, 10
TLSK = 0x544C534B
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


# ------------------------------------------------------------------ an independent reader


@dataclass(frozen=True)
class Block:
    type: int
    body: bytes


def walk_blocks(data: bytes) -> list[Block]:
    """Every block of a little-endian pcapng file, checking lengths, 32-bit alignment and option lists."""
    assert data[:4] == struct.pack("<I", SHB)
    assert struct.unpack_from("<I", data, 8)[0] == 0x1A2B3C4D, "byte-order magic (little-endian expected)"
    blocks, offset = [], 0
    while offset < len(data):
        block_type, total = struct.unpack_from("<II", data, offset)
        assert total % 4 == 0 and total >= 12, f"block at {offset}: total length {total}"
        assert offset + total <= len(data), f"block at {offset} runs past the end"
        assert struct.unpack_from("<I", data, offset + total - 4)[0] == total, f"trailing length at {offset}"
        blocks.append(Block(block_type, data[offset + 8 : offset + total - 4]))
        offset += total
    assert offset == len(data)
    return blocks


def options(raw: bytes) -> dict[int, bytes]:
    """An options list: each value padded to 32 bits, opt_endofopt exactly at the end (or no options at all)."""
    found: dict[int, bytes] = {}
    offset = 0
    while offset < len(raw):
        code, length = struct.unpack_from("<HH", raw, offset)
        if code == 0:
            assert length == 0 and offset + 4 == len(raw), "opt_endofopt must close the list"
            return found
        found[code] = raw[offset + 4 : offset + 4 + length]
        offset += 4 + length + (-length % 4)
    assert not raw, "an options list must end with opt_endofopt"
    return found


def block_options(block: Block) -> dict[int, bytes]:
    if block.type == SHB:
        return options(block.body[16:])
    if block.type == IDB:
        return options(block.body[8:])
    if block.type == EPB:
        captured = struct.unpack_from("<I", block.body, 12)[0]
        return options(block.body[20 + captured + (-captured % 4) :])
    if block.type == DSB:
        length = struct.unpack_from("<I", block.body, 4)[0]
        return options(block.body[8 + length + (-length % 4) :])
    raise AssertionError(f"unexpected block type 0x{block.type:08X}")


def internet_checksum_ok(data: bytes) -> bool:
    """Summing every 16-bit word, the checksum included, gives 0xFFFF when the checksum is right."""
    data += b"\0" * (len(data) % 2)
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


@dataclass(frozen=True)
class Segment:
    ts: float
    src: tuple[str, int]
    dst: tuple[str, int]
    seq: int
    ack: int
    flags: int
    payload: bytes
    eth_src: bytes
    eth_dst: bytes


def segments(path: Path) -> list[Segment]:
    """TCP segments read with dpkt, after checking the IP and TCP checksums over the raw bytes."""
    found = []
    with path.open("rb") as file:
        for ts, frame in dpkt.pcapng.Reader(file):
            eth = dpkt.ethernet.Ethernet(frame)
            if eth.type == 0x86DD:
                ip = eth.data
                assert (ip.nxt, ip.hlim) == (socket.IPPROTO_TCP, 64)
                pseudo = ip.src + ip.dst + struct.pack("!IxxxB", ip.plen, 6)
                raw_tcp = frame[14 + 40 : 14 + 40 + ip.plen]
            else:
                assert eth.type == 0x0800
                ip = eth.data
                assert (ip.p, ip.ttl) == (socket.IPPROTO_TCP, 64)
                assert internet_checksum_ok(frame[14 : 14 + ip.hl * 4]), "IPv4 header checksum"
                raw_tcp = frame[14 + ip.hl * 4 : 14 + ip.len]
                pseudo = ip.src + ip.dst + struct.pack("!xBH", 6, len(raw_tcp))
            assert internet_checksum_ok(pseudo + raw_tcp), "TCP checksum"
            tcp = ip.data
            src = (str(ipaddress.ip_address(ip.src)), tcp.sport)
            dst = (str(ipaddress.ip_address(ip.dst)), tcp.dport)
            found.append(Segment(ts, src, dst, tcp.seq, tcp.ack, tcp.flags, bytes(tcp.data), eth.src, eth.dst))
    return found


def reassemble(found: list[Segment]) -> tuple[bytes, bytes]:
    """(EV to charger, charger to EV) payload, checking SYN/SYN-ACK, contiguous sequence numbers and the ACKs."""
    syn, syn_ack, third = found[:3]
    assert (syn.flags, syn_ack.flags, third.flags) == (SYN, SYN | ACK, ACK)
    ev = syn.src
    assert syn_ack.ack == syn.seq + 1 and third.ack == syn_ack.seq + 1
    next_seq = {syn.src: syn.seq + 1, syn_ack.src: syn_ack.seq + 1}
    data: dict[tuple[str, int], bytearray] = {syn.src: bytearray(), syn_ack.src: bytearray()}
    for segment in found[3:]:
        other = segment.dst
        assert segment.flags & ACK and segment.ack == next_seq[other], f"ACK number of {segment}"
        assert segment.seq == next_seq[segment.src], f"sequence gap at {segment}"
        assert len(segment.payload) <= MSS
        data[segment.src] += segment.payload
        next_seq[segment.src] += len(segment.payload) + (1 if segment.flags & FIN else 0)
        assert segment.eth_src == (EV_MAC if segment.src == ev else CHARGER_MAC)
    return bytes(data[ev]), bytes(data[syn_ack.src])


def closing_flags(found: list[Segment], ev: tuple[str, int]) -> list[tuple[str, int]]:
    """Who sent FIN or RST, in order."""
    return [("ev" if s.src == ev else "charger", s.flags & (FIN | RST)) for s in found if s.flags & (FIN | RST)]


# ------------------------------------------------------------------ SessionCapture and write_pcapng on their own


class FakeClock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(
    ("local", "remote"),
    [(("fe80::1%eth0", 50000), ("fe80::2%eth0", 15118)), (("192.0.2.1", 50000), ("192.0.2.2", 15118))],
    ids=["ipv6-link-local", "ipv4"],
)
def test_segments_checksums_and_timing(tmp_path: Path, local: tuple[str, int], remote: tuple[str, int]) -> None:
    clock = FakeClock(1_700_000_000.0)
    capture = SessionCapture(clock=clock)
    capture.connected(local, remote)
    sent, received = bytes(range(256)) * 20, b"answer"  # 5120 bytes: four segments, the last one short
    clock.advance(0.001)
    capture.data("tx", sent)
    clock.advance(0.000002)  # the answer comes sooner than the ACK delay: the ACK must not overtake it
    capture.data("rx", received)
    clock.advance(0.5)
    capture.closed("ev", reset=False)
    clock.advance(0.001)
    capture.closed("charger", reset=False)
    path = tmp_path / "session.pcapng"
    write_pcapng(capture, path)

    blocks = walk_blocks(path.read_bytes())
    assert [b.type for b in blocks[:2]] == [SHB, IDB]
    assert all(b.type == EPB for b in blocks[2:])
    assert b"reconstructed" in block_options(blocks[0])[1]
    linktype, _, snaplen = struct.unpack_from("<HHI", blocks[1].body)
    assert linktype == 1 and snaplen in (0, 262_144)
    assert block_options(blocks[1]).get(9, b"\x06") == b"\x06"
    for block in blocks[2:]:
        block_options(block)

    found = segments(path)
    assert reassemble(found) == (sent, received)
    ev_address = (local[0].split("%")[0], local[1])
    assert found[0].src == ev_address
    data_segments = [s for s in found if s.payload]
    assert [len(s.payload) for s in data_segments] == [MSS, MSS, MSS, 5120 - 3 * MSS, len(received)]
    assert [bool(s.flags & PSH) for s in data_segments] == [False, False, False, True, True]
    assert closing_flags(found, ev_address) == [("ev", FIN), ("charger", FIN)]
    assert found[-1].flags == ACK and found[-1].src == ev_address  # the last ACK of the four-way close
    # Times: microseconds, never decreasing, and the ACK of the big chunk dated no later than the answer.
    times = [round(s.ts * 1_000_000) for s in found]
    assert times == sorted(times)
    ack_of_chunk = found[3 + 4]
    assert ack_of_chunk.payload == b"" and ack_of_chunk.src == found[1].src
    assert times[3] <= times[7] <= times[8] == round((1_700_000_000.0 + 0.001002) * 1_000_000)
    assert found[9].payload == b"" and 0 < times[9] - times[8] <= 10  # a few microseconds when nothing follows soon


@pytest.mark.parametrize("by", ["ev", "charger"])
def test_reset_ends_the_stream_with_rst(tmp_path: Path, by: str) -> None:
    capture = SessionCapture()
    capture.connected(("::1", 40000), ("::1", 15118))
    capture.data("tx", b"\x01\xfe\x80\x01\x00\x00\x00\x00")
    capture.closed("ev" if by == "ev" else "charger", reset=True)
    write_pcapng(capture, tmp_path / "reset.pcapng")
    found = segments(tmp_path / "reset.pcapng")
    reassemble(found)
    assert closing_flags(found, ("::1", 40000)) == [(by, RST)]
    assert found[-1].flags == RST | ACK


def test_keylog_goes_into_a_dsb_before_the_first_packet(tmp_path: Path) -> None:
    random = bytes(range(32))
    client_hello = b"\x16\x03\x01\x00\x80" + b"\x01\x00\x00\x7c" + b"\x03\x03" + random + b"\x00" * 40
    ours = f"CLIENT_TRAFFIC_SECRET_0 {random.hex()} {'ab' * 48}"
    other = f"CLIENT_TRAFFIC_SECRET_0 {'ff' * 32} {'cd' * 48}"
    capture = SessionCapture()
    capture.connected(("127.0.0.1", 40000), ("127.0.0.1", 15118))
    capture.data("tx", client_hello)
    capture.set_tls_keylog(f"{other}\n{ours}\n")
    write_pcapng(capture, tmp_path / "tls.pcapng")

    blocks = walk_blocks((tmp_path / "tls.pcapng").read_bytes())
    types = [b.type for b in blocks]
    assert types.count(DSB) == 1 and types.index(DSB) < types.index(EPB)
    dsb = blocks[types.index(DSB)]
    secrets_type, length = struct.unpack_from("<II", dsb.body)
    assert secrets_type == TLSK
    # Only the lines of the session this capture holds: OpenSSL's file collects every session of the process.
    assert dsb.body[8 : 8 + length] == (ours + "\n").encode()
    block_options(dsb)
    assert tls_client_random(client_hello) == random


def test_sdp_datagrams_to_the_multicast_group(tmp_path: Path) -> None:
    capture = SessionCapture()
    request = b"\x01\xfe\x90\x00\x00\x00\x00\x02\x10\x00"
    capture.udp("tx", ("fe80::1%veth0", 50001), ("ff02::1", 15118), request)
    capture.udp("rx", ("fe80::1%veth0", 50001), ("fe80::2", 15118), b"\x01\xfe\x90\x01" + b"\x00" * 24)
    write_pcapng(capture, tmp_path / "sdp.pcapng")
    with (tmp_path / "sdp.pcapng").open("rb") as file:
        frames = [frame for _, frame in dpkt.pcapng.Reader(file)]
    assert len(frames) == 2
    request_eth, response_eth = (dpkt.ethernet.Ethernet(frame) for frame in frames)
    assert request_eth.dst == bytes.fromhex("333300000001") and request_eth.src == EV_MAC
    assert response_eth.dst == EV_MAC and response_eth.src == CHARGER_MAC
    for eth, frame in zip((request_eth, response_eth), frames, strict=True):
        ip = eth.data
        assert ip.nxt == socket.IPPROTO_UDP and ip.hlim == 64
        assert internet_checksum_ok(ip.src + ip.dst + struct.pack("!IxxxB", ip.plen, 17) + frame[54:])
    assert bytes(request_eth.data.data.data) == request


def test_recording_errors_are_ours() -> None:
    capture = SessionCapture()
    with pytest.raises(RuntimeError):
        capture.data("tx", b"x")
    with pytest.raises(ValueError, match="same IP version"):
        capture.connected(("::1", 1), ("127.0.0.1", 2))


# ------------------------------------------------------------------ the connection's tap, end to end


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The test's SECC: send back every V2GTP frame until the EV goes away, then close."""
    with contextlib.suppress(Exception):
        while True:
            frame = await read_frame(reader, timeout=5)
            writer.write(frame.to_bytes())
            await writer.drain()
    writer.close()


def loopback_v6() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@contextlib.asynccontextmanager
async def serving(
    handler: Handler, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> AsyncIterator[Endpoint]:
    server = await asyncio.start_server(handler, host, 0, ssl=tls)
    try:
        yield Endpoint(host, server.sockets[0].getsockname()[1])
    finally:
        server.close()
        async with asyncio.timeout(2):
            await server.wait_closed()


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run a scenario and prove the harness left no task behind (the test servers' handlers may still be ending)."""

    async def checked() -> None:
        await scenario()
        await asyncio.sleep(0)
        others = asyncio.all_tasks() - {asyncio.current_task()}
        code_files = [getattr(task.get_coro(), "cr_code", None) for task in others]
        package = str(Path(harness.__file__).parent)
        assert not [code for code in code_files if code is None or code.co_filename.startswith(package)]

    asyncio.run(checked())


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_tcp_session_capture_holds_exactly_the_bytes(tmp_path: Path, host: str) -> None:
    if host == "::1" and not loopback_v6():
        pytest.skip("no IPv6 loopback here")
    capture = SessionCapture()
    frames = [
        build_frame(PayloadType.SUPPORTED_APP_PROTOCOL, b"\x80\x00"),
        build_frame(PayloadType.DC, bytes(range(256)) * 24),  # 6 KiB: several segments
    ]

    async def scenario() -> None:
        async with serving(echo, host) as endpoint, V2gConnection(endpoint, capture=capture) as connection:
            for frame in frames:
                await connection.send_raw(frame)
                assert (await connection.receive_frame(timeout=2)).to_bytes() == frame
            assert connection.closed_by_peer_at is None
        assert connection.closed_by_peer_at is not None  # the SECC's FIN after ours, seen on the real socket

    run(scenario)
    path = tmp_path / "tcp.pcapng"
    write_pcapng(capture, path)
    found = segments(path)
    assert reassemble(found) == (b"".join(frames), b"".join(frames))
    assert (capture.stream("tx"), capture.stream("rx")) == (b"".join(frames), b"".join(frames))
    ev = found[0].src
    assert ev[0] == host
    assert closing_flags(found, ev) == [("ev", FIN), ("charger", FIN)]
    assert DSB not in [b.type for b in walk_blocks(path.read_bytes())]


def test_tls_session_capture_holds_records_and_its_keys(make_cert: CertFactory, tmp_path: Path) -> None:
    secc_cert, secc_key = make_cert("p521", "secc")
    keylog = tmp_path / "keys.log"
    keylog.write_text(f"CLIENT_TRAFFIC_SECRET_0 {'ee' * 32} {'00' * 48}\n")  # an earlier session's line
    config = TlsClientConfig(trust_anchors=(secc_cert,), keylog_file=keylog)
    capture = SessionCapture()
    secret = b"plaintext-that-must-not-be-on-the-wire"

    async def scenario() -> None:
        async with (
            serving(echo, tls=server_context(secc_cert, secc_key)) as endpoint,
            V2gConnection(endpoint, tls=config, capture=capture) as connection,
        ):
            await connection.send_frame(PayloadType.COMMON_MESSAGES, secret)
            assert (await connection.receive_frame(timeout=2)).payload == secret
            assert connection.tls_session is not None and connection.tls_session.version == "TLSv1.3"

    run(scenario)
    path = tmp_path / "tls.pcapng"
    write_pcapng(capture, path)
    found = segments(path)
    to_secc, to_ev = reassemble(found)
    assert to_secc[0] == 0x16 and to_ev[0] == 0x16  # handshake records
    assert secret not in to_secc and secret not in to_ev
    assert to_secc == capture.stream("tx") and to_ev == capture.stream("rx")
    assert closing_flags(found, found[0].src)[-2:] in ([("ev", FIN), ("charger", FIN)], [("charger", FIN), ("ev", FIN)])

    blocks = walk_blocks(path.read_bytes())
    types = [b.type for b in blocks]
    assert types.index(DSB) < types.index(EPB)
    body = blocks[types.index(DSB)].body
    secrets_type, length = struct.unpack_from("<II", body)
    lines = body[8 : 8 + length].decode().splitlines()
    client_random = tls_client_random(to_secc)
    assert secrets_type == TLSK and client_random is not None
    assert any(line.startswith(f"CLIENT_TRAFFIC_SECRET_0 {client_random.hex()} ") for line in lines)
    assert any(line.startswith("SERVER_HANDSHAKE_TRAFFIC_SECRET ") for line in lines)
    assert all(client_random.hex() in line for line in lines)  # the earlier session's line is left out


@pytest.mark.parametrize("use_tls", [False, True], ids=["tcp", "tls"])
def test_reset_by_us_is_a_real_rst(make_cert: CertFactory, tmp_path: Path, use_tls: bool) -> None:
    secc_cert, secc_key = make_cert("p521", "secc")
    server_tls = server_context(secc_cert, secc_key) if use_tls else None
    client_tls = TlsClientConfig(trust_anchors=(secc_cert,)) if use_tls else None
    capture = SessionCapture()

    async def scenario() -> None:
        seen: asyncio.Future[BaseException | bytes] = asyncio.get_running_loop().create_future()

        async def watch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                seen.set_result(await reader.read(100))
            except ConnectionResetError as exc:
                seen.set_result(exc)
            writer.close()

        async with serving(watch, tls=server_tls) as endpoint:
            connection = V2gConnection(endpoint, tls=client_tls, capture=capture)
            await connection.open()
            await asyncio.sleep(0.05)  # let the server's handler start reading
            await connection.reset()
            assert not connection.is_open
            async with asyncio.timeout(2):
                assert isinstance(await seen, ConnectionResetError)
            assert connection.closed_by_peer_at is None
            await connection.reset()

    run(scenario)
    write_pcapng(capture, tmp_path / "reset.pcapng")
    found = segments(tmp_path / "reset.pcapng")
    reassemble(found)
    assert closing_flags(found, found[0].src) == [("ev", RST)]


def test_reset_by_the_secc_breaks_the_connection(tmp_path: Path) -> None:
    capture = SessionCapture()
    answer = build_frame(PayloadType.DC, b"last words")

    async def answer_then_reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_frame(reader, timeout=2)
        writer.write(answer)
        await writer.drain()
        await read_frame(reader, timeout=2)  # the EV has read the answer: now abort
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def scenario() -> None:
        async with serving(answer_then_reset) as endpoint, V2gConnection(endpoint, capture=capture) as connection:
            await connection.send_frame(PayloadType.DC, b"req")
            assert (await connection.receive_frame(timeout=2)).to_bytes() == answer
            await connection.send_frame(PayloadType.DC, b"ack")
            before = time.monotonic()
            with pytest.raises(PeerClosed, match="reset"):
                await connection.receive_frame(timeout=2)
            gone = connection.closed_by_peer_at
            assert gone is not None and before <= gone <= time.monotonic()

    run(scenario)
    write_pcapng(capture, tmp_path / "secc-reset.pcapng")
    found = segments(tmp_path / "secc-reset.pcapng")
    to_secc, to_ev = reassemble(found)
    assert to_ev == answer and to_secc.endswith(build_frame(PayloadType.DC, b"ack"))
    assert closing_flags(found, found[0].src) == [("charger", RST)]


@pytest.mark.parametrize("with_capture", [True, False], ids=["capture", "no-capture"])
def test_close_by_the_secc_is_timed(tmp_path: Path, with_capture: bool) -> None:
    capture = SessionCapture() if with_capture else None

    async def read_one_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_frame(reader, timeout=2)
        writer.close()

    async def scenario() -> None:
        async with (
            serving(read_one_then_close) as endpoint,
            V2gConnection(endpoint, capture=capture) as connection,
        ):
            before = time.monotonic()
            await connection.send_frame(PayloadType.DC, b"bye")
            with pytest.raises(PeerClosed):
                await connection.receive_frame(timeout=2)
            gone = connection.closed_by_peer_at
            assert gone is not None and before <= gone <= time.monotonic()

    run(scenario)
    if capture is not None:
        write_pcapng(capture, tmp_path / "secc-close.pcapng")
        found = segments(tmp_path / "secc-close.pcapng")
        assert reassemble(found) == (build_frame(PayloadType.DC, b"bye"), b"")
        assert closing_flags(found, found[0].src) == [("charger", FIN), ("ev", FIN)]


def test_close_is_bounded_when_the_secc_never_closes(tmp_path: Path) -> None:
    capture = SessionCapture()

    async def hold_open(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(10)
        writer.close()

    async def scenario() -> None:
        server = await asyncio.start_server(hold_open, "127.0.0.1", 0)
        try:
            endpoint = Endpoint("127.0.0.1", server.sockets[0].getsockname()[1])
            connection = V2gConnection(endpoint, capture=capture)
            await connection.open()
            started = time.monotonic()
            await connection.close()
            assert time.monotonic() - started < 3.0
            assert connection.closed_by_peer_at is None
        finally:
            server.close()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1):
                    await server.wait_closed()
            for task in asyncio.all_tasks() - {asyncio.current_task()}:  # the held-open handler
                task.cancel()
            await asyncio.sleep(0.01)

    run(scenario)
    write_pcapng(capture, tmp_path / "held.pcapng")
    found = segments(tmp_path / "held.pcapng")
    assert closing_flags(found, found[0].src) == [("ev", FIN)]


def test_without_capture_nothing_changes_on_the_wire() -> None:
    """The plain connection still hands its real TCP socket to asyncio (no socketpair in between)."""

    async def scenario() -> None:
        async with serving(echo) as endpoint, V2gConnection(endpoint) as connection:
            assert connection._writer is not None
            sock = connection._writer.get_extra_info("socket")
            assert sock.family == socket.AF_INET and sock.getpeername()[1] == endpoint.port
            await connection.send_frame(PayloadType.DC, b"x")
            assert (await connection.receive_frame(timeout=2)).payload == b"x"

    run(scenario)


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark (Wireshark) is not installed")
def test_wireshark_reads_and_decrypts_the_capture(make_cert: CertFactory, tmp_path: Path) -> None:
    """Wireshark's own dissectors: checksums good, and TLS decrypted with nothing but the file's DSB."""
    secc_cert, secc_key = make_cert("p521", "secc")
    config = TlsClientConfig(trust_anchors=(secc_cert,), keylog_file=tmp_path / "keys.log")
    capture = SessionCapture()
    frame = build_frame(PayloadType.SUPPORTED_APP_PROTOCOL, b"\x80\x00\xdb\xab\x93\x71")

    async def scenario() -> None:
        async with (
            serving(echo, tls=server_context(secc_cert, secc_key)) as endpoint,
            V2gConnection(endpoint, tls=config, capture=capture) as connection,
        ):
            await connection.send_raw(frame)
            await connection.receive_frame(timeout=2)

    run(scenario)
    path = tmp_path / "tls.pcapng"
    write_pcapng(capture, path)
    checks = ["-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"]
    fields = ["-T", "fields", "-E", "separator=;", "-e", "ip.checksum.status", "-e", "tcp.checksum.status"]
    result = subprocess.run(
        ["tshark", "-n", "-r", str(path), *checks, *fields, "-e", "data.data"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = [line.split(";") for line in result.stdout.splitlines()]
    assert rows and all(row[0] == "1" and row[1] == "1" for row in rows), result.stdout  # 1: "Good"
    decrypted = [row[2] for row in rows if row[2]]
    assert decrypted.count(frame.hex()) == 2, result.stdout  # the request and its echo
