"""Certificates made at run time for the TLS the harness and the virtual lab speak.

A run builds its own authorities (a root, sub-CAs below it) and issues leaves from them, including the broken
variants negative tests need: expired, from an unknown root, with a key or signature the standard does not allow.
Private keys are written only into a run's temporary folder with owner-only permissions; none is ever committed.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

KeyAlgorithm = Literal["secp521r1", "secp256r1", "ed448"]
PrivateKey = ec.EllipticCurvePrivateKey | ed448.Ed448PrivateKey

# Clock skew between the machine that issues and the one that verifies must not make a fresh certificate invalid.
BACKDATE = datetime.timedelta(minutes=10)
DEFAULT_LIFETIME = datetime.timedelta(days=2)


def generate_key(algorithm: KeyAlgorithm) -> PrivateKey:
    if algorithm == "secp521r1":
        return ec.generate_private_key(ec.SECP521R1())
    if algorithm == "secp256r1":
        return ec.generate_private_key(ec.SECP256R1())
    return ed448.Ed448PrivateKey.generate()


def signature_hash(key: PrivateKey) -> hashes.SHA512 | hashes.SHA256 | None:
    """The hash an issuer with `key` signs with: SHA-512 for P-521 (as ISO 15118-20 asks), none for Ed448."""
    if isinstance(key, ed448.Ed448PrivateKey):
        return None
    return hashes.SHA512() if key.curve.key_size >= 521 else hashes.SHA256()


@dataclass(frozen=True)
class Validity:
    not_before: datetime.datetime
    not_after: datetime.datetime

    @classmethod
    def from_now(cls, lifetime: datetime.timedelta = DEFAULT_LIFETIME) -> Validity:
        now = datetime.datetime.now(datetime.UTC)
        return cls(now - BACKDATE, now + lifetime)

    @classmethod
    def expired(cls, ago: datetime.timedelta = datetime.timedelta(days=1)) -> Validity:
        """A validity period that ended `ago` (and began a month before that)."""
        end = datetime.datetime.now(datetime.UTC) - ago
        return cls(end - datetime.timedelta(days=30), end)


@dataclass(frozen=True)
class Issued:
    """A certificate, its private key, and the intermediate certificates between it and its root."""

    certificate: x509.Certificate
    key: PrivateKey
    intermediates: tuple[x509.Certificate, ...] = ()  # the issuer first, the one below the root last

    def write(self, directory: Path, name: str) -> tuple[Path, Path]:
        """`name.pem` (certificate then intermediates, as TLS servers send them) and `name.key` (owner-only)."""
        directory.mkdir(parents=True, exist_ok=True)
        chain_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
        chain_path.write_bytes(b"".join(pem(c) for c in (self.certificate, *self.intermediates)))
        key_bytes = self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as key_file:
            key_file.write(key_bytes)
        return chain_path, key_path


class Authority:
    """A CA that issues certificates; `root()` makes a self-signed one, `subordinate()` one below it."""

    def __init__(self, issued: Issued) -> None:
        self.issued = issued

    @property
    def certificate(self) -> x509.Certificate:
        return self.issued.certificate

    @classmethod
    def root(
        cls, common_name: str, algorithm: KeyAlgorithm = "secp521r1", validity: Validity | None = None
    ) -> Authority:
        key = generate_key(algorithm)
        name = _name(common_name)
        builder = _builder(name, name, key, validity or Validity.from_now(datetime.timedelta(days=30)))
        certificate = _as_ca(builder, path_length=None).sign(key, signature_hash(key))
        return cls(Issued(certificate, key))

    def subordinate(self, common_name: str, algorithm: KeyAlgorithm = "secp521r1") -> Authority:
        key = generate_key(algorithm)
        builder = _builder(_name(common_name), self.certificate.subject, key, Validity.from_now())
        certificate = _as_ca(builder, path_length=None).sign(self.issued.key, signature_hash(self.issued.key))
        return Authority(Issued(certificate, key, self._chain()))

    def issue(
        self,
        common_name: str,
        *,
        algorithm: KeyAlgorithm = "secp521r1",
        validity: Validity | None = None,
        host_names: tuple[str, ...] = (),
        organization: str | None = None,
        server: bool = True,
    ) -> Issued:
        """An end-entity certificate for a TLS server (or, with `server=False`, a TLS client).

        `host_names` become subjectAltName entries: IP addresses as such, anything else as DNS names.
        """
        key = generate_key(algorithm)
        subject = _name(common_name, organization)
        builder = _builder(subject, self.certificate.subject, key, validity or Validity.from_now())
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(_key_usage(ca=False), critical=True)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if host_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(_alt_names(host_names)), critical=False)
        certificate = builder.sign(self.issued.key, signature_hash(self.issued.key))
        return Issued(certificate, key, self._chain())

    def certify(
        self, request: x509.CertificateSigningRequest, *, ocsp_url: str | None = None, server: bool = True
    ) -> tuple[x509.Certificate, tuple[x509.Certificate, ...]]:
        """An end-entity certificate for a CSR's subject and key (the key stays with whoever made the CSR), and
        the intermediates it must be sent with. `ocsp_url` adds an Authority Information Access OCSP entry."""
        validity, public_key = Validity.from_now(), request.public_key()
        if not isinstance(public_key, (ec.EllipticCurvePublicKey, ed448.Ed448PublicKey, rsa.RSAPublicKey)):
            raise ValueError(f"only EC, Ed448 and RSA keys are certified here, not {type(public_key).__name__}")
        builder = (
            x509.CertificateBuilder()
            .subject_name(request.subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(validity.not_before)
            .not_valid_after(validity.not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(_key_usage(ca=False), critical=True)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        if ocsp_url is not None:
            responder = x509.UniformResourceIdentifier(ocsp_url)
            access = x509.AccessDescription(AuthorityInformationAccessOID.OCSP, responder)
            builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
        return builder.sign(self.issued.key, signature_hash(self.issued.key)), self._chain()

    def write_certificate(self, path: Path) -> Path:
        """The CA's certificate alone (a trust anchor to hand to the other side)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pem(self.certificate))
        return path

    def _chain(self) -> tuple[x509.Certificate, ...]:
        """Certificates a leaf issued here must send: this CA and its intermediates, not a self-signed root."""
        if self.certificate.issuer == self.certificate.subject:
            return ()
        return (self.certificate, *self.issued.intermediates)


def load_authority(certificate: Path, key: Path) -> Authority:
    """A CA from PEM files (a lab's own root); ValueError or OSError when they cannot be read or do not match."""
    loaded = x509.load_pem_x509_certificate(certificate.read_bytes())
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    if not isinstance(private, (ec.EllipticCurvePrivateKey, ed448.Ed448PrivateKey)):
        raise ValueError(f"{key}: only EC and Ed448 CA keys are supported")
    if private.public_key() != loaded.public_key():
        raise ValueError(f"{key} is not the key of {certificate}")
    return Authority(Issued(loaded, private))


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(attributes)


def _alt_names(host_names: tuple[str, ...]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in host_names:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _builder(subject: x509.Name, issuer: x509.Name, key: PrivateKey, validity: Validity) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(validity.not_before)
        .not_valid_after(validity.not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def _as_ca(builder: x509.CertificateBuilder, *, path_length: int | None) -> x509.CertificateBuilder:
    return builder.add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True).add_extension(
        _key_usage(ca=True), critical=True
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not ca,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )
