"""Block M, certificate management: a new CSMS root with AdditionalRootCertificateCheck true (M05, AS-2).

The station then holds one CSMS root: a new one must be signed by the old one, replaces it, and the old one stays
only as a fallback until the station connected with the new one. The CSMS signs its server certificate with
whichever root a step needs; the old root is the lab's (the run's own in a virtual lab).
"""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.v201 import certificates as certs
from harness.ocpp.v201.root_replacement import (
    CSMS_ROOT,
    additional_root_check_on,
    new_root_installed,
    old_root,
    refusal_and_back_off_s,
    require_csms_roots,
    tls_server,
)
from harness.ocpp.v201.states import CaseContext, boot_completes
from harness.ocpp.v201.station_certificate import StationCertificateSigner, csr_rules, renew_station_certificate

BLOCK = "M ISO 15118 certificate management"


async def _reset_on_idle(ctx: CaseContext) -> None:
    answer = await ctx.csms.call("Reset", {"type": "OnIdle"})
    require_equal(answer.get("status"), "Accepted", "step 2: ResetResponse status")


@ocpp201_case(
    "TC_M_09_CS", "Install CA certificate - AdditionalRootCertificateCheck - Rejected", BLOCK, ["M05"],
    ["M05.FR.10", "M05.FR.11"], needs=["certificate_management", "security_profile:2,3"],
)  # fmt: skip
async def test_TC_M_09_CS(ctx: CaseContext) -> None:
    """A self-signed CSMS root, not signed by the old one, is Rejected; the old root is still the one installed."""
    tls_server(ctx)
    await additional_root_check_on(ctx)
    unrelated = certs.new_root(CSMS_ROOT)
    answer = await certs.install(ctx.csms, unrelated)
    require_equal(answer.get("status"), "Rejected", "step 2: InstallCertificateResponse status")
    await require_csms_roots(ctx, "step 4", listed=old_root(ctx))


@ocpp201_case(
    "TC_M_30_CS", "Install CA certificate - AdditionalRootCertificateCheck - reconnect with the new root",
    BLOCK, ["M05"], ["M05.FR.13"], needs=["certificate_management", "security_profile:2,3"],
)  # fmt: skip
async def test_TC_M_30_CS(ctx: CaseContext) -> None:
    """After the reset the CSMS presents a certificate of the new root only: the station must connect, and then
    no longer hold the old root. With security profile 3 the station first gets a certificate of the new PKI."""
    server = tls_server(ctx)
    await additional_root_check_on(ctx)
    new = await new_root_installed(ctx, signed_by_old=True)
    if ctx.profile.ocpp.security_profile == 3:
        signer = StationCertificateSigner(new.authority)
        await renew_station_certificate(ctx, signer, rules=await csr_rules(ctx, subject=False))
    await _reset_on_idle(ctx)
    await server.serve_tls("valid", issuer=new.authority)  # step 3: a certificate of the new root
    await boot_completes(ctx)
    await require_csms_roots(ctx, "step 7", absent=old_root(ctx))


@ocpp201_case(
    "TC_M_31_CS", "Install CA certificate - AdditionalRootCertificateCheck - fall back to the old root",
    BLOCK, ["M05"], ["M05.FR.14"], needs=["certificate_management", "security_profile:2,3"],
)  # fmt: skip
async def test_TC_M_31_CS(ctx: CaseContext) -> None:
    """The CSMS keeps presenting a certificate of the old root: the new root refuses it (step 4), the station
    validates it again with the old root and connects (step 5), and the old root is still installed (step 8)."""
    server = tls_server(ctx)
    await additional_root_check_on(ctx)
    await new_root_installed(ctx, signed_by_old=True)
    limit = await refusal_and_back_off_s(ctx)
    hellos_before = server.handshakes.count("valid")
    await _reset_on_idle(ctx)
    await boot_completes(ctx, timeout=limit)
    tried = server.handshakes.count("valid") - hellos_before
    ctx.csms.evidence.note(f"{tried} TLS handshake(s) between the reset and the boot")
    await require_csms_roots(ctx, "step 8", listed=old_root(ctx))
