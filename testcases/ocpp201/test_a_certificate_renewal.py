"""Block A, Security: the CSMS renews the station's certificates (A02/A03) and raises its security profile (A05);
block M: the station's own certificate cannot be deleted (M04).

The CSMS signs the station's CSR with its own root CA (per run on the virtual lab, the lab's `csms.authority` on a
real one). A case that needs the station at security profile 3 while the DUT profile runs it at 2 raises it first,
as TC_A_19_CS does; the next baseline brings the factory network configuration back.
"""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.ocpp.messages import Received
from harness.ocpp.v201 import certificates as certs
from harness.ocpp.v201.certificates import CaCertificate, certificate_installed
from harness.ocpp.v201.csr import checked_csr
from harness.ocpp.v201.profile_upgrade import PRIORITY, at_security_profile_3, raise_to_profile_3
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.station_certificate import (
    csr_rules,
    renew_station_certificate,
    send_signed,
    signer_for,
    signing_request,
    trigger_signing,
)
from harness.ocpp.v201.steps import configure, read_variable
from harness.ocpp.v201.v2g_renewal import V2gPki, install_v2g_and_mo_roots, renew_v2g_certificate
from harness.verdict import Nonconformity

BLOCK = "A Security"
BLOCK_M = "M ISO 15118 certificate management"
A02_F06 = ["A02.FR.02", "A02.FR.03", "A02.FR.06"]
PROFILE_2_OR_3 = "security_profile:2,3"
INVALID_EVENT = "InvalidChargingStationCertificate"
COMBINED_TRIGGER = "SignCombinedCertificate"


@ocpp201_case(
    "TC_A_11_CS", "Renew the station certificate on request of the CSMS", BLOCK, ["A02", "F06"],
    [*A02_F06, "A02.FR.08", "A02.FR.09", "F06.FR.04", "F06.FR.05", "F06.FR.10"], needs=[PROFILE_2_OR_3],
)  # fmt: skip
async def test_TC_A_11_CS(ctx: CaseContext) -> None:
    """RenewChargingStationCertificate: trigger, a CSR with CN = serial number and O = OrganizationName, a
    certificate from the CSMS root, Accepted."""
    await at_security_profile_3(ctx)
    await renew_station_certificate(ctx, signer_for(ctx))


@ocpp201_case(
    "TC_A_12_CS", "Renew the V2G certificate on request of the CSMS", BLOCK, ["A02", "F06"],
    [*A02_F06, "A02.FR.13", "A02.FR.15", "F06.FR.04", "F06.FR.05", "F06.FR.10"], needs=["iso15118_certificates"],
)  # fmt: skip
async def test_TC_A_12_CS(ctx: CaseContext) -> None:
    """Memory state RenewV2GChargingStationCertificate. The V2G chain is this run's: its root is installed first,
    so that the station can verify the certificate the CSMS sends."""
    pki = V2gPki()
    await install_v2g_and_mo_roots(ctx.csms, pki)
    await renew_v2g_certificate(ctx.csms, pki, ctx.profile.identity.vendor)


@ocpp201_case(
    "TC_A_13_CS", "Renew the combined OCPP and V2G certificate on request of the CSMS", BLOCK, ["A00", "A02"],
    ["A00.FR.428", *A02_F06], needs=[PROFILE_2_OR_3, "iso15118_certificates"],
)  # fmt: skip
async def test_TC_A_13_CS(ctx: CaseContext) -> None:
    """A station with one certificate for both connections (Part 5 applies the case only then) at security
    profile 3: TriggerMessage SignCombinedCertificate, a CSR with a key of 224 bits or more, a certificate from this
    run's V2G sub-CA, Accepted. The run's V2G root is installed first so that the station can verify the chain."""
    await at_security_profile_3(ctx)
    pki = V2gPki()
    await certificate_installed(ctx.csms, pki.root_certificate, precondition=True)
    answer = await ctx.csms.call("TriggerMessage", {"requestedMessage": COMBINED_TRIGGER})
    require_equal(answer.get("status"), "Accepted", f"step 2: TriggerMessageResponse status for {COMBINED_TRIGGER}")
    request = await ctx.csms.expect("SignCertificate", what=f"after the {COMBINED_TRIGGER} trigger")
    _leaf, chain = pki.sign(checked_csr(request, await csr_rules(ctx, subject=False)))
    signed: dict[str, Any] = {"certificateChain": chain}
    if request.get("certificateType") is not None:
        # The message definition asks the CSMS to name the type whenever the request named one.
        signed["certificateType"] = request.get("certificateType")
    answer = await ctx.csms.call("CertificateSigned", signed)
    require_equal(answer.get("status"), "Accepted", "step 6: CertificateSignedResponse status")


@ocpp201_case(
    "TC_A_14_CS", "A certificate chain not from the CSMS root is rejected and reported", BLOCK, ["A02"],
    ["A02.FR.07", "A03.FR.07"], needs=[PROFILE_2_OR_3],
)  # fmt: skip
async def test_TC_A_14_CS(ctx: CaseContext) -> None:
    """The CSMS answers the CSR with a certificate for its key and subject issued by a root the station does not
    trust: CertificateSigned Rejected, then SecurityEventNotification InvalidChargingStationCertificate."""
    await at_security_profile_3(ctx)
    signer = signer_for(ctx)
    await trigger_signing(ctx)
    request = await signing_request(ctx, await csr_rules(ctx, subject=False))
    status = await send_signed(ctx, signer.sign_foreign(request.csr))
    require_equal(status, "Rejected", "CertificateSignedResponse status for a chain not from the CSMS root")
    await ctx.csms.expect(
        "SecurityEventNotification", lambda r: r.get("type") == INVALID_EVENT, what=f"of type {INVALID_EVENT}"
    )


@ocpp201_case(
    "TC_A_15_CS", "The station copes with the CSMS rejecting its SignCertificate", BLOCK, ["A02"], [],
    needs=[PROFILE_2_OR_3],
)  # fmt: skip
async def test_TC_A_15_CS(ctx: CaseContext) -> None:
    await at_security_profile_3(ctx)
    ctx.csms.respond("SignCertificate", lambda _: {"status": "Rejected"})
    await trigger_signing(ctx)
    await ctx.csms.expect("SignCertificate", what="after the trigger (the CSMS answers Rejected)")


@ocpp201_case(
    "TC_A_23_CS", "The CSR is resent while no CertificateSigned arrives", BLOCK, ["A02", "F06"],
    ["A02.FR.17", "A02.FR.18"], needs=[PROFILE_2_OR_3],
)  # fmt: skip
async def test_TC_A_23_CS(ctx: CaseContext) -> None:
    """With CertSigningRepeatTimes 1 the CSR comes again after CertSigningWaitMinimum and after twice that, never
    earlier; a certificate made from the first CSR is then Accepted."""
    await at_security_profile_3(ctx)
    wait = ctx.cfg.cert_signing_wait_minimum_s
    await configure(
        ctx.csms,
        [("SecurityCtrlr", "CertSigningWaitMinimum", str(wait)), ("SecurityCtrlr", "CertSigningRepeatTimes", "1")],
    )
    rules = await csr_rules(ctx, subject=False)
    await trigger_signing(ctx)
    first = await signing_request(ctx, rules)
    slack = ctx.timing.time_tolerance_s
    second = await signing_request(ctx, rules, timeout=wait + slack)
    _require_not_before(first.received, second.received, wait, "the first resend (step 6)")
    third = await signing_request(ctx, rules, timeout=2 * wait + slack)
    _require_not_before(second.received, third.received, 2 * wait, "the second resend (step 9)")
    _leaf, chain = signer_for(ctx).sign(first.csr)
    require_equal(await send_signed(ctx, chain), "Accepted", "CertificateSignedResponse status")


def _require_not_before(previous: Received, resend: Received, wait: float, what: str) -> None:
    gap = resend.mono - previous.mono
    ok = gap >= wait
    require(ok, f"{what} came {gap:.2f} s after the previous SignCertificateRequest, before the {wait:g} s wait")


@ocpp201_case(
    "TC_A_19_CS", "Raise the security profile from 2 to 3", BLOCK, ["A05"],
    ["A05.FR.04", "A05.FR.05", "A05.FR.06"], needs=["security_profile:2"],
)  # fmt: skip
async def test_TC_A_19_CS(ctx: CaseContext) -> None:
    """A certificate from the CSMS root first (memory state RenewChargingStationCertificate), then a profile at
    security profile 3 first in priority and a reset: the station must come back with its client certificate,
    report SecurityProfile 3 and have dropped the old slot from NetworkConfigurationPriority.

    A station that starts at profile 1 would first need a CSMS root and TLS: this harness serves profile 1
    without TLS, so it runs the case from profile 2 only."""
    signer = signer_for(ctx)
    await renew_station_certificate(ctx, signer)
    raised = await raise_to_profile_3(ctx, signer)  # steps 1-11: SecurityProfile must read 3
    priority = await read_variable(ctx.csms, *PRIORITY)
    if priority is None:
        raise Nonconformity("the station did not report OCPPCommCtrlr.NetworkConfigurationPriority")
    slots = [member.strip() for member in priority.split(",")]
    require(str(raised.old_slot) not in slots, f"NetworkConfigurationPriority {priority!r} still has {raised.old_slot}")


@ocpp201_case(
    "TC_M_23_CS", "Delete certificate - the station's own certificate is refused", BLOCK_M, ["M04"],
    ["M04.FR.01", "M04.FR.06"], needs=[PROFILE_2_OR_3],
)  # fmt: skip
async def test_TC_M_23_CS(ctx: CaseContext) -> None:
    """A certificate from the CSMS root (memory state RenewChargingStationCertificate), the installed certificates
    listed, and DeleteCertificate for the station's certificate: NotFound or Failed, never Accepted."""
    signer = signer_for(ctx)
    leaf = await renew_station_certificate(ctx, signer)
    listed = await certs.installed_ids(ctx.csms, None)
    certs.require_listed(listed, CaCertificate("CSMSRootCertificate", signer.authority), "step 1")
    own = certs.hash_data(leaf, signer.authority.certificate)
    answer = await ctx.csms.call("DeleteCertificate", {"certificateHashData": own})
    require_in(answer.get("status"), ("NotFound", "Failed"), "DeleteCertificateResponse status (own certificate)")
