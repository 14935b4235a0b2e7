"""Block A, Security: the CSMS changes the station's HTTP Basic password (A01, security profiles 1 and 2).

The CSMS accepts exactly one password at a time: from the moment it sends a new one, only that one; the baseline
gives it back the DUT profile's password (and the virtual station's factory reset restores the station's).
"""

from __future__ import annotations

import asyncio
import time

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.dut import BASIC_AUTH_PASSWORD_CHANGED
from harness.ocpp.server import CsmsServer
from harness.ocpp.v201 import states
from harness.ocpp.v201.network import require_server
from harness.ocpp.v201.states import CaseContext
from harness.verdict import Nonconformity

BLOCK = "A Security"
A01 = ["A01.FR.01", "A01.FR.11", "A01.FR.12"]
NEW_PASSWORD = "Harness-new-password-A09"  # 24 identifierString characters
TOO_SHORT = "Short-pass-A10"  # 14 characters: below the 16 a password needs
POLL_S = 0.05


async def _set_password(ctx: CaseContext, value: str) -> str:
    """Step 1: SetVariables SecurityCtrlr.BasicAuthPassword; returns the attributeStatus."""
    setting = {
        "component": {"name": "SecurityCtrlr"},
        "variable": {"name": "BasicAuthPassword"},
        "attributeValue": value,
    }
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [setting]})
    return str(outcome.get("setVariableResult.0.attributeStatus"))


async def _reconnected(ctx: CaseContext, server: CsmsServer, connections_before: int) -> None:
    """Step 3-4: a new WebSocket connection, which the CSMS accepts only with the new password."""
    earlier = server.last_basic_auth  # what the connection in use sent; each new attempt brings its own
    deadline = time.monotonic() + ctx.timing.boot_timeout_s
    while ctx.csms.connection_count <= connections_before:
        tried = server.last_basic_auth
        if tried is not earlier and tried is not None and tried.password != NEW_PASSWORD:
            raise Nonconformity("step 3: the station tried to connect again with another password than the new one")
        if time.monotonic() > deadline:
            raise Nonconformity(
                f"step 3: the station did not connect again within {ctx.timing.boot_timeout_s:g} s "
                "of accepting the new BasicAuthPassword"
            )
        await asyncio.sleep(POLL_S)


@ocpp201_case(
    "TC_A_09_CS", "Update the HTTP Basic password - Accepted", BLOCK, ["A01"], [*A01, "B01.FR.01"],
    needs=["security_profile:1,2"],
)  # fmt: skip
async def test_TC_A_09_CS(ctx: CaseContext) -> None:
    """After Accepted the station connects again with `Basic base64(<identity>:<new password>)`; after
    RebootRequired it does so once it rebooted (the Reset is the harness's), and boots."""
    server = require_server(ctx)
    connections_before = ctx.csms.connection_count
    server.password = NEW_PASSWORD  # the CSMS now accepts nothing else
    server.provisioning_changes.add(BASIC_AUTH_PASSWORD_CHANGED)
    status = await _set_password(ctx, NEW_PASSWORD)
    require_in(status, ("Accepted", "RebootRequired"), "step 2: SetVariablesResponse attributeStatus")
    if status == "RebootRequired":
        await states.booted(ctx, via="reset")  # steps 5-8
    else:
        await _reconnected(ctx, server, connections_before)
    credentials = server.last_basic_auth
    require(credentials is not None, "step 3: the upgrade request had no HTTP Basic Authorization header")
    assert credentials is not None
    require_equal(credentials.user, credentials.path_identity, "step 3: Basic user name (the station identity)")
    require(credentials.password == NEW_PASSWORD, "step 3: the upgrade request did not carry the new password")


@ocpp201_case(
    "TC_A_10_CS", "Update the HTTP Basic password - Rejected", BLOCK, ["A01"], A01,
    needs=["security_profile:1,2"],
)  # fmt: skip
async def test_TC_A_10_CS(ctx: CaseContext) -> None:
    """A password shorter than 16 characters is Rejected; after a reboot the station still authenticates with the
    configured password (the post-scenario check), which is the only one the CSMS accepts."""
    server = require_server(ctx)
    status = await _set_password(ctx, TOO_SHORT)
    require_equal(status, "Rejected", "step 2: SetVariablesResponse attributeStatus for a 14-character password")
    await states.booted(ctx)  # steps 3-5
    credentials = server.last_basic_auth
    require(credentials is not None, "step 3: the upgrade request had no HTTP Basic Authorization header")
    assert credentials is not None
    require(
        credentials.password == ctx.profile.ocpp.password,
        "post-scenario: the station no longer authenticates with the configured BasicAuthPassword",
    )
