"""Block D, Local Authorization List Management: SendLocalList (D01) and GetLocalListVersion (D02)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.ocpp.v201 import states
from harness.ocpp.v201.local_list import (
    LIST_VERSION,
    local_list_enabled,
    require_list_version,
    send_local_list,
    token_in_local_list,
)
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure

BLOCK = "D Local Authorization List Management"


async def _list_with_valid_token(ctx: CaseContext) -> None:
    """Configuration state (list enabled) and memory state IdTokenLocalAuthList for the valid idToken."""
    await local_list_enabled(ctx.csms)
    await token_in_local_list(ctx.csms, [(ctx.cfg.valid_id_token, "Accepted")])


@ocpp201_case("TC_D_01_CS", "Send local list - Full", BLOCK, ["D01"], ["D01.FR.02", "D01.FR.15"])
async def test_TC_D_01_CS(ctx: CaseContext) -> None:
    """A Full list is Accepted and its version is reported afterwards."""
    await local_list_enabled(ctx.csms)
    await send_local_list(ctx.csms, "Full", LIST_VERSION, [(ctx.cfg.valid_id_token, "Accepted")], "Accepted", "step 2")
    await require_list_version(ctx.csms, LIST_VERSION, "step 4")


@ocpp201_case("TC_D_02_CS", "Send local list - Differential update", BLOCK, ["D01"], ["D01.FR.02", "D01.FR.16"])
async def test_TC_D_02_CS(ctx: CaseContext) -> None:
    """A Differential list adding an idToken is Accepted and its version becomes the list's version."""
    second = ctx.cfg.second_valid_id_token or ctx.cfg.valid_id_token
    await _list_with_valid_token(ctx)
    await send_local_list(ctx.csms, "Differential", LIST_VERSION + 1, [(second, "Accepted")], "Accepted", "step 2")
    await require_list_version(ctx.csms, LIST_VERSION + 1, "step 4")


@ocpp201_case("TC_D_03_CS", "Send local list - Differential remove", BLOCK, ["D01"], ["D01.FR.02", "D01.FR.17"])
async def test_TC_D_03_CS(ctx: CaseContext) -> None:
    """A Differential list of entries without idTokenInfo (removals) is Accepted and takes its version."""
    await _list_with_valid_token(ctx)
    await send_local_list(
        ctx.csms, "Differential", LIST_VERSION + 1, [(ctx.cfg.valid_id_token, None)], "Accepted", "step 2"
    )
    await require_list_version(ctx.csms, LIST_VERSION + 1, "step 4")


@ocpp201_case("TC_D_04_CS", "Send local list - Full with empty list", BLOCK, ["D01"], ["D01.FR.02", "D01.FR.04"])
async def test_TC_D_04_CS(ctx: CaseContext) -> None:
    """An empty Full list (which clears the list) is Accepted and keeps the version it names."""
    await _list_with_valid_token(ctx)
    await send_local_list(ctx.csms, "Full", LIST_VERSION, [], "Accepted", "step 2")
    await require_list_version(ctx.csms, LIST_VERSION, "step 4")


@ocpp201_case(
    "TC_D_05_CS", "Send local list - Differential with empty list", BLOCK, ["D01"], ["D01.FR.02", "D01.FR.05"]
)
async def test_TC_D_05_CS(ctx: CaseContext) -> None:
    """An empty Differential list is Accepted and only changes the version."""
    await _list_with_valid_token(ctx)
    await send_local_list(ctx.csms, "Differential", LIST_VERSION + 1, [], "Accepted", "step 2")
    await require_list_version(ctx.csms, LIST_VERSION + 1, "step 4")


@ocpp201_case("TC_D_06_CS", "Send local list - VersionMismatch", BLOCK, ["D01"], ["D01.FR.19"])
async def test_TC_D_06_CS(ctx: CaseContext) -> None:
    """A Differential list older than the installed one is refused with VersionMismatch; the version stays."""
    second = ctx.cfg.second_valid_id_token or ctx.cfg.valid_id_token
    await _list_with_valid_token(ctx)
    await send_local_list(
        ctx.csms, "Differential", LIST_VERSION - 1, [(second, "Accepted")], "VersionMismatch", "step 2"
    )
    await require_list_version(ctx.csms, LIST_VERSION, "step 4")


@ocpp201_case("TC_D_07_CS", "Send local list - persistent over reboot", BLOCK, ["D01"], ["D01.FR.10"], needs=["reset"])
async def test_TC_D_07_CS(ctx: CaseContext) -> None:
    """The installed list keeps its version across a reboot."""
    await _list_with_valid_token(ctx)
    await states.booted(ctx, via="reset")
    await require_list_version(ctx.csms, LIST_VERSION, "step 2")


@ocpp201_case("TC_D_08_CS", "Get local list version - success", BLOCK, ["D02"], ["D02.FR.01"])
async def test_TC_D_08_CS(ctx: CaseContext) -> None:
    """GetLocalListVersion reports the version of the installed list."""
    await _list_with_valid_token(ctx)
    await require_list_version(ctx.csms, LIST_VERSION, "step 2")


@ocpp201_case("TC_D_10_CS", "Get local list version - list disabled", BLOCK, ["D02"], ["D02.FR.03"])
async def test_TC_D_10_CS(ctx: CaseContext) -> None:
    """With LocalAuthListEnabled false the reported version is 0.

    A list is installed before the list is switched off, so that a station that keeps reporting its stored
    version cannot pass by accident (Part 6 leaves the memory state open).
    """
    await _list_with_valid_token(ctx)
    await configure(ctx.csms, [("LocalAuthListCtrlr", "Enabled", "false")])
    await require_list_version(ctx.csms, 0, "step 2")
