"""What stdlib `ssl` on this interpreter can do for ISO 15118-20 TLS (docs/iso15118-tls.md rests on these facts).

Each test is a local TLS 1.3 handshake on 127.0.0.1 between a stdlib server and our client, with certificates made at
test time. A capability this interpreter lacks skips with the reason rather than failing.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import threading

import pytest

from harness.iso15118.transport import openssl_native
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.errors import TlsHandshakeError
from harness.iso15118.transport.ipv6 import Endpoint
from harness.iso15118.transport.tls import ISO20_CIPHER_SUITES, TlsClientConfig, client_context, server_context
from harness.verdict import Severity

from .conftest import CertFactory

NATIVE, NATIVE_WHY = openssl_native.availability()
needs_native = pytest.mark.skipif(not NATIVE, reason=f"OpenSSL knobs not reachable: {NATIVE_WHY}")
pytestmark = pytest.mark.skipif(not ssl.HAS_TLSv1_3, reason=f"{ssl.OPENSSL_VERSION} has no TLS 1.3")


def handshake(server: ssl.SSLContext, config: TlsClientConfig) -> V2gConnection:
    """Connect, complete the handshake, close; the returned connection keeps the session and findings."""

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            await reader.read(1)
        writer.close()

    async def scenario() -> V2gConnection:
        listener = await asyncio.start_server(accept, "127.0.0.1", 0, ssl=server)
        try:
            endpoint = Endpoint("127.0.0.1", listener.sockets[0].getsockname()[1])
            async with V2gConnection(endpoint, tls=config) as connection:
                return connection
        finally:
            listener.close()

    return asyncio.run(scenario())


def tls13_suites(context: ssl.SSLContext) -> tuple[str, ...]:
    return tuple(c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.3")


def test_default_tls13_offer_starts_with_the_iso20_suites() -> None:
    """Where suites cannot be restricted, the default offer must still prefer the two -20 suites."""
    default = tls13_suites(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
    assert default[:2] == ISO20_CIPHER_SUITES, ssl.OPENSSL_VERSION


def test_set_ciphers_does_not_touch_tls13_suites() -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    before = tls13_suites(context)
    context.set_ciphers("ECDHE+AESGCM")
    assert tls13_suites(context) == before


def test_python_311_has_no_set_ciphersuites() -> None:
    if hasattr(ssl.SSLContext, "set_ciphersuites"):
        pytest.skip("this Python restricts TLS 1.3 suites natively; the ctypes path is not needed")
    assert not hasattr(ssl.SSLContext, "set_groups")


@needs_native
def test_client_offers_only_iso20_suites() -> None:
    prepared = client_context(TlsClientConfig(verify_peer=False))
    assert prepared.restricted
    assert prepared.offered_suites == ISO20_CIPHER_SUITES


@needs_native
def test_secc_that_accepts_only_a_non_iso20_suite(make_cert: CertFactory) -> None:
    cert, key = make_cert("p521", "secc")
    aes128_only = server_context(cert, key, cipher_suites=("TLS_AES_128_GCM_SHA256",))
    with pytest.raises(TlsHandshakeError):
        handshake(aes128_only, TlsClientConfig(trust_anchors=(cert,)))
    # With OpenSSL's default offer the handshake succeeds, and the deviation becomes a finding.
    connection = handshake(aes128_only, TlsClientConfig(trust_anchors=(cert,), cipher_suites=None))
    assert connection.tls_session is not None and connection.tls_session.cipher == "TLS_AES_128_GCM_SHA256"
    [finding] = [f for f in connection.findings if f.kind == "tls_session"]
    assert finding.severity is Severity.NONCONFORMITY
    assert "TLS_AES_128_GCM_SHA256" in finding.message


@pytest.mark.parametrize("suite", ISO20_CIPHER_SUITES)
@needs_native
def test_each_iso20_suite_negotiates(make_cert: CertFactory, suite: str) -> None:
    cert, key = make_cert("p521", "secc")
    connection = handshake(server_context(cert, key, cipher_suites=(suite,)), TlsClientConfig(trust_anchors=(cert,)))
    assert connection.tls_session is not None and connection.tls_session.cipher == suite
    assert connection.findings == []


def test_set_ecdh_curve_restricts_tls13_groups(make_cert: CertFactory) -> None:
    """One group per side is possible with public API: a mismatch must fail the handshake."""
    cert, key = make_cert("p521", "secc")
    server = server_context(cert, key, groups=("secp521r1",))
    with pytest.raises(TlsHandshakeError):
        handshake(server, TlsClientConfig(trust_anchors=(cert,), groups=("X448",), cipher_suites=None))
    connection = handshake(server, TlsClientConfig(trust_anchors=(cert,), groups=("secp521r1",), cipher_suites=None))
    assert connection.tls_session is not None
    if NATIVE:
        assert connection.tls_session.group == "secp521r1"


@needs_native
@pytest.mark.parametrize("secc_group", ["secp521r1", "X448"])
def test_ev_offers_both_iso20_groups(make_cert: CertFactory, secc_group: str) -> None:
    cert, key = make_cert("p521", "secc")
    server = server_context(cert, key, groups=(secc_group,))
    connection = handshake(server, TlsClientConfig(trust_anchors=(cert,), groups=("secp521r1", "X448")))
    assert connection.tls_session is not None and connection.tls_session.group == secc_group
    assert connection.findings == []


@pytest.mark.parametrize(("kind", "signature"), [("p521", "id-ecPublicKey+SHA512"), ("ed448", "ED448")])
def test_secc_certificate_keys_of_the_iso20_pki(make_cert: CertFactory, kind: str, signature: str) -> None:
    """P-521 (ECDSA with SHA-512) and Ed448 SECC certificates load and sign the handshake."""
    cert, key = make_cert(kind, f"secc-{kind}")
    connection = handshake(server_context(cert, key), TlsClientConfig(trust_anchors=(cert,)))
    session = connection.tls_session
    assert session is not None and session.version == "TLSv1.3"
    if NATIVE:
        assert session.peer_signature == signature


@pytest.mark.parametrize("kind", ["p521", "ed448"])
def test_ev_certificate_keys_for_mutual_tls(make_cert: CertFactory, kind: str) -> None:
    secc_cert, secc_key = make_cert("p521", "secc")
    ev_cert, ev_key = make_cert(kind, f"ev-{kind}")
    server = server_context(secc_cert, secc_key, client_ca=ev_cert)
    config = TlsClientConfig(trust_anchors=(secc_cert,), client_certificate=ev_cert, client_key=ev_key)
    assert handshake(server, config).tls_session is not None

    # A blocking stdlib server, because asyncio's server closes without sending its alert when a handshake fails.
    listener = socket.create_server(("127.0.0.1", 0))
    refusal: list[BaseException] = []

    def serve_once() -> None:
        connection, _ = listener.accept()
        connection.settimeout(5)
        try:
            server.wrap_socket(connection, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            refusal.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=serve_once, daemon=True)
    thread.start()

    async def without_certificate() -> None:
        endpoint = Endpoint("127.0.0.1", listener.getsockname()[1])
        async with V2gConnection(endpoint, tls=TlsClientConfig(trust_anchors=(secc_cert,))) as connection:
            # TLS 1.3: the client's side of the handshake completes; the refusal is an alert read afterwards.
            with pytest.raises(TlsHandshakeError, match="CERTIFICATE_REQUIRED"):
                await connection.receive_frame(timeout=2)

    try:
        asyncio.run(without_certificate())
    finally:
        thread.join(5)
        listener.close()
    assert "PEER_DID_NOT_RETURN_A_CERTIFICATE" in str(refusal)


@pytest.mark.parametrize("secc_group", ["secp521r1", "X448"])
def test_default_offer_reaches_an_secc_limited_to_an_iso20_group(make_cert: CertFactory, secc_group: str) -> None:
    """OpenSSL's default group list includes both -20 groups, so interoperability needs no restriction."""
    cert, key = make_cert("p521", "secc")
    connection = handshake(server_context(cert, key, groups=(secc_group,)), TlsClientConfig(trust_anchors=(cert,)))
    assert connection.tls_session is not None
    if NATIVE:
        assert connection.tls_session.group == secc_group
