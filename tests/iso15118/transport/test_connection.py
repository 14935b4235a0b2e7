"""The EV's connection to the SECC over TCP and TLS 1.3 on 127.0.0.1: frames, raw bytes, reset, close, TLS facts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from harness.evidence import Evidence
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.errors import ConnectError, FrameTimeout, PeerClosed, TlsHandshakeError
from harness.iso15118.transport.ipv6 import Endpoint
from harness.iso15118.transport.tls import ISO20_CIPHER_SUITES, TlsClientConfig, server_context
from harness.iso15118.transport.v2gtp import PayloadType, build_frame, read_frame
from harness.verdict import LabError

from .conftest import CertFactory

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The test's SECC: send back every V2GTP frame until the EV goes away."""
    with contextlib.suppress(Exception):
        while True:
            frame = await read_frame(reader, timeout=5)
            writer.write(frame.to_bytes())
            await writer.drain()
    writer.close()


@contextlib.asynccontextmanager
async def serving(handler: Handler, tls: ssl.SSLContext | None = None) -> AsyncIterator[Endpoint]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=tls)
    try:
        yield Endpoint("127.0.0.1", server.sockets[0].getsockname()[1])
    finally:
        server.close()
        async with asyncio.timeout(2):
            await server.wait_closed()


def test_tcp_round_trip_and_raw_bytes() -> None:
    async def scenario() -> None:
        async with serving(echo) as endpoint, V2gConnection(endpoint) as connection:
            await connection.send_frame(PayloadType.SUPPORTED_APP_PROTOCOL, b"\x80\x00")
            frame = await connection.receive_frame(timeout=2)
            assert (frame.payload_type, frame.payload) == (PayloadType.SUPPORTED_APP_PROTOCOL, b"\x80\x00")
            # A raw frame split in two writes still arrives as one frame.
            raw = build_frame(PayloadType.DC, b"abc")
            await connection.send_raw(raw[:5])
            await connection.send_raw(raw[5:])
            assert (await connection.receive_frame(timeout=2)).payload == b"abc"
            assert connection.tls_session is None
        assert not connection.is_open
        await connection.close()  # idempotent

    asyncio.run(scenario())


def test_silence_times_out_and_close_by_peer_is_named() -> None:
    async def silent_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)  # wait for the EV's byte, answer nothing, then close
        writer.close()

    async def scenario() -> None:
        async with serving(silent_then_close) as endpoint, V2gConnection(endpoint) as connection:
            with pytest.raises(FrameTimeout):
                await connection.receive_frame(timeout=0.1)
            await connection.send_raw(b"\x01")
            with pytest.raises(PeerClosed):
                await connection.receive_frame(timeout=2)

    asyncio.run(scenario())


@pytest.mark.parametrize("use_tls", [False, True], ids=["tcp", "tls"])
def test_reset_sends_rst(make_cert: CertFactory, use_tls: bool) -> None:
    secc_cert, secc_key = make_cert("p521", "secc")
    server_tls = server_context(secc_cert, secc_key) if use_tls else None
    client_tls = TlsClientConfig(trust_anchors=(secc_cert,)) if use_tls else None

    async def scenario() -> None:
        seen: asyncio.Future[BaseException | bytes] = asyncio.get_running_loop().create_future()

        async def watch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                seen.set_result(await reader.read(100))
            except ConnectionResetError as exc:
                seen.set_result(exc)
            writer.close()

        async with serving(watch, server_tls) as endpoint:
            connection = V2gConnection(endpoint, tls=client_tls)
            await connection.open()
            await asyncio.sleep(0.05)  # let the server's handler start reading
            await connection.reset()
            assert not connection.is_open
            async with asyncio.timeout(2):
                assert isinstance(await seen, ConnectionResetError)
            await connection.reset()  # idempotent

    asyncio.run(scenario())


def test_refused_connection_names_the_endpoint() -> None:
    async def scenario() -> None:
        async with serving(echo) as endpoint:
            pass  # the port is closed again
        with pytest.raises(ConnectError, match=str(endpoint.port)):
            await V2gConnection(endpoint, connect_timeout=2).open()

    asyncio.run(scenario())


def test_tls13_round_trip_records_session_and_writes_keylog(make_cert: CertFactory, tmp_path: Path) -> None:
    secc_cert, secc_key = make_cert("p521", "secc")
    keylog = tmp_path / "keys.log"
    config = TlsClientConfig(trust_anchors=(secc_cert,), keylog_file=keylog)

    async def scenario() -> None:
        async with (
            serving(echo, server_context(secc_cert, secc_key)) as endpoint,
            V2gConnection(endpoint, tls=config) as connection,
        ):
            await connection.send_frame(PayloadType.COMMON_MESSAGES, b"hello")
            assert (await connection.receive_frame(timeout=2)).payload == b"hello"
            session = connection.tls_session
            assert session is not None
            assert session.version == "TLSv1.3"
            assert session.cipher in ISO20_CIPHER_SUITES
            assert session.peer_certificate == ssl.PEM_cert_to_DER_cert(secc_cert.read_text())
            assert not [f for f in connection.findings if f.kind == "tls_session"]

    asyncio.run(scenario())
    lines = keylog.read_text().splitlines()
    assert any(line.startswith("CLIENT_HANDSHAKE_TRAFFIC_SECRET ") for line in lines)
    assert any(line.startswith("CLIENT_TRAFFIC_SECRET_0 ") for line in lines)


def test_mutual_tls_and_untrusted_secc(make_cert: CertFactory) -> None:
    secc_cert, secc_key = make_cert("p521", "secc")
    ev_cert, ev_key = make_cert("p521", "ev")
    stranger, _ = make_cert("p521", "stranger")
    server = server_context(secc_cert, secc_key, client_ca=ev_cert)

    async def scenario() -> None:
        mutual = TlsClientConfig(trust_anchors=(secc_cert,), client_certificate=ev_cert, client_key=ev_key)
        async with serving(echo, server) as endpoint:
            async with V2gConnection(endpoint, tls=mutual) as connection:
                await connection.send_frame(PayloadType.DC, b"x")
                assert (await connection.receive_frame(timeout=2)).payload == b"x"
            with pytest.raises(TlsHandshakeError, match="certificate verify failed"):
                await V2gConnection(endpoint, tls=TlsClientConfig(trust_anchors=(stranger,))).open()

    asyncio.run(scenario())


def test_tls_configuration_problems_are_lab_errors(tmp_path: Path) -> None:
    async def open_with(config: TlsClientConfig) -> None:
        await V2gConnection(Endpoint("127.0.0.1", 9), tls=config).open()

    with pytest.raises(LabError, match="trust anchor"):
        asyncio.run(open_with(TlsClientConfig()))
    with pytest.raises(LabError, match="cannot load trust anchor"):
        asyncio.run(open_with(TlsClientConfig(trust_anchors=(tmp_path / "missing.pem",))))
    with pytest.raises(LabError, match="both"):
        asyncio.run(open_with(TlsClientConfig(verify_peer=False, client_certificate=tmp_path / "c.pem")))


def test_frames_and_session_go_through_evidence(make_cert: CertFactory, tmp_path: Path) -> None:
    secc_cert, secc_key = make_cert("p521", "secc")
    evidence = Evidence(tmp_path / "run")
    evidence.begin_case("TC_TRANSPORT")

    async def scenario() -> None:
        config = TlsClientConfig(trust_anchors=(secc_cert,))
        async with (
            serving(echo, server_context(secc_cert, secc_key)) as endpoint,
            V2gConnection(endpoint, tls=config, evidence=evidence) as connection,
        ):
            await connection.send_frame(PayloadType.DC, b"\x01")
            await connection.receive_frame(timeout=2)
            await connection.send_raw(b"\xff")

    asyncio.run(scenario())
    paths, _ = evidence.end_case()
    entries = [json.loads(line) for line in (tmp_path / "run" / paths[0]).read_text().splitlines()]
    frames = [(e["direction"], e["raw"]) for e in entries if e["kind"] == "frame"]
    assert frames == [("tx", "01fe80040000000101"), ("rx", "01fe80040000000101"), ("tx", "ff")]
    assert any("TLSv1.3" in e.get("text", "") for e in entries if e["kind"] == "note")
