"""Block G, Availability: ChangeAvailability of the station, an EVSE or a connector in every starting state (G03,
G04), during a transaction (Scheduled until it ends) and across a reboot (persistence)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.v201 import states
from harness.ocpp.v201.availability_steps import (
    change_availability,
    expect_reported,
    last_reported,
    reboot_with_statuses,
    targets,
    unavailable,
)
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import expect_connector, expect_transaction_event

BLOCK = "G Availability"


async def _set(ctx: CaseContext, status: str, evse_id: int | None, connector_id: int | None, step: str) -> None:
    """Step 1/2 of most G cases: the request, answered Accepted."""
    answer = await change_availability(ctx, status, evse_id, connector_id)
    require_equal(answer, "Accepted", f"{step}: ChangeAvailabilityResponse status")


async def _inoperative_during_transaction(ctx: CaseContext, evse_id: int | None, connector_id: int | None) -> None:
    """G_11/G_14/G_17: Scheduled while charging; Unavailable reported once the transaction has ended."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await change_availability(ctx, "Inoperative", evse_id, connector_id)
    require_equal(answer, "Scheduled", "step 2: ChangeAvailabilityResponse status")
    # Connectors of EVSEs without a transaction go Unavailable at once (G04 step 3); ours waits for its end.
    mine = [(e, c) for e, c in targets(ctx, evse_id, connector_id) if e == tx.evse_id]
    for evse, connector in targets(ctx, evse_id, connector_id):
        if (evse, connector) not in mine:
            await expect_connector(ctx.csms, evse, connector, "Unavailable")
    stop = await states.stop_authorized(ctx, tx)
    ended = stop.get("eventType") == "Ended"
    if not ended:
        post = await states.ev_connected_post_session(ctx, tx, stop)
        ended = post.get("eventType") == "Ended"
    if ended:
        for evse, connector in mine:
            await expect_connector(ctx.csms, evse, connector, "Unavailable")
    await ctx.dut.unplug(tx.evse_id, tx.connector_id)
    if not ended:
        await expect_transaction_event(
            ctx.csms, tx, "ending the transaction after unplugging", extra=lambda r: r.get("eventType") == "Ended"
        )
        for evse, connector in mine:
            await expect_connector(ctx.csms, evse, connector, "Unavailable")
    # Post scenario: the Scheduled change took effect and nothing reported the connector available again.
    for evse, connector in mine:
        last = last_reported(ctx, evse, connector)
        require_equal(last, "Unavailable", f"post scenario: state of connector {evse}/{connector}")


@ocpp201_case(
    "TC_G_06_CS", "Change availability charging station - Inoperative to Operative", BLOCK, ["G04"],
    ["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.05", "G04.FR.08"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_06_CS(ctx: CaseContext) -> None:
    """The Inoperative station set Operative again reports every connector Available."""
    await unavailable(ctx)
    await _set(ctx, "Operative", None, None, "step 2")
    for evse, connector in ctx.connectors():
        await expect_connector(ctx.csms, evse, connector, "Available")


@ocpp201_case(
    "TC_G_07_CS", "Change availability connector - Operative to Inoperative", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.06"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_07_CS(ctx: CaseContext) -> None:
    """A connector set Inoperative is reported Unavailable."""
    await unavailable(ctx, ctx.cfg.evse_id, ctx.cfg.connector_id)


@ocpp201_case(
    "TC_G_08_CS", "Change availability connector - Inoperative to Operative", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.07"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_08_CS(ctx: CaseContext) -> None:
    """An Inoperative connector set Operative again is reported Available."""
    evse_id, connector_id = ctx.cfg.evse_id, ctx.cfg.connector_id
    await unavailable(ctx, evse_id, connector_id)
    await _set(ctx, "Operative", evse_id, connector_id, "step 2")
    await expect_connector(ctx.csms, evse_id, connector_id, "Available")


@ocpp201_case(
    "TC_G_09_CS", "Change availability EVSE - Operative to Operative", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.03", "G03.FR.04"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_09_CS(ctx: CaseContext) -> None:
    """Asking an Operative EVSE to be Operative is Accepted."""
    await _set(ctx, "Operative", ctx.cfg.evse_id, None, "step 2")


@ocpp201_case(
    "TC_G_10_CS", "Change availability EVSE - Inoperative to Inoperative", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.03", "G03.FR.04"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_10_CS(ctx: CaseContext) -> None:
    """Asking an Inoperative EVSE to be Inoperative is Accepted; its connectors stay Unavailable."""
    await unavailable(ctx, ctx.cfg.evse_id)
    await _set(ctx, "Inoperative", ctx.cfg.evse_id, None, "step 2")
    await expect_reported(ctx, ctx.cfg.evse_id, None, "Unavailable")


@ocpp201_case(
    "TC_G_11_CS", "Change availability EVSE - with ongoing transaction", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.05"], needs=["availability", "local_authorization"],
)  # fmt: skip
async def test_TC_G_11_CS(ctx: CaseContext) -> None:
    """An EVSE set Inoperative while charging answers Scheduled and goes Unavailable when the transaction ends."""
    await _inoperative_during_transaction(ctx, ctx.cfg.evse_id, None)


@ocpp201_case(
    "TC_G_12_CS", "Change availability charging station - Operative to Operative", BLOCK, ["G04"],
    ["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.04", "G04.FR.05"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_12_CS(ctx: CaseContext) -> None:
    """Asking an Operative station to be Operative is Accepted; every connector stays Available."""
    await _set(ctx, "Operative", None, None, "step 2")
    await expect_reported(ctx, None, None, "Available")


@ocpp201_case(
    "TC_G_13_CS", "Change availability charging station - Inoperative to Inoperative", BLOCK, ["G04"],
    ["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.04", "G04.FR.05"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_13_CS(ctx: CaseContext) -> None:
    """Asking an Inoperative station to be Inoperative is Accepted; every connector stays Unavailable."""
    await unavailable(ctx)
    await _set(ctx, "Inoperative", None, None, "step 2")
    await expect_reported(ctx, None, None, "Unavailable")


@ocpp201_case(
    "TC_G_14_CS", "Change availability charging station - with ongoing transaction", BLOCK, ["G04"],
    ["G04.FR.01", "G04.FR.02", "G04.FR.03", "G04.FR.05", "G04.FR.06"], needs=["availability", "local_authorization"],
)  # fmt: skip
async def test_TC_G_14_CS(ctx: CaseContext) -> None:
    """The station set Inoperative while charging answers Scheduled; the EVSE goes Unavailable after the end."""
    await _inoperative_during_transaction(ctx, None, None)


@ocpp201_case(
    "TC_G_15_CS", "Change availability connector - Operative to Operative", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.03", "G03.FR.04"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_15_CS(ctx: CaseContext) -> None:
    """Asking an Operative connector to be Operative is Accepted; it stays Available."""
    await _set(ctx, "Operative", ctx.cfg.evse_id, ctx.cfg.connector_id, "step 2")
    await expect_reported(ctx, None, None, "Available")


@ocpp201_case(
    "TC_G_16_CS", "Change availability connector - Inoperative to Inoperative", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.03", "G03.FR.04"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_16_CS(ctx: CaseContext) -> None:
    """Asking an Inoperative connector to be Inoperative is Accepted; it stays Unavailable."""
    evse_id, connector_id = ctx.cfg.evse_id, ctx.cfg.connector_id
    await unavailable(ctx, evse_id, connector_id)
    await _set(ctx, "Inoperative", evse_id, connector_id, "step 2")
    await expect_reported(ctx, evse_id, connector_id, "Unavailable")


@ocpp201_case(
    "TC_G_17_CS", "Change availability connector - with ongoing transaction", BLOCK, ["G03"],
    ["G03.FR.01", "G03.FR.02", "G03.FR.04", "G03.FR.05"], needs=["availability", "local_authorization"],
)  # fmt: skip
async def test_TC_G_17_CS(ctx: CaseContext) -> None:
    """A connector set Inoperative while charging answers Scheduled and goes Unavailable after the end."""
    await _inoperative_during_transaction(ctx, ctx.cfg.evse_id, ctx.cfg.connector_id)


@ocpp201_case(
    "TC_G_18_CS", "Change availability EVSE - state persists across reboot", BLOCK, ["G03", "G01"],
    ["G03.FR.08", "G01.FR.01"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_18_CS(ctx: CaseContext) -> None:
    """An Inoperative EVSE is still Unavailable after the station rebooted."""
    evse_id = ctx.cfg.evse_id
    await unavailable(ctx, evse_id)
    await _set(ctx, "Inoperative", evse_id, None, "step 2")
    await expect_reported(ctx, evse_id, None, "Unavailable")
    await reboot_with_statuses(ctx, targets(ctx, evse_id, None))


@ocpp201_case(
    "TC_G_19_CS", "Change availability connector - state persists across reboot", BLOCK, ["G03"], ["G03.FR.08"],
    needs=["availability"],
)  # fmt: skip
async def test_TC_G_19_CS(ctx: CaseContext) -> None:
    """An Inoperative connector is still Unavailable after the station rebooted."""
    evse_id, connector_id = ctx.cfg.evse_id, ctx.cfg.connector_id
    await unavailable(ctx, evse_id, connector_id)
    await reboot_with_statuses(ctx, targets(ctx, evse_id, connector_id))


@ocpp201_case(
    "TC_G_21_CS", "Change availability charging station - state persists across reboot", BLOCK, ["G04"],
    ["G04.FR.09"], needs=["availability"],
)  # fmt: skip
async def test_TC_G_21_CS(ctx: CaseContext) -> None:
    """An Inoperative station still reports every connector Unavailable after it rebooted."""
    await unavailable(ctx)
    await reboot_with_statuses(ctx, targets(ctx, None, None))
