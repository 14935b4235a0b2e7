"""Steps shared by the block H (Reservation) cases: configuration state, the Reserved reusable state, tokens."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.checks import require_equal
from harness.config import IdTokenSpec
from harness.ocpp.messages import Received
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import expect_connector, read_variable
from harness.verdict import Inconclusive, NotApplicable

CTRLR = "ReservationCtrlr"
HOLD_S = 300  # expiry of reservations that must outlast the case; only TC_H_07_CS waits one out

_reservation_ids = itertools.count(101)  # 1 stays free: TC_H_18_CS cancels reservation 1, which must not exist


def new_reservation_id() -> int:
    return next(_reservation_ids)


def expiry_in(seconds: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def second_token(ctx: CaseContext) -> IdTokenSpec:
    """The configured valid_idtoken2; a DUT profile without one cannot run the case."""
    token = ctx.cfg.second_valid_id_token
    if token is None:
        raise NotApplicable("test_configuration.second_valid_id_token is not configured")
    return token


def group_token(ctx: CaseContext) -> IdTokenSpec:
    token = ctx.cfg.group_id_token
    if token is None:
        raise NotApplicable("test_configuration.group_id_token is not configured")
    return token


def with_token(ctx: CaseContext, token: IdTokenSpec) -> CaseContext:
    """The same context whose reusable states authorize with `token` instead of the configured valid idToken."""
    return replace(ctx, cfg=ctx.cfg.model_copy(update={"valid_id_token": token}))


def answer_with_group(ctx: CaseContext, members: list[IdTokenSpec], group: IdTokenSpec) -> None:
    """Until the case ends, the CSMS accepts `members` as one group (idTokenInfo.groupIdToken), as H03 needs."""
    names = {member.id_token for member in members}

    def info(token: Any) -> dict[str, Any]:
        if isinstance(token, dict) and token.get("idToken") in names:
            return {"status": "Accepted", "groupIdToken": group.as_ocpp()}
        return {"status": "Unknown"}

    def authorize(received: Received) -> dict[str, Any]:
        return {"idTokenInfo": info(received.payload.get("idToken"))}

    def transaction_event(received: Received) -> dict[str, Any]:
        token = received.payload.get("idToken")
        return {"idTokenInfo": info(token)} if token is not None else {}

    ctx.csms.respond("Authorize", authorize)
    ctx.csms.respond("TransactionEvent", transaction_event)


async def _set(ctx: CaseContext, variable: str, value: str) -> str:
    """SetVariables on one ReservationCtrlr variable; the attributeStatus the station answered."""
    data = {"component": {"name": CTRLR}, "variable": {"name": variable}, "attributeValue": value}
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [data]})
    return str(outcome.get("setVariableResult.0.attributeStatus"))


async def reservation_configuration(ctx: CaseContext, *, enabled: bool = True) -> None:
    """Prerequisite ReservationCtrlr.Available true; configuration state ReservationCtrlr.Enabled (if implemented)."""
    available = await read_variable(ctx.csms, CTRLR, "Available")
    if available is not None and available != "true":
        raise Inconclusive(f"prerequisite not met: ReservationCtrlr.Available is {available}")
    status = await _set(ctx, "Enabled", "true" if enabled else "false")
    if status not in ("Accepted", "UnknownVariable", "UnknownComponent"):
        raise Inconclusive(f"configuration state not reached: ReservationCtrlr.Enabled was {status}")


async def non_evse_specific(ctx: CaseContext, wanted: bool) -> None:
    """Prerequisite on ReservationCtrlr.NonEvseSpecific: true (R-2 cases), or false or absent (TC_H_13_CS)."""
    value = await read_variable(ctx.csms, CTRLR, "NonEvseSpecific")
    if value == ("true" if wanted else "false") or (value is None and not wanted):
        return
    if value is None:
        raise Inconclusive("prerequisite not met: ReservationCtrlr.NonEvseSpecific is not implemented")
    status = await _set(ctx, "NonEvseSpecific", "true" if wanted else "false")
    if status != "Accepted":
        if not wanted:
            raise NotApplicable("ReservationCtrlr.NonEvseSpecific is true and cannot be set false")
        raise Inconclusive(f"prerequisite not met: ReservationCtrlr.NonEvseSpecific is {value}, set was {status}")


async def reserve_now(
    ctx: CaseContext,
    token: IdTokenSpec,
    *,
    reservation_id: int | None = None,
    evse_id: int | None = None,
    connector_type: str | None = None,
    group: IdTokenSpec | None = None,
    expiry_s: float = HOLD_S,
) -> tuple[int, str]:
    """Send ReserveNowRequest; the reservation id and the status the station answered."""
    rid = new_reservation_id() if reservation_id is None else reservation_id
    payload: dict[str, Any] = {"id": rid, "expiryDateTime": expiry_in(expiry_s), "idToken": token.as_ocpp()}
    if evse_id is not None:
        payload["evseId"] = evse_id
    if connector_type is not None:
        payload["connectorType"] = connector_type
    if group is not None:
        payload["groupIdToken"] = group.as_ocpp()
    answer = await ctx.csms.call("ReserveNow", payload)
    return rid, str(answer.get("status"))


async def expect_reserved(ctx: CaseContext, evse_id: int, status: str = "Reserved") -> None:
    """Every connector of `evse_id` reports `status` (StatusNotification or NotifyEvent AvailabilityState)."""
    for connector_evse, connector_id in ctx.connectors():
        if connector_evse == evse_id:
            await expect_connector(ctx.csms, evse_id, connector_id, status)


async def reserved(
    ctx: CaseContext,
    evse_id: int | None = None,
    token: IdTokenSpec | None = None,
    *,
    reservation_id: int | None = None,
    expiry_s: float = HOLD_S,
) -> int:
    """Reusable state Reserved: ReserveNow for an EVSE is Accepted and its connectors report Reserved."""
    evse = ctx.cfg.evse_id if evse_id is None else evse_id
    rid, status = await reserve_now(
        ctx, token or ctx.cfg.valid_id_token, reservation_id=reservation_id, evse_id=evse, expiry_s=expiry_s
    )
    require_equal(status, "Accepted", f"Reserved state: ReserveNowResponse status for EVSE {evse}")
    await expect_reserved(ctx, evse)
    return rid


async def set_availability(ctx: CaseContext, operative: bool, evse_id: int | None) -> None:
    """ChangeAvailability of an EVSE (or the station when `evse_id` is None) and the report of each connector."""
    payload: dict[str, Any] = {"operationalStatus": "Operative" if operative else "Inoperative"}
    if evse_id is not None:
        payload["evse"] = {"id": evse_id}
    answer = await ctx.csms.call("ChangeAvailability", payload)
    require_equal(answer.get("status"), "Accepted", "ChangeAvailabilityResponse status")
    for connector_evse, connector_id in ctx.connectors():
        if evse_id is None or connector_evse == evse_id:
            await expect_connector(ctx.csms, connector_evse, connector_id, "Available" if operative else "Unavailable")


async def expect_reservation_update(ctx: CaseContext, reservation_id: int, status: str, timeout: float) -> None:
    """ReservationStatusUpdateRequest for `reservation_id` with reservationUpdateStatus `status`."""
    update = await ctx.csms.expect(
        "ReservationStatusUpdate", lambda r: r.get("reservationId") == reservation_id, timeout=timeout,
        what=f"for reservation {reservation_id}",
    )  # fmt: skip
    require_equal(
        update.get("reservationUpdateStatus"), status, "ReservationStatusUpdateRequest reservationUpdateStatus"
    )
