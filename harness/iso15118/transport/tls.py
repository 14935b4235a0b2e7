"""TLS 1.3 as ISO 15118-20 wants it, built on stdlib `ssl` (see docs/iso15118-tls.md for what that can and cannot do).

The EV offers TLS 1.3 only, with the -20 cipher suites, verifies the SECC's chain against the configured trust
anchors but not a host name (an SECC is reached by link-local address, its certificate names a charger, not a
host), and sends no SNI unless asked. Whatever could not be enforced up front is checked after the handshake:
`session_problems` lists every deviation from -20 so the connection can record it as a finding.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path

from harness.iso15118.transport import openssl_native
from harness.verdict import LabError

TLS_VERSION = "TLSv1.3"
ISO20_CIPHER_SUITES = ("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256")
# Key exchange named by -20's PKI (marked "check" in the project's spec notes): not enforced by default.
ISO20_GROUPS = ("secp521r1", "X448")


@dataclass(frozen=True)
class TlsClientConfig:
    """How the EV side sets up TLS; None for suites/groups means OpenSSL's default offer."""

    trust_anchors: tuple[Path, ...] = ()
    verify_peer: bool = True
    client_certificate: Path | None = None
    client_key: Path | None = None
    server_name: str | None = None
    keylog_file: Path | None = None
    cipher_suites: tuple[str, ...] | None = ISO20_CIPHER_SUITES
    groups: tuple[str, ...] | None = None
    # Without it, suites that cannot be restricted here are offered as OpenSSL's defaults and checked afterwards.
    require_restriction: bool = False
    handshake_timeout: float = 10.0
    # Anything other than TLS 1.3 only is for negative tests (an EV that offers TLS 1.2 must be refused).
    versions: tuple[ssl.TLSVersion, ssl.TLSVersion] = (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3)


@dataclass(frozen=True)
class ClientContext:
    """The built context and what it really offers, which may be more than asked for (see `restricted`)."""

    context: ssl.SSLContext
    offered_suites: tuple[str, ...]
    offered_groups: tuple[str, ...] | None
    restricted: bool


@dataclass(frozen=True)
class TlsSession:
    """What a finished handshake negotiated; None where this interpreter cannot read it."""

    version: str | None
    cipher: str | None
    cipher_bits: int | None
    group: str | None
    peer_signature: str | None
    peer_certificate: bytes | None = field(repr=False)
    offered_suites: tuple[str, ...] = ()


def client_context(config: TlsClientConfig) -> ClientContext:
    """Build the EV's SSLContext; unreadable files or an impossible restriction are lab errors."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version, context.maximum_version = config.versions
    context.check_hostname = False
    if config.verify_peer:
        if not config.trust_anchors:
            raise LabError("TLS peer verification needs at least one trust anchor (V2G root) file")
        context.verify_mode = ssl.CERT_REQUIRED
        for anchor in config.trust_anchors:
            _load_anchor(context, anchor)
    else:
        context.verify_mode = ssl.CERT_NONE
    if (config.client_certificate is None) != (config.client_key is None):
        raise LabError("mutual TLS needs both a client certificate and its private key")
    if config.client_certificate is not None and config.client_key is not None:
        _load_chain(context, config.client_certificate, config.client_key)
    if config.keylog_file is not None:
        context.keylog_filename = str(config.keylog_file)
    restricted = _restrict(context, config.cipher_suites, config.groups, required=config.require_restriction)
    offered = tuple(c["name"] for c in context.get_ciphers() if c["protocol"] == TLS_VERSION)
    return ClientContext(context, offered, config.groups if restricted else None, restricted)


def server_context(
    certificate: Path,
    key: Path,
    *,
    client_ca: Path | None = None,
    cipher_suites: tuple[str, ...] | None = None,
    groups: tuple[str, ...] | None = None,
    keylog_file: Path | None = None,
) -> ssl.SSLContext:
    """A TLS 1.3 server context for the virtual SECC and tests; `client_ca` turns on mutual authentication."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.maximum_version = ssl.TLSVersion.TLSv1_3
    _load_chain(context, certificate, key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        _load_anchor(context, client_ca)
    if keylog_file is not None:
        context.keylog_filename = str(keylog_file)
    _restrict(context, cipher_suites, groups, required=True)
    return context


def describe_session(ssl_object: ssl.SSLObject | ssl.SSLSocket, offered_suites: tuple[str, ...]) -> TlsSession:
    cipher = ssl_object.cipher()
    return TlsSession(
        version=ssl_object.version(),
        cipher=cipher[0] if cipher else None,
        cipher_bits=cipher[2] if cipher else None,
        group=openssl_native.negotiated_group(ssl_object),
        peer_signature=openssl_native.peer_signature(ssl_object),
        peer_certificate=ssl_object.getpeercert(binary_form=True),
        offered_suites=offered_suites,
    )


def session_problems(session: TlsSession, *, groups: tuple[str, ...] | None = None) -> list[str]:
    """Each way the negotiated session departs from ISO 15118-20 (empty when it conforms)."""
    problems = []
    if session.version != TLS_VERSION:
        problems.append(f"negotiated {session.version}, ISO 15118-20 requires {TLS_VERSION}")
    if session.cipher not in ISO20_CIPHER_SUITES:
        problems.append(
            f"negotiated cipher suite {session.cipher}, ISO 15118-20 allows only {' and '.join(ISO20_CIPHER_SUITES)}"
        )
    if groups is not None and session.group is not None and session.group not in groups:
        problems.append(f"negotiated key-exchange group {session.group}, expected one of {', '.join(groups)}")
    return problems


def _restrict(
    context: ssl.SSLContext, suites: tuple[str, ...] | None, groups: tuple[str, ...] | None, *, required: bool
) -> bool:
    """Apply suite and group restrictions; True if everything asked for is in force."""
    done = True
    try:
        if suites is not None:
            done = openssl_native.set_tls13_suites(context, suites) and done
        if groups is not None:
            done = openssl_native.set_groups(context, groups) and done
    except (ValueError, RuntimeError, ssl.SSLError) as exc:
        raise LabError(f"cannot restrict TLS 1.3 suites {suites} / groups {groups}: {exc}") from None
    if not done and required:
        _, why = openssl_native.availability()
        raise LabError(f"this Python cannot restrict TLS 1.3 cipher suites or groups ({why or 'layout check failed'})")
    return done


def _load_anchor(context: ssl.SSLContext, anchor: Path) -> None:
    try:
        if anchor.is_dir():
            context.load_verify_locations(capath=str(anchor))
        else:
            context.load_verify_locations(cafile=str(anchor))
    except (OSError, ssl.SSLError) as exc:
        raise LabError(f"cannot load trust anchor {anchor}: {exc}") from None


def _load_chain(context: ssl.SSLContext, certificate: Path, key: Path) -> None:
    try:
        context.load_cert_chain(str(certificate), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise LabError(f"cannot load certificate {certificate} with key {key}: {exc}") from None
