"""Block F, Remote control: TriggerMessage (F06) for each message Part 6 asks a station to send on request."""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Predicate, Received
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, connector_report, expect_transaction_event

BLOCK = "F Remote control"


async def trigger(ctx: CaseContext, requested: str, evse: dict[str, int] | None, expected: str = "Accepted") -> int:
    """Send TriggerMessage and check its status; returns the inbox position the triggered messages come after."""
    mark = len(ctx.csms.inbox)
    payload: dict[str, Any] = {"requestedMessage": requested}
    if evse is not None:
        payload["evse"] = evse
    answer = await ctx.csms.call("TriggerMessage", payload)
    require_equal(answer.get("status"), expected, "step 2: TriggerMessageResponse status")
    return mark


def after(mark: int) -> Predicate:
    """Only messages that arrived after the TriggerMessage was sent can be the triggered ones."""
    return lambda received: received.index >= mark


def check_trigger_context(message: Received, step: str) -> None:
    require_equal(
        message.get("meterValue.0.sampledValue.0.context"), "Trigger", f"{step}: meterValue[0].sampledValue[0].context"
    )


async def expect_triggered_meter_values(ctx: CaseContext, mark: int, evse_id: int) -> None:
    new = after(mark)
    values = await ctx.csms.expect(
        "MeterValues", lambda r: new(r) and r.get("evseId") == evse_id, what=f"for EVSE {evse_id} after TriggerMessage"
    )
    check_trigger_context(values, "step 3")


async def expect_triggered_transaction_event(ctx: CaseContext, mark: int, tx: Transaction) -> None:
    new = after(mark)
    event = await expect_transaction_event(ctx.csms, tx, "after TriggerMessage", extra=new)
    evse_id = event.get("evse.id")
    require(evse_id in (None, tx.evse_id), f"step 3: evse.id is {evse_id!r}, expected omitted or {tx.evse_id}")
    require_equal(event.get("triggerReason"), "Trigger", "step 3: TransactionEvent triggerReason")
    require_equal(event.get("transactionInfo.chargingState"), "Charging", "step 3: transactionInfo.chargingState")
    require(event.get("meterValue") is not None, "step 3: the triggered TransactionEvent must carry meterValue")
    check_trigger_context(event, "step 3")


async def expect_triggered_status(ctx: CaseContext, mark: int, status: str) -> None:
    new, report = after(mark), connector_report(ctx.cfg.evse_id, ctx.cfg.connector_id, status)
    await ctx.csms.expect(
        ("StatusNotification", "NotifyEvent"), lambda r: new(r) and report(r),
        what=f"reporting connector {ctx.cfg.evse_id}/{ctx.cfg.connector_id} as {status} after TriggerMessage",
    )  # fmt: skip


async def expect_idle(ctx: CaseContext, mark: int, action: str) -> None:
    notification = await ctx.csms.expect(action, after(mark), what="after TriggerMessage")
    require_equal(notification.get("status"), "Idle", f"step 3: {action}Request status")


@ocpp201_case(
    "TC_F_11_CS", "Trigger message - MeterValues - specific EVSE", BLOCK, ["F06"],
    ["F06.FR.02", "F06.FR.04", "F06.FR.05", "F06.FR.06", "F06.FR.10"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_11_CS(ctx: CaseContext) -> None:
    """TriggerMessage(MeterValues) for one EVSE: a MeterValues for that EVSE with context Trigger."""
    mark = await trigger(ctx, "MeterValues", {"id": ctx.cfg.evse_id})
    await expect_triggered_meter_values(ctx, mark, ctx.cfg.evse_id)


@ocpp201_case(
    "TC_F_12_CS", "Trigger message - MeterValues - all EVSEs", BLOCK, ["F06"],
    ["F06.FR.04", "F06.FR.05", "F06.FR.06", "F06.FR.10", "F06.FR.11"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_12_CS(ctx: CaseContext) -> None:
    """TriggerMessage(MeterValues) without an EVSE: a MeterValues with context Trigger for every EVSE."""
    mark = await trigger(ctx, "MeterValues", None)
    for evse in ctx.profile.evses:
        await expect_triggered_meter_values(ctx, mark, evse.id)


@ocpp201_case(
    "TC_F_13_CS", "Trigger message - TransactionEvent - specific EVSE", BLOCK, ["F06"],
    ["F06.FR.02", "F06.FR.04", "F06.FR.05", "F06.FR.07", "F06.FR.10"],
    needs=["trigger_message", "local_authorization"],
)  # fmt: skip
async def test_TC_F_13_CS(ctx: CaseContext) -> None:
    """While charging, TriggerMessage(TransactionEvent) for the EVSE: an event with Trigger, Charging and meter data."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    mark = await trigger(ctx, "TransactionEvent", {"id": tx.evse_id})
    await expect_triggered_transaction_event(ctx, mark, tx)


@ocpp201_case(
    "TC_F_14_CS", "Trigger message - TransactionEvent - all EVSEs", BLOCK, ["F06"],
    ["F06.FR.04", "F06.FR.05", "F06.FR.07", "F06.FR.10", "F06.FR.11"],
    needs=["trigger_message", "local_authorization"],
)  # fmt: skip
async def test_TC_F_14_CS(ctx: CaseContext) -> None:
    """Charging on every EVSE, TriggerMessage(TransactionEvent) without an EVSE: one such event per transaction."""
    transactions = [Transaction(evse.id, evse.connectors[0].id) for evse in ctx.profile.evses]
    for tx in transactions:
        await states.energy_transfer_started(ctx, tx)
    mark = await trigger(ctx, "TransactionEvent", None)
    for tx in transactions:
        await expect_triggered_transaction_event(ctx, mark, tx)


@ocpp201_case(
    "TC_F_15_CS", "Trigger message - LogStatusNotification - Idle", BLOCK, ["F06"],
    ["F06.FR.04", "F06.FR.05", "F06.FR.10", "F06.FR.15"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_15_CS(ctx: CaseContext) -> None:
    """No log upload running: TriggerMessage(LogStatusNotification) brings a LogStatusNotification Idle."""
    mark = await trigger(ctx, "LogStatusNotification", None)
    await expect_idle(ctx, mark, "LogStatusNotification")


@ocpp201_case(
    "TC_F_17_CS", "Trigger message - FirmwareStatusNotification - EVSE not relevant", BLOCK, ["F06"],
    ["F06.FR.03", "F06.FR.04", "F06.FR.05", "F06.FR.10"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_17_CS(ctx: CaseContext) -> None:
    """TriggerMessage(FirmwareStatusNotification) naming an EVSE: the EVSE is ignored, the notification is sent."""
    mark = await trigger(ctx, "FirmwareStatusNotification", {"id": ctx.cfg.evse_id})
    await expect_idle(ctx, mark, "FirmwareStatusNotification")


@ocpp201_case(
    "TC_F_18_CS", "Trigger message - FirmwareStatusNotification - Idle", BLOCK, ["F06"],
    ["F06.FR.04", "F06.FR.05", "F06.FR.10", "F06.FR.16", "L01.FR.25"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_18_CS(ctx: CaseContext) -> None:
    """No firmware download running: TriggerMessage(FirmwareStatusNotification) brings a status Idle."""
    mark = await trigger(ctx, "FirmwareStatusNotification", None)
    await expect_idle(ctx, mark, "FirmwareStatusNotification")


@ocpp201_case(
    "TC_F_23_CS", "Trigger message - StatusNotification - specific EVSE - Available", BLOCK, ["F06"],
    ["F06.FR.02", "F06.FR.04", "F06.FR.05", "F06.FR.10"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_23_CS(ctx: CaseContext) -> None:
    """TriggerMessage(StatusNotification) for the idle connector: it is reported Available."""
    mark = await trigger(ctx, "StatusNotification", {"id": ctx.cfg.evse_id, "connectorId": ctx.cfg.connector_id})
    await expect_triggered_status(ctx, mark, "Available")


@ocpp201_case(
    "TC_F_24_CS", "Trigger message - StatusNotification - specific EVSE - Occupied", BLOCK, ["F06"],
    ["F06.FR.02", "F06.FR.04", "F06.FR.05", "F06.FR.10"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_24_CS(ctx: CaseContext) -> None:
    """EV plugged in, TriggerMessage(StatusNotification) for its connector: it is reported Occupied."""
    tx = ctx.new_transaction()
    await states.ev_connected_pre_session(ctx, tx)
    mark = await trigger(ctx, "StatusNotification", {"id": tx.evse_id, "connectorId": tx.connector_id})
    await expect_triggered_status(ctx, mark, "Occupied")


@ocpp201_case(
    "TC_F_26_CS", "Trigger message - BootNotification - Rejected", BLOCK, ["F06"],
    ["F06.FR.04", "F06.FR.05", "F06.FR.17"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_26_CS(ctx: CaseContext) -> None:
    """Once its boot was Accepted, the station answers TriggerMessage(BootNotification) with Rejected."""
    await trigger(ctx, "BootNotification", None, expected="Rejected")


@ocpp201_case(
    "TC_F_27_CS", "Trigger message - NotImplemented", BLOCK, ["F06"], ["F06.FR.08"], needs=["trigger_message"],
)  # fmt: skip
async def test_TC_F_27_CS(ctx: CaseContext) -> None:
    """TriggerMessage for a message the station cannot send (SignCombinedCertificate) answers NotImplemented."""
    # Prerequisite (Part 5 ISO-3 not supported): a station with combined certificates would not be asked this.
    await trigger(ctx, "SignCombinedCertificate", None, expected="NotImplemented")
