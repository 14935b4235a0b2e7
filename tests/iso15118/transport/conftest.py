"""Throwaway certificates for the TLS tests, made at test time in a temporary folder (no key is ever committed)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest

KeyKind = str  # "p521", "p256", "ed448"
CertFactory = Callable[[KeyKind, str], tuple[Path, Path]]


@pytest.fixture
def make_cert(tmp_path: Path) -> CertFactory:
    """`make_cert(kind, name)` -> (certificate PEM, key PEM): a self-signed CA certificate usable as its own anchor."""
    pytest.importorskip("cryptography", reason="the TLS tests generate certificates with `cryptography`")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448
    from cryptography.x509.oid import NameOID

    def make(kind: KeyKind, name: str) -> tuple[Path, Path]:
        key: ec.EllipticCurvePrivateKey | ed448.Ed448PrivateKey
        digest: hashes.HashAlgorithm | None
        if kind == "p521":
            key, digest = ec.generate_private_key(ec.SECP521R1()), hashes.SHA512()
        elif kind == "p256":
            key, digest = ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()
        elif kind == "ed448":
            key, digest = ed448.Ed448PrivateKey.generate(), None
        else:
            raise ValueError(kind)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, digest)
        )
        cert_path, key_path = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return cert_path, key_path

    return make
