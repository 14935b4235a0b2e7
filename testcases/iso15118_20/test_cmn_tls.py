"""Common: TLS between EV and charger (ISO 15118-20 transport security).

-20 asks for TLS 1.3 with TLS_AES_256_GCM_SHA384 or TLS_CHACHA20_POLY1305_SHA256, a charger certificate that
chains to a V2G root and uses secp521r1 / ECDSA-SHA512 or Ed448, and no fallback to older TLS versions. Each case
keeps a packet capture and the TLS key log of its connections, so Wireshark shows the decrypted messages.
"""

from __future__ import annotations

import ssl

from cryptography import x509

from harness.catalogue import iso15118_case
from harness.checks import require, require_equal
from harness.evidence import Evidence
from harness.iso15118 import certificates
from harness.iso15118.ev.role import EvRole
from harness.iso15118.sequence import State
from harness.iso15118.transport.errors import TlsHandshakeError
from harness.iso15118.transport.tls import ISO20_CIPHER_SUITES, TLS_VERSION, TlsSession
from harness.verdict import Nonconformity

TLS = "TLS"
TLS_RULES = "ISO 15118-20 TLS: version 1.3, suites TLS_AES_256_GCM_SHA384 / TLS_CHACHA20_POLY1305_SHA256"
PKI_RULES = "ISO 15118-20 PKI: SECC certificate chains to a V2G root, secp521r1 ECDSA-SHA512 or Ed448"
SDP_RULES = "ISO 15118-20 SDP: security 0x00 = TLS"


async def _peer_certificate(ev: EvRole, evidence: Evidence) -> x509.Certificate:
    """The charger's leaf certificate, read in a handshake that does not verify it (so a bad one still arrives)."""
    endpoint = await ev.discover_tls()
    config = ev.tls_config(evidence.attachment_path("probe.keys"), verify_peer=False)
    session = await ev.tls_handshake(config, endpoint)
    if session.peer_certificate is None:
        raise Nonconformity("the charger sent no certificate in the TLS handshake")
    certificate = certificates.load(session.peer_certificate)
    evidence.measurement("SECC certificate", certificates.summary(certificate))
    return certificate


@iso15118_case(
    "TC_SECC_CMN_VTB_TLS_001", "An EV asking for TLS gets a TLS endpoint and a TLS 1.3 session with a -20 suite", TLS,
    [SDP_RULES, TLS_RULES], needs=["iso15118.tls"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_TLS_001(ev: EvRole, evidence: Evidence) -> None:
    """SDP with security TLS, the handshake, then the session set up over it up to SessionSetupRes."""
    await ev.plug_in()
    async with ev.session(ev.default_parameters(), tls=True) as session:
        tls = session.connection.tls_session
        if tls is None:
            raise RuntimeError("the connection reports no TLS session after a TLS handshake")  # ours: an error
        evidence.measurement("TLS session", {"version": tls.version, "cipher": tls.cipher, "group": tls.group})
        require_equal(tls.version, TLS_VERSION, "negotiated TLS version")
        require(
            tls.cipher in ISO20_CIPHER_SUITES,
            f"the charger negotiated {tls.cipher}; -20 allows only {' and '.join(ISO20_CIPHER_SUITES)}",
        )
        await ev.flow(session).run_to(State.SESSION_ESTABLISHED)


@iso15118_case(
    "TC_SECC_CMN_VTB_TLS_002", "The charger's certificate chain verifies against the V2G root", TLS, [PKI_RULES],
    needs=["iso15118.tls"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_TLS_002(ev: EvRole, evidence: Evidence) -> None:
    """A verifying handshake: the chain the charger sends must lead to the V2G root the DUT profile names."""
    await ev.plug_in()
    endpoint = await ev.discover_tls()
    config = ev.tls_config(evidence.attachment_path("verify.keys"))
    try:
        session = await ev.tls_handshake(config, endpoint)
    except TlsHandshakeError as exc:
        raise Nonconformity(f"the charger's certificate does not verify against the V2G root: {exc}") from None
    _record(evidence, session)


@iso15118_case(
    "TC_SECC_CMN_VTB_TLS_003", "The charger's certificate is inside its validity period", TLS, [PKI_RULES],
    needs=["iso15118.tls"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_TLS_003(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    certificate = await _peer_certificate(ev, evidence)
    problem = certificates.validity_problem(certificate)
    require(problem is None, f"the charger's TLS certificate is not valid now: {problem}")


@iso15118_case(
    "TC_SECC_CMN_VTB_TLS_004", "The charger's certificate uses the -20 key and signature algorithms", TLS, [PKI_RULES],
    needs=["iso15118.tls"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_TLS_004(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    certificate = await _peer_certificate(ev, evidence)
    problems = certificates.algorithm_problems(certificate)
    require(not problems, f"the charger's TLS certificate: {'; '.join(problems)}")


@iso15118_case(
    "TC_SECC_CMN_VTB_TLS_005", "An EV offering only TLS 1.2 is refused (no fallback below TLS 1.3)", TLS, [TLS_RULES],
    needs=["iso15118.tls"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_TLS_005(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    endpoint = await ev.discover_tls()
    tls12_only = (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2)
    config = ev.tls_config(verify_peer=False, versions=tls12_only, cipher_suites=None)
    try:
        session = await ev.tls_handshake(config, endpoint)
    except TlsHandshakeError as exc:
        evidence.note(f"TLS 1.2 refused as required: {exc}")
        return
    _record(evidence, session)
    raise Nonconformity(f"the charger accepted a {session.version} handshake ({session.cipher}); -20 requires TLS 1.3")


@iso15118_case(
    "TC_SECC_CMN_VTB_TLS_006", "A complete session over TLS, from SessionSetup to SessionStop", TLS,
    [TLS_RULES, "ISO 15118-20 8.3.4.3.10 SessionStopReq/Res"], needs=["iso15118.tls"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_TLS_006(ev: EvRole) -> None:
    """Energy flows and the session ends cleanly with every message inside the TLS channel."""
    await ev.plug_in()
    async with ev.session(ev.default_parameters(), tls=True) as session:
        await ev.flow(session).full_session(1.0)
        require_equal(session.state, State.ENDED, "session state after SessionStop over TLS")


def _record(evidence: Evidence, session: TlsSession) -> None:
    evidence.measurement(
        "TLS handshake", {"version": session.version, "cipher": session.cipher, "group": session.group}
    )
