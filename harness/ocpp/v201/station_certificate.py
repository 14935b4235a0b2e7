"""The CSMS side of renewing the station's own TLS client certificate (A02/A03, certificateType
ChargingStationCertificate) and the Part 6 memory state RenewChargingStationCertificate.

The CSMS signs the station's CSR with its root CA: the per-run one, or the lab's `csms.authority` a real charger
trusts. Before signing it checks what A00/A02 ask of the request: PKCS #10 in PEM, a valid signature, an RSA key
of 2048 bits or an EC key of 224 bits at least, CN = the station's serial number and O = SecurityCtrlr
.OrganizationName. For the negative case it can also certify the same request from a CA the station never trusted.
Private keys stay with whoever made them: the station keeps its own, the CAs live in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509

from harness.checks import require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201.csr import CsrRules, checked_csr
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import read_variable
from harness.pki import Authority, KeyAlgorithm, pem
from harness.verdict import Inconclusive, LabError

STATION_CERTIFICATE = "ChargingStationCertificate"
TRIGGER = "SignChargingStationCertificate"
MIN_EC_BITS, MIN_RSA_BITS = 224, 2048
OCPP_KEY: KeyAlgorithm = "secp256r1"


@dataclass
class StationCertificateSigner:
    """Signs ChargingStationCertificates with the CSMS root; `foreign` is a CA outside the station's trust."""

    authority: Authority
    foreign: Authority | None = None

    def sign(self, csr: x509.CertificateSigningRequest) -> tuple[x509.Certificate, str]:
        """The certificate for the CSR and the PEM chain CertificateSigned carries (leaf first)."""
        leaf, intermediates = self.authority.certify(csr, server=False)
        return leaf, "".join(pem(c).decode("ascii") for c in (leaf, *intermediates))

    def sign_foreign(self, csr: x509.CertificateSigningRequest) -> str:
        """A02.FR.07's invalid chain: the right subject and key, issued by a root the station does not trust."""
        if self.foreign is None:
            self.foreign = Authority.root("Unknown CSMS Root CA (harness run)", OCPP_KEY)
        leaf, _ = self.foreign.certify(csr, server=False)
        return pem(leaf).decode("ascii")


def signer_for(ctx: CaseContext) -> StationCertificateSigner:
    """The CSMS root of this run (TLS profiles 2 and 3 only: without TLS there is no CSMS root)."""
    pki = ctx.server.pki if ctx.server is not None else None
    if pki is None:
        raise LabError("signing the station's certificate needs the CSMS root CA (security profile 2 or 3)")
    return StationCertificateSigner(pki.authority)


@dataclass(frozen=True)
class SigningRequest:
    received: Received
    csr: x509.CertificateSigningRequest


async def csr_rules(ctx: CaseContext, *, subject: bool = True) -> CsrRules:
    """A02: CN = the station's serial number, O = the configured SecurityCtrlr.OrganizationName (`subject` False:
    the key and format only, for a renewal that merely reaches another case's prerequisite)."""
    if not subject:
        return CsrRules(MIN_EC_BITS, MIN_RSA_BITS)
    organization = await read_variable(ctx.csms, "SecurityCtrlr", "OrganizationName")
    if organization is None:
        raise Inconclusive("the station did not report SecurityCtrlr.OrganizationName, the CSR's required O")
    return CsrRules(MIN_EC_BITS, MIN_RSA_BITS, common_name=ctx.profile.identity.serial, organization=organization)


async def trigger_signing(ctx: CaseContext) -> None:
    """Step 1-2: TriggerMessage SignChargingStationCertificate, Accepted."""
    answer = await ctx.csms.call("TriggerMessage", {"requestedMessage": TRIGGER})
    require_equal(answer.get("status"), "Accepted", f"TriggerMessageResponse status for {TRIGGER}")


async def signing_request(ctx: CaseContext, rules: CsrRules, *, timeout: float | None = None) -> SigningRequest:
    """Step 3: a SignCertificateRequest for the station certificate, its CSR checked."""
    received = await ctx.csms.expect(
        "SignCertificate", _for_station_certificate, timeout=timeout, what="for the ChargingStationCertificate"
    )
    return SigningRequest(received, checked_csr(received, rules))


async def send_signed(ctx: CaseContext, chain: str) -> str | None:
    """Step 5: CertificateSigned ChargingStationCertificate; returns the response status."""
    payload = {"certificateChain": chain, "certificateType": STATION_CERTIFICATE}
    answer = await ctx.csms.call("CertificateSigned", payload)
    status = answer.get("status")
    return str(status) if status is not None else None


async def renew_station_certificate(
    ctx: CaseContext, signer: StationCertificateSigner, *, rules: CsrRules | None = None
) -> x509.Certificate:
    """Memory state RenewChargingStationCertificate: trigger, CSR, certificate from the CSMS root, Accepted."""
    rules = rules or await csr_rules(ctx)
    await trigger_signing(ctx)
    request = await signing_request(ctx, rules)
    leaf, chain = signer.sign(request.csr)
    require_equal(await send_signed(ctx, chain), "Accepted", "CertificateSignedResponse status")
    ctx.csms.evidence.note(f"the station holds a new ChargingStationCertificate, serial {leaf.serial_number:x}")
    return leaf


def _for_station_certificate(received: Received) -> bool:
    # certificateType is optional; a station that leaves it out means its ChargingStationCertificate (A02).
    return bool(received.get("certificateType", STATION_CERTIFICATE) == STATION_CERTIFICATE)
