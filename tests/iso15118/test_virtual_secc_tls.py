"""The virtual SECC's TLS, in one process over ::1: what SDP announces for each TLS declaration, and a -20 session
whose every message crosses TLS 1.3 while the capture holds only ciphertext plus the key log to decrypt it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from harness.iso15118.capture import SessionCapture, write_pcapng
from harness.iso15118.ev.flow import SessionFlow
from harness.iso15118.ev.parameters import EvParameters
from harness.iso15118.ev.record import SessionRecorder
from harness.iso15118.ev.session import EvSession
from harness.iso15118.sequence import ControlMode, EnergyService, State
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.sdp import Security
from harness.iso15118.transport.sdp_client import SdpClient
from harness.iso15118.transport.tls import TlsClientConfig
from harness.virtual.faults import FaultSet
from harness.virtual.secc.config import SeccConfig
from harness.virtual.secc.server import SeccServer
from tests.iso15118.test_virtual_secc import SHORT, FakeEvse
from tests.iso15118.transport.test_capture import DSB, walk_blocks


async def _announced(server: SeccServer, asked: Security) -> tuple[Security, int]:
    async with SdpClient("lo", unicast=("::1", server.sdp_port), security=asked) as sdp:
        response = (await sdp.discover()).response
    return response.security, response.port


@pytest.mark.parametrize(
    ("declared", "asked", "expected"),
    [
        ("optional", Security.TLS, "tls"),
        ("optional", Security.NO_TLS, "tcp"),
        ("required", Security.NO_TLS, "tls"),
        ("none", Security.TLS, "tcp"),
    ],
)
def test_sdp_announces_what_the_tls_declaration_allows(
    tmp_path: Path, declared: str, asked: Security, expected: str
) -> None:
    async def run() -> None:
        config = SeccConfig(timers=SHORT, tls=declared, pki_dir=tmp_path)  # type: ignore[arg-type]
        server = SeccServer(config, FakeEvse(), FaultSet())
        await server.start()
        try:
            security, port = await _announced(server, asked)
        finally:
            await server.stop()
        if expected == "tls":
            assert (security, port) == (Security.TLS, server.tls_port)
        else:
            assert (security, port) == (Security.NO_TLS, server.tcp_port)

    asyncio.run(run())


def test_a_dc_bpt_session_runs_over_tls_and_the_capture_can_be_decrypted(tmp_path: Path) -> None:
    keylog = tmp_path / "S1.keys"
    capture = SessionCapture()

    async def run() -> None:
        evse = FakeEvse()
        server = SeccServer(SeccConfig(timers=SHORT, tls="required", pki_dir=tmp_path / "pki"), evse, FaultSet())
        await server.start()
        assert server.v2g_root is not None and not (tmp_path / "pki" / "secc.key").stat().st_mode & 0o077
        try:
            async with SdpClient("lo", unicast=("::1", server.sdp_port), security=Security.TLS) as sdp:
                endpoint = (await sdp.discover()).endpoint()
            tls = TlsClientConfig(trust_anchors=(server.v2g_root,), keylog_file=keylog)
            connection = V2gConnection(endpoint, tls=tls, capture=capture)
            await connection.open()
            assert connection.tls_session is not None and connection.tls_session.version == "TLSv1.3"
            assert connection.tls_session.cipher == "TLS_AES_256_GCM_SHA384"

            async def authorize() -> None:
                evse.auth = True

            ev = EvParameters().with_service(EnergyService.DC_BPT, ControlMode.DYNAMIC, discharge=True)
            async with EvSession(connection, ev, SHORT, SessionRecorder("S1", None)) as session:
                flow = SessionFlow(session, authorize)
                await flow.full_session(1.0)
                assert session.state == State.ENDED
        finally:
            await server.stop()

    asyncio.run(run())
    sent = capture.stream("tx")
    assert sent.startswith(b"\x16\x03")  # a TLS handshake record, not a V2GTP header (0x01 0xFE)
    assert b"\x01\xfe\x80\x01" not in sent  # the supportedAppProtocolReq frame never crossed in the clear
    assert "CLIENT_TRAFFIC_SECRET_0" in (capture.tls_keylog or "")
    path = tmp_path / "S1.pcapng"
    write_pcapng(capture, path)
    assert [block.type for block in walk_blocks(path.read_bytes())].count(DSB) == 1
