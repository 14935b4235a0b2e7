"""Steps of the cases that give the station a new CSMS root (M05 with AdditionalRootCertificateCheck, B10 with a new
CSMS): the root the station connects with now, a second root, and what GetInstalledCertificateIds must show.

The lab's CSMS root ("old" root) is the run's own in a virtual lab and the lab's in a real one; the harness holds its
key, so it can sign the "new" root with it, and the CSMS can present a server certificate of either root.
"""

from __future__ import annotations

from harness.checks import require, require_equal
from harness.dut import CSMS_ROOTS_CHANGED
from harness.ocpp.server import CsmsServer
from harness.ocpp.v201 import certificates as certs
from harness.ocpp.v201.certificates import CaCertificate
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, read_variable
from harness.verdict import LabError

CSMS_ROOT = "CSMSRootCertificate"


def tls_server(ctx: CaseContext) -> CsmsServer:
    if ctx.server is None or ctx.server.pki is None:
        raise LabError("this case needs the CSMS's TLS server (security profile 2 or 3)")
    return ctx.server


def old_root(ctx: CaseContext) -> CaCertificate:
    """The CSMS root the station trusts as the lab set it up: it signs the CSMS's certificate now."""
    pki = tls_server(ctx).pki
    assert pki is not None
    return CaCertificate(CSMS_ROOT, pki.authority)


async def additional_root_check_on(ctx: CaseContext) -> None:
    """Configuration state of the AS-2 cases: AdditionalRootCertificateCheck true. A station that reports it
    otherwise is asked to set it; one that will not never reached the state (inconclusive)."""
    if await read_variable(ctx.csms, "SecurityCtrlr", "AdditionalRootCertificateCheck") == "true":
        return
    await configure(ctx.csms, [("SecurityCtrlr", "AdditionalRootCertificateCheck", "true")])


async def refusal_and_back_off_s(ctx: CaseContext) -> float:
    """How long a reboot may take when its first connection attempt is refused: the lab's boot time, one
    back-off (RetryBackOffWaitMinimum plus at most RetryBackOffRandomRange) and a second of slack."""
    back_off = 0.0
    for variable in ("RetryBackOffWaitMinimum", "RetryBackOffRandomRange"):
        value = await read_variable(ctx.csms, "OCPPCommCtrlr", variable)
        back_off += float(value) if value is not None and value.isdigit() else ctx.timing.boot_timeout_s
    return ctx.timing.boot_timeout_s + back_off + 1.0


async def new_root_installed(ctx: CaseContext, *, signed_by_old: bool) -> CaCertificate:
    """Memory state CertificateInstalled for <Configured (new) CSMS Root certificate 2>: a self-signed root, or
    one signed by the old root (what AdditionalRootCertificateCheck asks for)."""
    root = certs.root_signed_by(CSMS_ROOT, old_root(ctx).authority) if signed_by_old else certs.new_root(CSMS_ROOT)
    tls_server(ctx).provisioning_changes.add(CSMS_ROOTS_CHANGED)  # the root's key ends with the run
    await certs.certificate_installed(ctx.csms, root, precondition=True)
    return root


async def require_csms_roots(ctx: CaseContext, step: str, *, listed: CaCertificate | None = None,
                             absent: CaCertificate | None = None) -> None:  # fmt: skip
    """GetInstalledCertificateIds for CSMS roots: Accepted, `listed` among them, `absent` not."""
    outcome = await certs.installed_ids(ctx.csms, [CSMS_ROOT])
    require_equal(outcome.get("status"), "Accepted", f"{step}: GetInstalledCertificateIdsResponse status")
    if listed is not None:
        certs.require_listed(outcome, listed, step)
    if absent is not None:
        require(
            certs.find_entry(outcome, CSMS_ROOT, absent.hash_data) is None,
            f"{step}: the old CSMS root (serial {absent.hash_data['serialNumber']}) is still installed",
        )
