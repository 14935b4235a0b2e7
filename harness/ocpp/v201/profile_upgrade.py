"""Raising the station's security profile from 2 to 3 (A05): a ChargingStationCertificate from the CSMS root, a
network connection profile at security profile 3 first in priority, a reset, and the reconnection with the client
certificate on the CSMS's profile 3 endpoint.

TC_A_19_CS checks exactly that. The cases whose prerequisite is "the active NetworkConnectionProfile uses security
profile 3" reach it the same way when the DUT profile's station runs at profile 2: Part 5 makes a station that
claims Advanced Security support profile 3, and A05 is how a CSMS moves it there. A station cannot be lowered
again over OCPP (B09.FR.04), so the CSMS server remembers the raise and the next baseline restores the factory
network configuration: the virtual lab through its control API, a real lab by asking the operator.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.checks import require_equal, require_in
from harness.dut import SECURITY_PROFILE_RAISED
from harness.ocpp.v201.network import FIRST_SLOT, SECOND_SLOT, connection_data, require_server
from harness.ocpp.v201.states import CaseContext, boot_completes
from harness.ocpp.v201.station_certificate import (
    StationCertificateSigner,
    csr_rules,
    renew_station_certificate,
    signer_for,
)
from harness.ocpp.v201.steps import read_variable
from harness.verdict import Inconclusive, Nonconformity

PRIORITY = ("OCPPCommCtrlr", "NetworkConfigurationPriority")


@dataclass(frozen=True)
class Raised:
    """The slot the station used before and the one at security profile 3 it uses now."""

    old_slot: int
    new_slot: int


async def raise_to_profile_3(ctx: CaseContext, signer: StationCertificateSigner) -> Raised:
    """Steps 1-9 of TC_A_19_CS from a station at profile 2 that holds a ChargingStationCertificate."""
    server = require_server(ctx)
    url = await server.profile_3_url()
    priority = await read_variable(ctx.csms, *PRIORITY)
    if not priority or not priority.split(",")[0].strip().isdigit():
        raise Inconclusive(f"the station reported OCPPCommCtrlr.NetworkConfigurationPriority as {priority!r}")
    old_slot = int(priority.split(",")[0])
    new_slot = SECOND_SLOT if old_slot != SECOND_SLOT else FIRST_SLOT
    data = connection_data(ctx, url, 3)
    answer = await ctx.csms.call("SetNetworkProfile", {"configurationSlot": new_slot, "connectionData": data})
    require_equal(answer.get("status"), "Accepted", "SetNetworkProfileResponse status (security profile 3)")
    # The station may boot into this profile from now on, and B09.FR.04 forbids every way back over OCPP.
    server.provisioning_changes.add(SECURITY_PROFILE_RAISED)
    setting = {
        "component": {"name": PRIORITY[0]},
        "variable": {"name": PRIORITY[1]},
        "attributeValue": f"{new_slot},{old_slot}",
    }
    result = (await ctx.csms.call("SetVariables", {"setVariableData": [setting]})).get("setVariableResult", [{}])[0]
    status = result.get("attributeStatus")
    require_in(status, ("Accepted", "RebootRequired"), "SetVariablesResponse attributeStatus (priority)")
    if status == "RebootRequired":
        reset = await ctx.csms.call("Reset", {"type": "OnIdle"})
        require_equal(reset.get("status"), "Accepted", "ResetResponse status")
    await boot_completes(ctx)
    require_equal(server.last_security_profile, 3, "security profile of the endpoint the station reconnected to")
    if server.client_certificate is None:
        raise Nonconformity("the station reconnected at security profile 3 without a client certificate")
    profile = await read_variable(ctx.csms, "SecurityCtrlr", "SecurityProfile")
    require_equal(profile, "3", "SecurityCtrlr.SecurityProfile after the reconnection")
    return Raised(old_slot, new_slot)


async def at_security_profile_3(ctx: CaseContext) -> None:
    """The prerequisite of the Advanced Security cases. A station already at profile 3 is left alone; one at 2 is
    raised, and a station that cannot be raised never reached the prerequisite (inconclusive: TC_A_19_CS is the
    case that judges the raise itself)."""
    if ctx.profile.ocpp.security_profile == 3:
        return
    ctx.csms.evidence.action("precondition: raise the station from security profile 2 to 3 (A05, as TC_A_19_CS)")
    signer = signer_for(ctx)
    try:
        await renew_station_certificate(ctx, signer, rules=await csr_rules(ctx, subject=False))
        await raise_to_profile_3(ctx, signer)
    except Nonconformity as exc:
        raise Inconclusive(f"the station could not be raised to security profile 3: {exc}") from None
