"""GetTransactionStatus (E14), availability persistence (G03.FR.08) and the TransactionEvent rule for a
retransmitted event (E13), on the virtual station and the harness's rule checker."""

from __future__ import annotations

import asyncio

from harness.ocpp.messages import Received
from harness.ocpp.v201.rules import TransactionRules

from .fake_csms import FakeCsms, booted, control, lab


async def _charging(csms: FakeCsms, port: int) -> str:
    await control(port, "POST", "/plug", {"evse_id": 1})
    await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
    started = await csms.expect("TransactionEvent", lambda e: e["eventType"] == "Started")
    return str(started["transactionInfo"]["transactionId"])


def test_transaction_status_follows_the_transaction() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            assert await csms.result("GetTransactionStatus", {}) == {"messagesInQueue": False}
            unknown = await csms.result("GetTransactionStatus", {"transactionId": "nope"})
            assert unknown == {"ongoingIndicator": False, "messagesInQueue": False}
            tx_id = await _charging(csms, port)
            running = await csms.result("GetTransactionStatus", {"transactionId": tx_id})
            assert running["ongoingIndicator"] is True

    asyncio.run(scenario())


def test_transaction_status_fault_never_ongoing() -> None:
    async def scenario() -> None:
        async with lab(faults=("transaction-status-never-ongoing",)) as (csms, _station, port):
            await booted(csms)
            tx_id = await _charging(csms, port)
            running = await csms.result("GetTransactionStatus", {"transactionId": tx_id})
            assert running["ongoingIndicator"] is False

    asyncio.run(scenario())


def test_inoperative_evse_survives_a_power_cycle_unless_the_fault_forgets_it() -> None:
    async def scenario(faults: tuple[str, ...], after: str) -> None:
        async with lab(faults=faults) as (csms, _station, port):
            await booted(csms)
            answer = await csms.result("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 1}})
            assert answer == {"status": "Accepted"}
            await csms.expect("StatusNotification", lambda s: s["connectorStatus"] == "Unavailable")
            csms.forget()
            await control(port, "POST", "/power-cycle", {})
            await csms.expect("BootNotification")
            assert (await csms.expect("StatusNotification"))["connectorStatus"] == after

    asyncio.run(scenario((), "Unavailable"))
    asyncio.run(scenario(("availability-lost-on-reboot",), "Available"))


def _event(index: int, seq_no: int, payload_extra: dict[str, object]) -> Received:
    payload = {"eventType": "Updated", "seqNo": seq_no, "transactionInfo": {"transactionId": "t1"}, **payload_extra}
    return Received(index, "TransactionEvent", payload, f"m{index}", 0.0, index)


def test_a_retransmitted_event_is_not_a_reused_seq_no() -> None:
    rules = TransactionRules()
    assert rules.observe(_event(0, 0, {"eventType": "Started"})) == []
    assert rules.observe(_event(1, 0, {"eventType": "Started"})) == []
    assert rules.observe(_event(2, 0, {"triggerReason": "Other"})) != []
