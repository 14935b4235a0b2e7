"""The virtual SECC's TLS: a -20 style PKI made when the station starts, and the server context built on it.

The chain mirrors a charge point operator's: V2G root CA -> CPO Sub-CA 1 -> CPO Sub-CA 2 -> SECC certificate,
all secp521r1 / ECDSA-SHA512. Only the root's certificate leaves the folder (the EV needs it as trust anchor);
the TLS faults change the certificate or the server's TLS settings in the ways the TLS cases check.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from harness.iso15118.transport.tls import server_context
from harness.pki import Authority, KeyAlgorithm, Validity
from harness.virtual import faults as F
from harness.virtual.faults import FaultSet

V2G_ROOT_FILE = "v2g-root.pem"
SECC_CHAIN_FILE = "secc.pem"  # the SECC certificate, then its sub-CAs: the station's V2GCertificateChain
WEAK_SUITE = ("TLS_AES_128_GCM_SHA256",)


@dataclass(frozen=True)
class SeccTls:
    context: ssl.SSLContext
    v2g_root: Path  # PEM of the root the EV must trust


def prepare_tls(directory: Path, evse_id: str, faults: FaultSet) -> SeccTls:
    """Make the PKI in `directory` and the TLS 1.3 server context for the SECC (faults applied)."""
    root = Authority.root("V2G Root CA (virtual lab)")
    issuer = root.subordinate("CPO Sub-CA 1 (virtual lab)").subordinate("CPO Sub-CA 2 (virtual lab)")
    if faults.active(F.SECC_TLS_UNTRUSTED_CERTIFICATE):
        issuer = Authority.root("Unknown Root CA").subordinate("Unknown Sub-CA")
    algorithm: KeyAlgorithm = "secp256r1" if faults.active(F.SECC_TLS_WEAK_KEY) else "secp521r1"
    validity = Validity.expired() if faults.active(F.SECC_TLS_EXPIRED_CERTIFICATE) else None
    leaf = issuer.issue(evse_id, algorithm=algorithm, validity=validity)
    certificate, key = leaf.write(directory, SECC_CHAIN_FILE.removesuffix(".pem"))
    suites = WEAK_SUITE if faults.active(F.SECC_TLS_WEAK_CIPHER) else None
    context = server_context(certificate, key, cipher_suites=suites)
    if faults.active(F.SECC_TLS_ACCEPTS_TLS12):
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    return SeccTls(context, root.write_certificate(directory / V2G_ROOT_FILE))
