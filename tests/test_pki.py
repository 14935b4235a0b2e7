"""The per-run PKI: chains that verify in a real TLS handshake, owner-only key files, and the broken variants."""

from __future__ import annotations

import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest

from harness.iso15118 import certificates
from harness.pki import Authority, Validity


def _handshake(chain: Path, key: Path, anchor: Path) -> str:
    """Serve one TLS 1.3 handshake on a socketpair and return the client's verdict ("ok" or the error)."""
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(chain, key)
    client_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_context.check_hostname = False
    client_context.load_verify_locations(anchor)
    server_end, client_end = socket.socketpair()
    server_end.settimeout(5)
    client_end.settimeout(5)

    def serve() -> None:
        try:
            with server_context.wrap_socket(server_end, server_side=True):
                pass
        except (ssl.SSLError, OSError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with client_context.wrap_socket(client_end):
            return "ok"
    except ssl.SSLError as exc:
        return str(exc)
    finally:
        client_end.close()
        thread.join(5)


def test_a_three_level_chain_verifies_against_its_root(tmp_path: Path) -> None:
    root = Authority.root("Test Root")
    issuer = root.subordinate("Sub 1").subordinate("Sub 2")
    chain, key = issuer.issue("DE*ABC*E1").write(tmp_path, "leaf")
    anchor = root.write_certificate(tmp_path / "root.pem")
    assert chain.read_bytes().count(b"BEGIN CERTIFICATE") == 3  # the leaf and both sub-CAs, not the root
    assert _handshake(chain, key, anchor) == "ok"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


def test_a_leaf_from_another_root_does_not_verify(tmp_path: Path) -> None:
    chain, key = Authority.root("Other Root").issue("leaf").write(tmp_path, "leaf")
    anchor = Authority.root("Test Root").write_certificate(tmp_path / "root.pem")
    assert "unable to get local issuer certificate" in _handshake(chain, key, anchor)


def test_an_expired_leaf_does_not_verify(tmp_path: Path) -> None:
    root = Authority.root("Test Root")
    chain, key = root.issue("leaf", validity=Validity.expired()).write(tmp_path, "leaf")
    assert "certificate has expired" in _handshake(chain, key, root.write_certificate(tmp_path / "root.pem"))


@pytest.mark.parametrize(
    ("algorithm", "problems"),
    [("secp521r1", []), ("ed448", []), ("secp256r1", ["its key is ECDSA on secp256r1"])],
)
def test_iso20_algorithm_check(algorithm: str, problems: list[str]) -> None:
    leaf = Authority.root("Test Root").issue("leaf", algorithm=algorithm).certificate  # type: ignore[arg-type]
    found = certificates.algorithm_problems(leaf)
    assert len(found) == len(problems) and all(f.startswith(p) for f, p in zip(found, problems, strict=True))


def test_a_p256_issuer_signs_with_sha256_which_iso20_does_not_allow() -> None:
    leaf = Authority.root("Weak Root", "secp256r1").issue("leaf").certificate
    assert any("signed with ecdsa-with-SHA256" in p for p in certificates.algorithm_problems(leaf))


def test_validity_is_read_from_the_certificate() -> None:
    root = Authority.root("Test Root")
    assert certificates.validity_problem(root.issue("fresh").certificate) is None
    problem = certificates.validity_problem(root.issue("old", validity=Validity.expired()).certificate)
    assert problem is not None and problem.startswith("it expired at")
