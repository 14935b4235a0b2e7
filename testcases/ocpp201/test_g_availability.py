"""Block G, Availability: connector status reporting (G01) and ChangeAvailability of an EVSE or station (G03, G04)."""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import expect_connector

BLOCK = "G Availability"


async def _change_availability(ctx: CaseContext, status: str, evse_id: int | None) -> None:
    """The Unavailable reusable state and its inverse: ChangeAvailability, then a report per affected connector."""
    payload: dict[str, Any] = {"operationalStatus": status}
    if evse_id is not None:
        payload["evse"] = {"id": evse_id}
    answer = await ctx.csms.call("ChangeAvailability", payload)
    require_equal(answer.get("status"), "Accepted", "ChangeAvailabilityResponse status")
    reported = "Unavailable" if status == "Inoperative" else "Available"
    for connector_evse, connector_id in ctx.connectors():
        if evse_id is None or connector_evse == evse_id:
            await expect_connector(ctx.csms, connector_evse, connector_id, reported)


@ocpp201_case(
    "TC_G_01_CS", "Connector status notification - Available to Occupied", BLOCK, ["G01", "N07"],
    ["G01.FR.01", "N07.FR.19"],
)  # fmt: skip
async def test_TC_G_01_CS(ctx: CaseContext) -> None:
    """Plugging in an EV is reported as connector status Occupied."""
    await states.ev_connected_pre_session(ctx, ctx.new_transaction())


@ocpp201_case(
    "TC_G_02_CS", "Connector status notification - Occupied to Available", BLOCK, ["G01", "N07"],
    ["G01.FR.01", "N07.FR.19"],
)  # fmt: skip
async def test_TC_G_02_CS(ctx: CaseContext) -> None:
    """Unplugging the EV (no transaction) is reported as connector status Available."""
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    await states.ev_disconnected(ctx, tx, transaction_ended=not tx.started)


@ocpp201_case(
    "TC_G_03_CS", "Change availability EVSE - Operative to Inoperative", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.06"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_03_CS(ctx: CaseContext) -> None:
    """An EVSE set Inoperative reports every one of its connectors Unavailable."""
    await _change_availability(ctx, "Inoperative", ctx.cfg.evse_id)


@ocpp201_case(
    "TC_G_04_CS", "Change availability EVSE - Inoperative to Operative", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.07"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_04_CS(ctx: CaseContext) -> None:
    """An Inoperative EVSE set Operative again reports its connectors Available."""
    await _change_availability(ctx, "Inoperative", ctx.cfg.evse_id)
    await _change_availability(ctx, "Operative", ctx.cfg.evse_id)


@ocpp201_case(
    "TC_G_05_CS", "Change availability charging station - Operative to Inoperative", BLOCK, ["G04"],
    ["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.05", "G04.FR.07"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_05_CS(ctx: CaseContext) -> None:
    """The whole station set Inoperative reports all connectors Unavailable."""
    await _change_availability(ctx, "Inoperative", None)
