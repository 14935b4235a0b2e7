"""Block H, Reservation: ReserveNow (H01), CancelReservation (H02), use of a reserved EVSE (H03), expiry (H04)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.reservation_steps import (
    answer_with_group,
    expect_reservation_update,
    expect_reserved,
    group_token,
    non_evse_specific,
    reservation_configuration,
    reserve_now,
    reserved,
    second_token,
    set_availability,
    with_token,
)
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, expect_connector

BLOCK = "H Reservation"
# Reservations without evseId (H01 S1) and for a connector type (S3) are gated by Part 5 feature R-2 (part6_cs.yaml).


def _charging(received: Received) -> bool:
    return bool(received.get("transactionInfo.chargingState") == "Charging")


@ocpp201_case(
    "TC_H_01_CS", "Reserve a specific EVSE - valid idToken", BLOCK, ["H01", "H03"],
    ["H01.FR.15", "H03.FR.01", "H03.FR.09", "H03.FR.10"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_01_CS(ctx: CaseContext) -> None:
    """The EVSE reserved for an idToken is freed by that idToken's authorization and then charges."""
    await reservation_configuration(ctx)
    await reserved(ctx)
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Available")
    await states.energy_transfer_started(ctx, tx)


@ocpp201_case(
    "TC_H_02_CS", "Reserve a specific EVSE - different idToken", BLOCK, ["H01", "H03"], ["H03.FR.01", "F01.FR.22"],
    needs=["reservation"],
)  # fmt: skip
async def test_TC_H_02_CS(ctx: CaseContext) -> None:
    """A reserved EVSE with an EV plugged in does not charge for an idToken other than the reservation's."""
    other = second_token(ctx)
    await reservation_configuration(ctx)
    await reserved(ctx)
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    if ctx.cfg.authorization == "remote":
        answer = await ctx.csms.call(
            "RequestStartTransaction", {"idToken": other.as_ocpp(), "evseId": tx.evse_id, "remoteStartId": 4242}
        )
        require_equal(answer.get("status"), "Rejected", "step 2: RequestStartTransactionResponse status")
        return
    await ctx.dut.present_id_token(other, tx.evse_id)
    request = await ctx.csms.expect("Authorize", what="after presenting the second idToken")
    require_equal(request.get("idToken"), other.as_ocpp(), "AuthorizeRequest idToken")
    await ctx.csms.expect_none(
        "TransactionEvent", _charging, during=ctx.timing.absence_s,
        what="with chargingState Charging for an idToken the EVSE is not reserved for",
    )  # fmt: skip


@ocpp201_case(
    "TC_H_03_CS", "Reserve a specific EVSE - already reserved", BLOCK, ["H01"], ["H01.FR.11"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_03_CS(ctx: CaseContext) -> None:
    """A second reservation for an EVSE that is already reserved is answered Occupied."""
    other = second_token(ctx)
    await reservation_configuration(ctx)
    await reserved(ctx)
    _, status = await reserve_now(ctx, other, evse_id=ctx.cfg.evse_id)
    require_equal(status, "Occupied", "step 2: ReserveNowResponse status")


@ocpp201_case(
    "TC_H_04_CS", "Reserve a specific EVSE - EVSE in use", BLOCK, ["H01"], ["H01.FR.13"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_04_CS(ctx: CaseContext) -> None:
    """A reservation for an EVSE that is charging is answered Occupied."""
    other = second_token(ctx)
    await reservation_configuration(ctx)
    await states.energy_transfer_started(ctx, ctx.new_transaction())
    _, status = await reserve_now(ctx, other, evse_id=ctx.cfg.evse_id)
    require_equal(status, "Occupied", "step 2: ReserveNowResponse status")


@ocpp201_case(
    "TC_H_06_CS", "Reserve a specific EVSE - EVSE unavailable", BLOCK, ["H01"], ["H01.FR.14"],
    needs=["reservation", "availability"],
)  # fmt: skip
async def test_TC_H_06_CS(ctx: CaseContext) -> None:
    """A reservation for an Inoperative EVSE is answered Unavailable."""
    other = second_token(ctx)
    await reservation_configuration(ctx)
    await set_availability(ctx, False, ctx.cfg.evse_id)
    _, status = await reserve_now(ctx, other, evse_id=ctx.cfg.evse_id)
    require_equal(status, "Unavailable", "step 2: ReserveNowResponse status")


@ocpp201_case(
    "TC_H_07_CS", "Reserve a specific EVSE - reservation expires unused", BLOCK, ["H01", "H04"],
    ["H04.FR.01", "H04.FR.02", "H04.FR.03"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_07_CS(ctx: CaseContext) -> None:
    """At its expiryDateTime an unused reservation ends: connectors Available, ReservationStatusUpdate Expired."""
    other = second_token(ctx)
    await reservation_configuration(ctx)
    expiry = ctx.cfg.reservation_expiry_s
    rid = await reserved(ctx, expiry_s=expiry)
    wait = expiry + ctx.timing.time_tolerance_s
    for evse_id, connector_id in ctx.connectors():
        if evse_id == ctx.cfg.evse_id:
            await expect_connector(ctx.csms, evse_id, connector_id, "Available", timeout=wait)
    await expect_reservation_update(ctx, rid, "Expired", ctx.timing.message_timeout_s)
    driver = with_token(ctx, other)
    tx = driver.new_transaction()
    await states.authorized(driver, tx)
    await states.energy_transfer_started(driver, tx)


@ocpp201_case(
    "TC_H_08_CS", "Reserve an unspecified EVSE - accepted", BLOCK, ["H01", "H03"],
    ["H01.FR.04", "H01.FR.07", "H01.FR.15", "H03.FR.03"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_08_CS(ctx: CaseContext) -> None:
    """A reservation without evseId is Accepted; a single-EVSE station shows Reserved; its idToken then charges."""
    await reservation_configuration(ctx)
    await non_evse_specific(ctx, True)
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token)
    require_equal(status, "Accepted", "step 2: ReserveNowResponse status")
    if len(ctx.profile.evses) == 1:
        await expect_reserved(ctx, ctx.cfg.evse_id)
    # Our reading: the reservation's own idToken charges (the table names idToken2, which H03.FR.01 would refuse
    # on a station whose only EVSE is reserved for idToken1).
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    await states.energy_transfer_started(ctx, tx)


@ocpp201_case(
    "TC_H_09_CS", "Reserve an unspecified EVSE - all EVSEs reserved", BLOCK, ["H01"], ["H01.FR.11"],
    needs=["reservation"],
)  # fmt: skip
async def test_TC_H_09_CS(ctx: CaseContext) -> None:
    """With every EVSE reserved, a reservation without evseId is answered Occupied."""
    await reservation_configuration(ctx)
    await non_evse_specific(ctx, True)
    for evse in ctx.profile.evses:
        await reserved(ctx, evse.id)
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token)
    require_equal(status, "Occupied", "step 2: ReserveNowResponse status")


@ocpp201_case(
    "TC_H_10_CS", "Reserve an unspecified EVSE - all EVSEs in use", BLOCK, ["H01"], ["H01.FR.13"],
    needs=["reservation"],
)  # fmt: skip
async def test_TC_H_10_CS(ctx: CaseContext) -> None:
    """With a transaction charging on every EVSE, a reservation without evseId is answered Occupied."""
    await reservation_configuration(ctx)
    await non_evse_specific(ctx, True)
    for evse in ctx.profile.evses:
        await states.energy_transfer_started(ctx, Transaction(evse.id, evse.connectors[0].id))
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token)
    require_equal(status, "Occupied", "step 2: ReserveNowResponse status")


@ocpp201_case(
    "TC_H_12_CS", "Reserve an unspecified EVSE - station unavailable", BLOCK, ["H01"], ["H01.FR.14"],
    needs=["reservation", "availability"],
)  # fmt: skip
async def test_TC_H_12_CS(ctx: CaseContext) -> None:
    """With the whole station Inoperative, a reservation without evseId is answered Unavailable."""
    await reservation_configuration(ctx)
    await non_evse_specific(ctx, True)
    await set_availability(ctx, False, None)
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token)
    require_equal(status, "Unavailable", "step 2: ReserveNowResponse status")


@ocpp201_case(
    "TC_H_13_CS", "Reserve an unspecified EVSE - not supported", BLOCK, ["H01"], ["H01.FR.19"],
    needs=["reservation"],
)  # fmt: skip
async def test_TC_H_13_CS(ctx: CaseContext) -> None:
    """Without NonEvseSpecific, a reservation without evseId is answered Rejected."""
    await reservation_configuration(ctx)
    await non_evse_specific(ctx, False)
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token)
    require_equal(status, "Rejected", "step 2: ReserveNowResponse status")


@ocpp201_case(
    "TC_H_14_CS", "Reserve an unspecified EVSE - as many reservations as EVSEs", BLOCK, ["H01"], ["H01.FR.20"],
    needs=["reservation"],
)  # fmt: skip
async def test_TC_H_14_CS(ctx: CaseContext) -> None:
    """One reservation without evseId per EVSE, each for another idToken, makes every connector Reserved."""
    await reservation_configuration(ctx)
    await non_evse_specific(ctx, True)
    base = ctx.cfg.valid_id_token
    for index, _ in enumerate(ctx.profile.evses):
        # Only the reservations' idTokens differ; no one presents them, so the later ones are made up.
        token = base if index == 0 else base.model_copy(update={"id_token": f"{base.id_token[:30]}-R{index}"})
        _, status = await reserve_now(ctx, token)
        require_equal(status, "Accepted", f"step 2: ReserveNowResponse status of reservation {index + 1}")
    for evse in ctx.profile.evses:
        await expect_reserved(ctx, evse.id)


@ocpp201_case(
    "TC_H_15_CS", "Reserve a connector type - accepted", BLOCK, ["H01", "H03"],
    ["H01.FR.06", "H01.FR.09", "H01.FR.15", "H03.FR.02"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_15_CS(ctx: CaseContext) -> None:
    """A reservation for the configured connector's type is Accepted, shown when it is the only one, and honoured."""
    await reservation_configuration(ctx)
    kind = _connector_type(ctx)
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token, connector_type=kind)
    require_equal(status, "Accepted", "step 2: ReserveNowResponse status")
    if _count_of_type(ctx, kind) == 1:
        await expect_reserved(ctx, ctx.cfg.evse_id)
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx)
    await states.energy_transfer_started(ctx, tx)


@ocpp201_case(
    "TC_H_16_CS", "Reserve a connector type - all reserved", BLOCK, ["H01"], ["H01.FR.11"],
    needs=["reservation"],
)  # fmt: skip
async def test_TC_H_16_CS(ctx: CaseContext) -> None:
    """With every EVSE reserved, a reservation for a connector type is answered Occupied."""
    await reservation_configuration(ctx)
    for evse in ctx.profile.evses:
        await reserved(ctx, evse.id)
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token, connector_type=_connector_type(ctx))
    require_equal(status, "Occupied", "step 2: ReserveNowResponse status")


def _connector_type(ctx: CaseContext) -> str:
    evse = ctx.profile.evses[ctx.cfg.evse_id - 1]
    return str(evse.connectors[ctx.cfg.connector_id - 1].type)


def _count_of_type(ctx: CaseContext, kind: str) -> int:
    return sum(1 for evse in ctx.profile.evses for connector in evse.connectors if connector.type == kind)


@ocpp201_case(
    "TC_H_17_CS", "Cancel reservation - accepted", BLOCK, ["H02"], ["H02.FR.02"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_17_CS(ctx: CaseContext) -> None:
    """CancelReservation of the EVSE's reservation is Accepted and its connectors report Available again."""
    await reservation_configuration(ctx)
    rid = await reserved(ctx)
    answer = await ctx.csms.call("CancelReservation", {"reservationId": rid})
    require_equal(answer.get("status"), "Accepted", "step 2: CancelReservationResponse status")
    await expect_reserved(ctx, ctx.cfg.evse_id, "Available")


@ocpp201_case(
    "TC_H_18_CS", "Cancel reservation - unknown reservation", BLOCK, ["H02"], ["H02.FR.01"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_18_CS(ctx: CaseContext) -> None:
    """CancelReservation of a reservationId the station does not hold is Rejected."""
    await reservation_configuration(ctx)
    answer = await ctx.csms.call("CancelReservation", {"reservationId": 1})
    require_equal(answer.get("status"), "Rejected", "step 2: CancelReservationResponse status")


@ocpp201_case(
    "TC_H_19_CS", "Reserve a specific EVSE - used by the same GroupId", BLOCK, ["H01", "H03"],
    ["H01.FR.15", "H03.FR.04", "H03.FR.08"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_19_CS(ctx: CaseContext) -> None:
    """An EVSE reserved with a groupIdToken charges for another idToken of that group."""
    other, group = second_token(ctx), group_token(ctx)
    answer_with_group(ctx, [ctx.cfg.valid_id_token, other], group)
    await reservation_configuration(ctx)
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token, evse_id=ctx.cfg.evse_id, group=group)
    require_equal(status, "Accepted", "step 2: ReserveNowResponse status")
    await expect_reserved(ctx, ctx.cfg.evse_id)
    driver = with_token(ctx, other)
    tx = driver.new_transaction()
    await states.authorized(driver, tx)
    await states.energy_transfer_started(driver, tx)


@ocpp201_case(
    "TC_H_21_CS", "Station cancels a reservation when its EVSE becomes unavailable", BLOCK, ["H01"], ["H01.FR.17"],
    needs=["reservation", "availability"],
)  # fmt: skip
async def test_TC_H_21_CS(ctx: CaseContext) -> None:
    """Setting the reserved EVSE Inoperative removes the reservation (Removed); Operative again, anyone charges."""
    other = second_token(ctx)
    await reservation_configuration(ctx)
    rid = await reserved(ctx)
    await set_availability(ctx, False, ctx.cfg.evse_id)
    await expect_reservation_update(ctx, rid, "Removed", ctx.timing.message_timeout_s)
    await set_availability(ctx, True, ctx.cfg.evse_id)
    driver = with_token(ctx, other)
    tx = driver.new_transaction()
    await states.authorized(driver, tx)
    await states.energy_transfer_started(driver, tx)


@ocpp201_case(
    "TC_H_22_CS", "Reserve a specific EVSE - reservations switched off", BLOCK, ["H01"], ["H01.FR.01"],
    needs=["reservation"],
)  # fmt: skip
async def test_TC_H_22_CS(ctx: CaseContext) -> None:
    """With ReservationCtrlr.Enabled false, ReserveNow is answered Rejected."""
    await reservation_configuration(ctx, enabled=False)
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token, evse_id=ctx.cfg.evse_id)
    require_equal(status, "Rejected", "step 2: ReserveNowResponse status")


@ocpp201_case(
    "TC_H_23_CS", "Reserve a specific EVSE - replace a reservation", BLOCK, ["H01"], ["H01.FR.02"],
    needs=["reservation"],
)  # fmt: skip
async def test_TC_H_23_CS(ctx: CaseContext) -> None:
    """ReserveNow with the id of a valid reservation replaces it: the new idToken may charge there."""
    other = second_token(ctx)
    await reservation_configuration(ctx)
    rid = await reserved(ctx)
    _, status = await reserve_now(ctx, other, reservation_id=rid, evse_id=ctx.cfg.evse_id)
    require_equal(status, "Accepted", "step 2: ReserveNowResponse status")
    driver = with_token(ctx, other)
    tx = driver.new_transaction()
    await states.authorized(driver, tx)
    await states.energy_transfer_started(driver, tx)


@ocpp201_case(
    "TC_H_24_CS", "Reserve an unspecified EVSE - GroupIdToken", BLOCK, ["H03"], ["H03.FR.06"], needs=["reservation"],
)  # fmt: skip
async def test_TC_H_24_CS(ctx: CaseContext) -> None:
    """A reservation without evseId but with a groupIdToken is used by another idToken of that group."""
    other, group = second_token(ctx), group_token(ctx)
    answer_with_group(ctx, [ctx.cfg.valid_id_token, other], group)
    await reservation_configuration(ctx)
    await non_evse_specific(ctx, True)
    _, status = await reserve_now(ctx, ctx.cfg.valid_id_token, group=group)
    require_equal(status, "Accepted", "step 2: ReserveNowResponse status")
    if len(ctx.profile.evses) == 1:
        await expect_reserved(ctx, ctx.cfg.evse_id)
    driver = with_token(ctx, other)
    tx = driver.new_transaction()
    await states.authorized(driver, tx)
    await states.energy_transfer_started(driver, tx)
