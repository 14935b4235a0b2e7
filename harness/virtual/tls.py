"""The virtual station's side of OCPP security profiles 2 and 3: its TLS client context and how it reads failures.

A conformant station trusts only the installed CSMS root, checks the CSMS's name and validity, speaks TLS 1.2 or
newer, and reports a refused connection once it is back online (A00.FR.4xx: InvalidCsmsCertificate,
InvalidTLSVersion). The `tls-*` faults each drop one of those checks.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from harness.virtual import faults as F
from harness.virtual.faults import FaultSet

# OpenSSL's X509_V_FLAG_NO_CHECK_TIME: verify the chain but not the validity period (the fault needs it).
_NO_CHECK_TIME = 0x200000


@dataclass(frozen=True)
class StationTls:
    csms_root: Path
    client_certificate: Path | None = None
    client_key: Path | None = None


def client_context(settings: StationTls, faults: FaultSet, trusted_roots: str | None = None) -> ssl.SSLContext:
    """`trusted_roots` (PEM) replaces the provisioned CSMS root once the certificate store holds other ones."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if trusted_roots is not None:
        context.load_verify_locations(cadata=trusted_roots)
        # An installed CSMS root is a trust anchor even when it is not self-signed (AS-2: a new root signed by
        # the one it replaces), so the chain may end at it.
        context.verify_flags = ssl.VerifyFlags(context.verify_flags | ssl.VERIFY_X509_PARTIAL_CHAIN)
    else:
        context.load_verify_locations(settings.csms_root)
    if settings.client_certificate is not None and settings.client_key is not None:
        context.load_cert_chain(settings.client_certificate, settings.client_key)
    if faults.active(F.TLS_ACCEPTS_UNKNOWN_CA):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if faults.active(F.TLS_ACCEPTS_EXPIRED):
        context.verify_flags = ssl.VerifyFlags(context.verify_flags | _NO_CHECK_TIME)
    if faults.active(F.TLS_IGNORES_HOST_NAME):
        context.check_hostname = False
    if faults.active(F.TLS_ACCEPTS_OLD_VERSION):
        context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


def security_event_for(exc: BaseException) -> str | None:
    """The SecurityEventNotification type a failed connection calls for, or None (not a TLS refusal)."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "InvalidCsmsCertificate"
    if isinstance(exc, ssl.SSLError):
        text = f"{exc.reason or ''} {exc}".upper()
        if "VERSION" in text or "PROTOCOL" in text:
            return "InvalidTLSVersion"
    return None
