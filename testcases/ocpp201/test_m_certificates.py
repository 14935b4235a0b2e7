"""Block M, ISO 15118 certificate management: install CA certificates (M05), list them (M03), delete them (M04),
and the OCSP status of a renewed V2G certificate (M06).

Each root is a real X.509 certificate made for the case; the station must report the RFC 6960 style hash data of
exactly that certificate. The cases never delete the CSMS root the lab connects with: they install their own.
"""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.v201 import certificates as certs
from harness.ocpp.v201.certificates import CaCertificate, new_root
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.v2g_renewal import (
    RenewedCertificate,
    V2gPki,
    install_v2g_and_mo_roots,
    renew_v2g_certificate,
    requested_certificate,
    status_answer,
)
from harness.verdict import Inconclusive

BLOCK = "M ISO 15118 certificate management"
CSMS_ROOT = "CSMSRootCertificate"
MANUFACTURER_ROOT = "ManufacturerRootCertificate"
V2G_ROOT = "V2GRootCertificate"
MO_ROOT = "MORootCertificate"
V2G_CHAIN = "V2GCertificateChain"
SECURE = "security_profile:2,3"
M03 = ["M03.FR.01", "M03.FR.03", "M03.FR.04"]


async def _install_then_list(ctx: CaseContext, certificate_type: str) -> None:
    """M05 main scenario: CertificateInstalled, then GetInstalledCertificates lists that very certificate."""
    root = new_root(certificate_type)
    await certs.certificate_installed(ctx.csms, root, precondition=False)
    await certs.get_installed_certificates(ctx.csms, [root], "step 2")


async def _installed_then_listed(ctx: CaseContext, certificate_types: list[str]) -> None:
    """M03: memory state CertificateInstalled per type, then GetInstalledCertificates for all of them at once."""
    roots = [new_root(certificate_type) for certificate_type in certificate_types]
    for root in roots:
        await certs.certificate_installed(ctx.csms, root, precondition=True)
    await certs.get_installed_certificates(ctx.csms, roots, "step 1")


def _lab_csms_root(ctx: CaseContext) -> CaCertificate | None:
    """The CSMS root the station connects with, when the harness knows it (security profiles 2 and 3)."""
    pki = ctx.server.pki if ctx.server is not None else None
    return CaCertificate(CSMS_ROOT, pki.authority) if pki is not None else None


# ---------------------------------------------------------------- M05 install CA certificates


@ocpp201_case(
    "TC_M_01_CS", "Install CA certificate - CSMSRootCertificate", BLOCK, ["M05"], ["M05.FR.01", "M05.FR.02"],
    needs=["certificate_management", SECURE],
)  # fmt: skip
async def test_TC_M_01_CS(ctx: CaseContext) -> None:
    """A second CSMS root is Accepted and then listed with its hash data.

    With AdditionalRootCertificateCheck true Part 6 wants a root signed by the old one, which this harness does not
    make yet: such a station is not applicable here.
    """
    await certs.require_no_additional_root_check(ctx.csms)
    await _install_then_list(ctx, CSMS_ROOT)


@ocpp201_case(
    "TC_M_02_CS", "Install CA certificate - ManufacturerRootCertificate", BLOCK, ["M05"], ["M05.FR.01", "M05.FR.02"],
    needs=["certificate_management"],
)  # fmt: skip
async def test_TC_M_02_CS(ctx: CaseContext) -> None:
    await _install_then_list(ctx, MANUFACTURER_ROOT)


@ocpp201_case(
    "TC_M_03_CS", "Install CA certificate - V2GRootCertificate", BLOCK, ["M05"], ["M05.FR.01", "M05.FR.02"],
    needs=["iso15118_certificates"],
)  # fmt: skip
async def test_TC_M_03_CS(ctx: CaseContext) -> None:
    await certs.require_no_additional_root_check(ctx.csms)
    await _install_then_list(ctx, V2G_ROOT)


@ocpp201_case(
    "TC_M_04_CS", "Install CA certificate - MORootCertificate", BLOCK, ["M05"], ["M05.FR.01", "M05.FR.02"],
    needs=["iso15118_certificates"],
)  # fmt: skip
async def test_TC_M_04_CS(ctx: CaseContext) -> None:
    await certs.require_no_additional_root_check(ctx.csms)
    await _install_then_list(ctx, MO_ROOT)


@ocpp201_case(
    "TC_M_07_CS", "Install CA certificate - expired certificate rejected", BLOCK, ["M05"],
    ["M05.FR.01", "M05.FR.07"], needs=["certificate_management", SECURE],
)  # fmt: skip
async def test_TC_M_07_CS(ctx: CaseContext) -> None:
    """A CSMS root whose validity ended yesterday is Rejected and does not show up among the installed ones."""
    await certs.require_no_additional_root_check(ctx.csms)
    expired = new_root(CSMS_ROOT, expired=True)
    answer = await certs.install(ctx.csms, expired)
    require_equal(answer.get("status"), "Rejected", "step 2: InstallCertificateResponse status for an expired root")
    listed = await certs.installed_ids(ctx.csms, [CSMS_ROOT])
    require_equal(listed.get("status"), "Accepted", "step 4: GetInstalledCertificateIdsResponse status")
    require(
        certs.find_entry(listed, CSMS_ROOT, expired.hash_data) is None,
        "step 4: the refused expired CSMS root is listed among the installed certificates",
    )


# ---------------------------------------------------------------- M03 retrieve certificates


@ocpp201_case(
    "TC_M_12_CS", "Retrieve certificates - CSMSRootCertificate", BLOCK, ["M03"], M03,
    needs=["certificate_management", SECURE],
)  # fmt: skip
async def test_TC_M_12_CS(ctx: CaseContext) -> None:
    await _installed_then_listed(ctx, [CSMS_ROOT])


@ocpp201_case(
    "TC_M_13_CS", "Retrieve certificates - ManufacturerRootCertificate", BLOCK, ["M03"], M03,
    needs=["certificate_management"],
)  # fmt: skip
async def test_TC_M_13_CS(ctx: CaseContext) -> None:
    await _installed_then_listed(ctx, [MANUFACTURER_ROOT])


@ocpp201_case(
    "TC_M_14_CS", "Retrieve certificates - V2GRootCertificate", BLOCK, ["M03"], M03,
    needs=["iso15118_certificates"],
)  # fmt: skip
async def test_TC_M_14_CS(ctx: CaseContext) -> None:
    await _installed_then_listed(ctx, [V2G_ROOT])


@ocpp201_case(
    "TC_M_15_CS", "Retrieve certificates - V2GCertificateChain", BLOCK, ["M03"], [*M03, "M03.FR.05"],
    needs=["iso15118_certificates"],
)  # fmt: skip
async def test_TC_M_15_CS(ctx: CaseContext) -> None:
    """The station's V2G certificate chain is listed with the hash data of its sub-CAs as children."""
    listed = await certs.installed_ids(ctx.csms, [V2G_CHAIN])
    require_equal(listed.get("status"), "Accepted", "step 1: GetInstalledCertificateIdsResponse status")
    chains = [e for e in certs.entries(listed) if e.get("certificateType") == V2G_CHAIN]
    require(bool(chains), "step 1: no entry of certificateType V2GCertificateChain")
    require(
        any(e.get("childCertificateHashData") for e in chains),
        "step 1: no V2GCertificateChain entry uses childCertificateHashData for its sub-CA certificates",
    )


@ocpp201_case(
    "TC_M_16_CS", "Retrieve certificates - MORootCertificate", BLOCK, ["M03"], M03,
    needs=["iso15118_certificates"],
)  # fmt: skip
async def test_TC_M_16_CS(ctx: CaseContext) -> None:
    await _installed_then_listed(ctx, [MO_ROOT])


@ocpp201_case(
    "TC_M_17_CS", "Retrieve certificates - CSMS and manufacturer roots", BLOCK, ["M03"], M03,
    needs=["certificate_management", SECURE],
)  # fmt: skip
async def test_TC_M_17_CS(ctx: CaseContext) -> None:
    await _installed_then_listed(ctx, [CSMS_ROOT, MANUFACTURER_ROOT])


@ocpp201_case(
    "TC_M_18_CS", "Retrieve certificates - all certificate types", BLOCK, ["M03"], M03,
    needs=["certificate_management", SECURE],
)  # fmt: skip
async def test_TC_M_18_CS(ctx: CaseContext) -> None:
    """Without certificateType the answer lists every type, so both freshly installed roots."""
    roots = [new_root(CSMS_ROOT), new_root(MANUFACTURER_ROOT)]
    for root in roots:
        await certs.certificate_installed(ctx.csms, root, precondition=True)
    listed = await certs.installed_ids(ctx.csms, None)
    for root in roots:
        certs.require_listed(listed, root, "step 2")


@ocpp201_case(
    "TC_M_19_CS", "Retrieve certificates - no matching certificate", BLOCK, ["M03"], ["M03.FR.01", "M03.FR.02"],
    needs=["certificate_management"],
)  # fmt: skip
async def test_TC_M_19_CS(ctx: CaseContext) -> None:
    """With no MO root installed (removed first if there was one) the answer is NotFound without a chain."""
    present = await certs.installed_ids(ctx.csms, [MO_ROOT])
    for entry in certs.entries(present):
        if entry.get("certificateType") != MO_ROOT:
            continue
        removed = await ctx.csms.call("DeleteCertificate", {"certificateHashData": entry["certificateHashData"]})
        if removed.get("status") != "Accepted":
            raise Inconclusive(f"configuration state not reached: an installed MO root could not be deleted "
                               f"({removed.get('status')})")  # fmt: skip
    listed = await certs.installed_ids(ctx.csms, [MO_ROOT])
    require_equal(listed.get("status"), "NotFound", "step 2: GetInstalledCertificateIdsResponse status")
    require(
        listed.get("certificateHashDataChain") is None,
        "step 2: certificateHashDataChain must be omitted when nothing matches",
    )


# ---------------------------------------------------------------- M04 delete a certificate


@ocpp201_case(
    "TC_M_20_CS", "Delete a certificate - success", BLOCK, ["M04"], ["M04.FR.01", "M04.FR.02"],
    needs=["certificate_management", SECURE],
)  # fmt: skip
async def test_TC_M_20_CS(ctx: CaseContext) -> None:
    """An extra CSMS root is installed first and then deleted, never the root the lab connects with."""
    root = new_root(CSMS_ROOT)
    await certs.certificate_installed(ctx.csms, root, precondition=True)
    await certs.get_installed_certificates(ctx.csms, [root], "step 1")
    answer = await ctx.csms.call("DeleteCertificate", {"certificateHashData": root.hash_data})
    require_equal(answer.get("status"), "Accepted", "step 3: DeleteCertificateResponse status")
    listed = await certs.installed_ids(ctx.csms, [CSMS_ROOT])
    require(
        certs.find_entry(listed, CSMS_ROOT, root.hash_data) is None,
        "step 4: the deleted CSMS root is still listed among the installed certificates",
    )


@ocpp201_case(
    "TC_M_22_CS", "Delete a certificate - no matching certificate", BLOCK, ["M04"], ["M04.FR.01", "M04.FR.04"],
    needs=["certificate_management", SECURE],
)  # fmt: skip
async def test_TC_M_22_CS(ctx: CaseContext) -> None:
    """Deleting a root the station never saw is NotFound; step 1 also checks the lab's CSMS root is listed."""
    lab_root = _lab_csms_root(ctx)
    if lab_root is not None:
        await certs.get_installed_certificates(ctx.csms, [lab_root], "step 1")
    else:
        listed = await certs.installed_ids(ctx.csms, [CSMS_ROOT])
        require_equal(listed.get("status"), "Accepted", "step 1: GetInstalledCertificateIdsResponse status")
    unknown = new_root(CSMS_ROOT)
    answer = await ctx.csms.call("DeleteCertificate", {"certificateHashData": unknown.hash_data})
    require_equal(answer.get("status"), "NotFound", "step 3: DeleteCertificateResponse status")


# ---------------------------------------------------------------- M06 certificate status (OCSP)


async def _renewed_v2g_certificate(ctx: CaseContext, pki: V2gPki, good: bool) -> list[RenewedCertificate]:
    """Memory states: this run's V2G root and an MO root installed, then RenewV2GChargingStationCertificate. The
    answer to the status request is set first: the station may ask as soon as it took the new certificate."""
    ctx.csms.respond("GetCertificateStatus", status_answer(pki, good))
    await install_v2g_and_mo_roots(ctx.csms, pki)
    return await renew_v2g_certificate(ctx.csms, pki, ctx.profile.identity.vendor)


@ocpp201_case(
    "TC_M_24_CS", "Get charging station certificate status - success", BLOCK, ["M06"], ["M06.FR.06", "M06.FR.07"],
    needs=["iso15118_certificates"],
)  # fmt: skip
async def test_TC_M_24_CS(ctx: CaseContext) -> None:
    """After its V2G certificate was renewed the station asks for its OCSP status and gets a signed OCSPResponse.

    Beyond Part 6 the harness checks that the request names a certificate of the renewed chain (hash data,
    responder URL): it cannot answer with the right OCSPResponse otherwise.
    """
    pki = V2gPki()
    renewed = await _renewed_v2g_certificate(ctx, pki, good=True)
    request = await ctx.csms.expect("GetCertificateStatus", what="after the renewal of the V2G certificate")
    requested_certificate(request, renewed)


@ocpp201_case(
    "TC_M_25_CS", "Get charging station certificate status - failed", BLOCK, ["M06"], ["M06.FR.04"],
    needs=["iso15118_certificates"],
)  # fmt: skip
async def test_TC_M_25_CS(ctx: CaseContext) -> None:
    """The station asks for the OCSP status of its renewed V2G certificate and copes with the answer Failed."""
    pki = V2gPki()
    await _renewed_v2g_certificate(ctx, pki, good=False)
    await ctx.csms.expect("GetCertificateStatus", what="after the renewal of the V2G certificate")
