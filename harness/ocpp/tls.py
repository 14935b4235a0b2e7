"""The CSMS side of OCPP security profiles 2 and 3: a per-run PKI, the server's TLS contexts, and what they saw.

Profile 2 is TLS with HTTP Basic authentication, profile 3 TLS with a client certificate (OCPP 2.0.1 Part 2 A00,
Part 4). The CSMS root CA is made per run (virtual lab) or given by the lab (the charger already trusts it, and
the harness issues this run's server certificates from it). Besides the valid server certificate the negative
cases need broken ones (unknown CA, expired, a name that is not the CSMS's) and a server that speaks TLS 1.1 only.
"""

from __future__ import annotations

import datetime
import ssl
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from harness.pki import Authority, Issued, KeyAlgorithm, Validity

TlsVariant = Literal["valid", "unknown_ca", "expired", "wrong_name", "tls_1_1"]
INVALID_CERTIFICATES: tuple[TlsVariant, ...] = ("unknown_ca", "expired", "wrong_name")
# OCPP allows RSA and ECC; P-256 keeps the handshake fast and is what the ECDHE_ECDSA suites of A00 need.
OCPP_KEY: KeyAlgorithm = "secp256r1"
WRONG_HOST = "not-the-csms.invalid"
_CLIENT_HELLO = 1  # TLS handshake message type


@dataclass
class HandshakeLog:
    """Client hellos the server saw, per variant in force, so a case can tell "tried and gave up" from "silent"."""

    hellos: dict[str, int] = field(default_factory=dict)

    def saw_hello(self, variant: str) -> None:
        self.hellos[variant] = self.hellos.get(variant, 0) + 1

    def count(self, variant: str) -> int:
        return self.hellos.get(variant, 0)


class CsmsPki:
    """Certificates for the CSMS's TLS and for the station's client certificate, all written into `directory`."""

    def __init__(self, directory: Path, hosts: tuple[str, ...], authority: Authority | None = None) -> None:
        self.directory, self.hosts = directory, hosts
        self.authority = authority or Authority.root("CSMS Root CA (harness run)", OCPP_KEY)
        self.root_certificate = self.authority.write_certificate(directory / "csms-root.pem")
        self._server: dict[str, tuple[Path, Path]] = {}
        self._other_roots: dict[int, tuple[Path, Path]] = {}

    def server_files_from(self, issuer: Authority) -> tuple[Path, Path]:
        """A valid server certificate issued by another CSMS root than the run's (B10/M05: a new CSMS root)."""
        serial = issuer.certificate.serial_number
        if serial not in self._other_roots:
            issued = issuer.issue(self.hosts[0], algorithm=OCPP_KEY, host_names=self.hosts)
            self._other_roots[serial] = issued.write(self.directory, f"csms-root-{serial:x}")
        return self._other_roots[serial]

    def server_files(self, variant: TlsVariant) -> tuple[Path, Path]:
        """(certificate chain, key) of the server certificate `variant` (tls_1_1 uses the valid one)."""
        name = "valid" if variant == "tls_1_1" else variant
        if name not in self._server:
            self._server[name] = self._issue_server(name).write(self.directory, f"csms-{name}")
        return self._server[name]

    def _issue_server(self, variant: str) -> Issued:
        host = self.hosts[0]
        if variant == "unknown_ca":
            return Authority.root("Unknown Root CA", OCPP_KEY).issue(host, algorithm=OCPP_KEY, host_names=self.hosts)
        if variant == "expired":
            return self.authority.issue(host, algorithm=OCPP_KEY, host_names=self.hosts, validity=Validity.expired())
        if variant == "wrong_name":
            return self.authority.issue(WRONG_HOST, algorithm=OCPP_KEY, host_names=(WRONG_HOST,))
        return self.authority.issue(host, algorithm=OCPP_KEY, host_names=self.hosts)

    def station_files(self, serial_number: str, organization: str) -> tuple[Path, Path]:
        """A ChargingStationCertificate (A00: CN = the station's serial number, O = its organization)."""
        issued = self.authority.issue(serial_number, algorithm=OCPP_KEY, organization=organization, server=False)
        return issued.write(self.directory, "station")


def server_context(
    pki: CsmsPki,
    variant: TlsVariant,
    *,
    client_certificates: bool,
    log: HandshakeLog | None = None,
    issuer: Authority | None = None,
) -> ssl.SSLContext:
    """The CSMS's TLS server context: TLS 1.2 or newer (tls_1_1: nothing newer than 1.1), profile 3 wants a client
    certificate issued by the CSMS root. `issuer`: the valid server certificate comes from that other root."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if variant == "tls_1_1":
        # OpenSSL 3 refuses TLS 1.1 at its default security level; level 0 lets the server offer it at all.
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        with warnings.catch_warnings():  # deprecated on purpose: this server exists to be refused
            warnings.simplefilter("ignore", DeprecationWarning)
            context.maximum_version = ssl.TLSVersion.TLSv1_1
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    else:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(*(pki.server_files_from(issuer) if issuer is not None else pki.server_files(variant)))
    if client_certificates:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(pki.root_certificate)
    if log is not None:
        _watch_hellos(context, lambda: log.saw_hello(variant))
    return context


def _watch_hellos(context: ssl.SSLContext, saw_hello: Callable[[], None]) -> None:
    """Count ClientHellos. CPython's message callback (a debugging hook, `_msg_callback`) sees them before version
    negotiation, so a hello the server refuses for its version counts too; the SNI callback, the public fallback,
    runs only after a successful version negotiation."""
    if hasattr(context, "_msg_callback"):

        def on_message(
            _conn: object, direction: str, _version: object, _kind: object, message: object, _data: bytes
        ) -> None:
            if direction == "read" and message == _CLIENT_HELLO:
                saw_hello()

        context._msg_callback = on_message
    else:
        context.sni_callback = lambda _obj, _name, _ctx: saw_hello()


@dataclass(frozen=True)
class ClientCertificate:
    """What the station's client certificate says, for A00's checks (CN = serial number, key size, PEM/X.509)."""

    subject: str
    common_name: str | None
    organization: str | None
    serial_number: int
    key: str
    key_bits: int
    not_after: datetime.datetime

    @classmethod
    def from_der(cls, der: bytes) -> ClientCertificate:
        certificate = x509.load_der_x509_certificate(der)
        key = certificate.public_key()
        bits = int(getattr(key, "key_size", 0))
        return cls(
            subject=certificate.subject.rfc4514_string(),
            common_name=_attribute(certificate.subject, x509.oid.NameOID.COMMON_NAME),
            organization=_attribute(certificate.subject, x509.oid.NameOID.ORGANIZATION_NAME),
            serial_number=certificate.serial_number,
            key=type(key).__name__.removeprefix("_").removesuffix("PublicKey"),
            key_bits=bits,
            not_after=certificate.not_valid_after_utc,
        )


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def pem_of(der: bytes) -> str:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()
