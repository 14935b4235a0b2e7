"""Block A, Security: raising the security profile is refused while the station holds no CSMS root certificate
(A05.FR.02). The case runs on a station at security profile 1 that has no CSMSRootCertificate (Part 5 AQ-1)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.ocpp.v201.network import FIRST_SLOT, SECOND_SLOT, require_server, upgrade_refused
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import read_variable
from harness.verdict import Inconclusive

BLOCK = "A Security"
PRIORITY = ("OCPPCommCtrlr", "NetworkConfigurationPriority")
TLS_PROFILE = 2  # the configured securityProfile2: TLS with HTTP Basic, the step up from profile 1


@ocpp201_case(
    "TC_A_20_CS", "Security profile upgrade refused without a CSMS root", BLOCK, ["A05"], ["A05.FR.02"],
    needs=["security_profile:1"],
)  # fmt: skip
async def test_TC_A_20_CS(ctx: CaseContext) -> None:
    """A connection profile at security profile 2 may be stored in the free slot, but putting it first in
    NetworkConfigurationPriority is Rejected: without a CSMS root the station could not check the CSMS's TLS
    certificate."""
    server = require_server(ctx)
    priority = await read_variable(ctx.csms, *PRIORITY)
    if not priority or not priority.split(",")[0].strip().isdigit():
        raise Inconclusive(f"the station reported OCPPCommCtrlr.NetworkConfigurationPriority as {priority!r}")
    active_slot = int(priority.split(",")[0])
    new_slot = SECOND_SLOT if active_slot != SECOND_SLOT else FIRST_SLOT
    await upgrade_refused(ctx, server, new_slot, active_slot, TLS_PROFILE)
