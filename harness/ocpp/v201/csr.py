"""What the CSMS checks in a station's SignCertificateRequest (A02/A03): a PEM encoded PKCS #10 request whose
signature verifies, a key of the size Part 6 asks for, and the subject the use case prescribes."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import NameOID

from harness.checks import require, require_equal
from harness.ocpp.messages import Received
from harness.verdict import Nonconformity

PEM_HEADER = "-----BEGIN CERTIFICATE REQUEST-----"


@dataclass(frozen=True)
class CsrRules:
    """`min_rsa_bits` None: only ECDSA keys (ISO 15118); a subject value None is not checked."""

    min_ec_bits: int
    min_rsa_bits: int | None
    common_name: str | None = None
    organization: str | None = None


def checked_csr(request: Received, rules: CsrRules) -> x509.CertificateSigningRequest:
    """The request's CSR, or a Nonconformity naming the first rule it breaks."""
    text = str(request.get("csr", ""))
    require(text.lstrip().startswith(PEM_HEADER), "the csr is not PEM encoded")
    try:
        csr = x509.load_pem_x509_csr(text.encode())
    except ValueError as exc:
        raise Nonconformity(f"the csr is not a valid PKCS #10 request: {exc}") from None
    require(csr.is_signature_valid, "the csr's signature does not verify")
    _check_key(csr.public_key(), rules)
    if rules.common_name is not None:
        require_equal(_attribute(csr.subject, NameOID.COMMON_NAME), rules.common_name, "commonName of the csr")
    if rules.organization is not None:
        require_equal(
            _attribute(csr.subject, NameOID.ORGANIZATION_NAME), rules.organization, "organizationName of the csr"
        )
    return csr


def _check_key(key: object, rules: CsrRules) -> None:
    if isinstance(key, ec.EllipticCurvePublicKey):
        bits = key.key_size
        require(bits >= rules.min_ec_bits, f"the csr's EC key has {bits} bits; at least {rules.min_ec_bits} needed")
        return
    if rules.min_rsa_bits is None:
        raise Nonconformity(f"the csr's key is {type(key).__name__}; ECDSA is required")
    if isinstance(key, (rsa.RSAPublicKey, dsa.DSAPublicKey)):
        bits = key.key_size
        require(bits >= rules.min_rsa_bits, f"the csr's key has {bits} bits; at least {rules.min_rsa_bits} needed")
        return
    raise Nonconformity(f"the csr's key is {type(key).__name__}; RSA, DSA or elliptic curve keys are allowed")


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None
