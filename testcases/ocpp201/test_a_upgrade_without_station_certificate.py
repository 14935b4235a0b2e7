"""Block A, Security: raising the security profile to 3 is refused while the station holds no valid
ChargingStationCertificate (A05.FR.03). The case runs on a station at security profile 2 (TLS, so it holds a valid
CSMS root) whose station certificate can be removed outside OCPP (Part 5 AQ-3); the lab removes it first."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.dut import STATION_CERTIFICATE_REMOVED
from harness.ocpp.v201.network import FIRST_SLOT, SECOND_SLOT, require_server, upgrade_refused
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import read_variable
from harness.verdict import Inconclusive

BLOCK = "A Security"
PRIORITY = ("OCPPCommCtrlr", "NetworkConfigurationPriority")
CLIENT_CERTIFICATE_PROFILE = 3  # the configured securityProfile2: TLS with the station's client certificate


@ocpp201_case(
    "TC_A_21_CS", "Upgrade to profile 3 refused without a station certificate", BLOCK, ["A05"], ["A05.FR.03"],
    needs=["security_profile:2"],
)  # fmt: skip
async def test_TC_A_21_CS(ctx: CaseContext) -> None:
    """A connection profile at security profile 3 may be stored in the free slot, but putting it first in
    NetworkConfigurationPriority is Rejected: without a station certificate the station would have no client
    certificate to present there."""
    server = require_server(ctx)
    priority = await read_variable(ctx.csms, *PRIORITY)
    if not priority or not priority.split(",")[0].strip().isdigit():
        raise Inconclusive(f"the station reported OCPPCommCtrlr.NetworkConfigurationPriority as {priority!r}")
    active_slot = int(priority.split(",")[0])
    new_slot = SECOND_SLOT if active_slot != SECOND_SLOT else FIRST_SLOT
    # Prerequisite: no valid ChargingStationCertificate. OCPP can neither list nor delete it, so it goes outside
    # OCPP; the next baseline brings back the one the station had.
    server.provisioning_changes.add(STATION_CERTIFICATE_REMOVED)
    await ctx.dut.remove_station_certificate()
    await upgrade_refused(ctx, server, new_slot, active_slot, CLIENT_CERTIFICATE_PROFILE)
