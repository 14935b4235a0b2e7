"""Network connection profiles as the CSMS sends them (B09 SetNetworkProfile), built from the lab's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.checks import require_equal, require_in
from harness.dut import NETWORK_PROFILE_CHANGED, SECURITY_PROFILE_RAISED
from harness.ocpp.server import CsmsServer
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import read_variable
from harness.verdict import Inconclusive, LabError

# Slot 1 holds the profile the station runs on (how a lab sets a charger up); cases write another one.
FIRST_SLOT, SECOND_SLOT = 1, 2
UNUSED_SLOT = SECOND_SLOT
OCPP_INTERFACE = "Wired0"


def connection_data(ctx: CaseContext, url: str, security_profile: int) -> dict[str, Any]:
    """A NetworkConnectionProfile for `url` with the lab's message timeout."""
    return {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": url,
        "messageTimeout": int(ctx.timing.message_timeout_s),
        "securityProfile": security_profile,
        "ocppInterface": OCPP_INTERFACE,
    }


@dataclass(frozen=True)
class Migration:
    """Which slot and CSMS endpoint are in use, and which ones a case moves the station to."""

    active_slot: int
    new_slot: int
    old_endpoint: str
    new_endpoint: str


async def plan_migration(ctx: CaseContext) -> Migration:
    """Part 6 lets the case use whichever of two slots and CSMS URLs is not in use now."""
    server = require_server(ctx)
    priority = await read_variable(ctx.csms, "OCPPCommCtrlr", "NetworkConfigurationPriority")
    if not priority:
        raise Inconclusive("the station did not report OCPPCommCtrlr.NetworkConfigurationPriority")
    active = int(priority.split(",")[0])
    old = server.last_endpoint or server.prefix
    new = server.alternate_prefix if old == server.prefix else server.prefix
    return Migration(active, SECOND_SLOT if active != SECOND_SLOT else FIRST_SLOT, old, new)


async def migrate(ctx: CaseContext, plan: Migration) -> None:
    """Steps 1-6 of B09/B10 migrations: the new profile, the new priority, and a reset when one is needed."""
    server = require_server(ctx)
    data = connection_data(ctx, server.url_of(plan.new_endpoint), ctx.profile.ocpp.security_profile)
    server.provisioning_changes.add(NETWORK_PROFILE_CHANGED)  # the new endpoint is the harness's, for this run
    answer = await ctx.csms.call("SetNetworkProfile", {"configurationSlot": plan.new_slot, "connectionData": data})
    require_equal(answer.get("status"), "Accepted", "SetNetworkProfileResponse status")
    priority = f"{plan.new_slot},{plan.active_slot}"
    setting = {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "NetworkConfigurationPriority"},
        "attributeValue": priority,
    }
    result = (await ctx.csms.call("SetVariables", {"setVariableData": [setting]})).get("setVariableResult", [{}])[0]
    require_in(result.get("attributeStatus"), ("Accepted", "RebootRequired"), "NetworkConfigurationPriority status")
    reset = await ctx.csms.call("Reset", {"type": "OnIdle"})
    require_equal(reset.get("status"), "Accepted", "ResetResponse status")


def require_server(ctx: CaseContext) -> CsmsServer:
    if ctx.server is None:
        raise LabError("this case needs the CSMS's own server")
    return ctx.server


async def upgrade_refused(ctx: CaseContext, server: CsmsServer, new_slot: int, active_slot: int, profile: int) -> None:
    """Steps 1-4 of A05's refusals: a profile for `new_slot` at security `profile` is Accepted, a priority that puts
    it first is Rejected. A station that takes the priority may boot into that profile: the baseline restores it."""
    # The endpoint not in use now, over TLS. No Reset follows, so a station that wrongly took the new priority would
    # only dial it after the case, when the next baseline has restored its network configuration.
    endpoint = server.alternate_prefix if (server.last_endpoint or server.prefix) == server.prefix else server.prefix
    url = server.url_of(endpoint).replace("ws://", "wss://", 1)
    server.provisioning_changes.add(NETWORK_PROFILE_CHANGED)
    data = connection_data(ctx, url, profile)
    answer = await ctx.csms.call("SetNetworkProfile", {"configurationSlot": new_slot, "connectionData": data})
    require_equal(answer.get("status"), "Accepted", "step 2: SetNetworkProfileResponse status")
    setting = {
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"},
        "attributeValue": f"{new_slot},{active_slot}",
    }  # fmt: skip
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [setting]})
    status = outcome.get("setVariableResult.0.attributeStatus")
    if status != "Rejected":
        server.provisioning_changes.add(SECURITY_PROFILE_RAISED)
    require_equal(status, "Rejected", "step 4: SetVariablesResponse setVariableResult[0].attributeStatus")
