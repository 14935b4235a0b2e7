"""What the EV checks in the certificate a charger presents for ISO 15118-20 TLS, beyond what the handshake checks.

-20's PKI uses ECDSA on secp521r1 with SHA-512, or Ed448; a certificate must be inside its validity period. The
handshake already verifies the chain; these checks read the leaf itself so a case can say exactly what is wrong.
"""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, ed448
from cryptography.x509.oid import SignatureAlgorithmOID

ISO20_CURVE = "secp521r1"
ISO20_SIGNATURES = {
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: "ECDSA with SHA-512",
    SignatureAlgorithmOID.ED448: "Ed448",
}


def load(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def algorithm_problems(certificate: x509.Certificate) -> list[str]:
    """How the certificate's key and signature depart from the -20 algorithms (empty when they conform)."""
    problems = []
    key = certificate.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name != ISO20_CURVE:
            problems.append(f"its key is ECDSA on {key.curve.name}; -20 wants {ISO20_CURVE} or Ed448")
    elif not isinstance(key, ed448.Ed448PublicKey):
        problems.append(f"its key is {type(key).__name__.removesuffix('PublicKey')}; -20 wants {ISO20_CURVE} or Ed448")
    oid = certificate.signature_algorithm_oid
    if oid not in ISO20_SIGNATURES:
        problems.append(f"it is signed with {oid._name}; -20 wants {' or '.join(ISO20_SIGNATURES.values())}")
    return problems


def validity_problem(certificate: x509.Certificate, now: datetime.datetime | None = None) -> str | None:
    """Why the certificate is not valid at `now` (default: this moment), or None."""
    moment = now or datetime.datetime.now(datetime.UTC)
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if moment < start:
        return f"it is not valid before {start.isoformat()}"
    if moment > end:
        return f"it expired at {end.isoformat()}"
    return None


def summary(certificate: x509.Certificate) -> dict[str, str]:
    """The facts a report reader wants about the certificate, as text."""
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "not_before": certificate.not_valid_before_utc.isoformat(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
        "signature": certificate.signature_algorithm_oid._name,
        "key": _key_text(certificate.public_key()),
    }


def _key_text(key: object) -> str:
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"ECDSA {key.curve.name}"
    return type(key).__name__.removesuffix("PublicKey")
