"""Small scenario steps shared by many OCPP 2.0.1 cases: configuration state, connector reports, transactions."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.checks import require_equal, require_in
from harness.ocpp.channel import StationChannel
from harness.ocpp.messages import Predicate, Received
from harness.verdict import Inconclusive


async def configure(csms: StationChannel, settings: list[tuple[str, str, str]]) -> None:
    """Bring the Configuration State of a case about: each (component, variable, value) must be Accepted.

    A station that will not take the configuration never reached the precondition: inconclusive, not fail.
    """
    data = [
        {"component": {"name": comp}, "variable": {"name": var}, "attributeValue": value}
        for comp, var, value in settings
    ]
    outcome = await csms.call("SetVariables", {"setVariableData": data})
    for result in outcome.get("setVariableResult", []):
        if result.get("attributeStatus") != "Accepted":
            raise Inconclusive(
                f"configuration state not reached: {result.get('component', {}).get('name')}."
                f"{result.get('variable', {}).get('name')} was {result.get('attributeStatus')}"
            )


async def read_variable(csms: StationChannel, comp: str, var: str) -> str | None:
    outcome = await csms.call(
        "GetVariables", {"getVariableData": [{"component": {"name": comp}, "variable": {"name": var}}]}
    )
    result = outcome.get("getVariableResult.0", {})
    return result.get("attributeValue") if result.get("attributeStatus") == "Accepted" else None


def connector_report(evse_id: int | None, connector_id: int | None, status: str) -> Predicate:
    """Matches the report of a connector's new state: StatusNotification, or NotifyEvent on AvailabilityState."""

    def match(received: Received) -> bool:
        if received.action == "StatusNotification":
            return (
                received.get("connectorStatus") == status
                and (evse_id is None or received.get("evseId") == evse_id)
                and (connector_id is None or received.get("connectorId") == connector_id)
            )
        for event in received.get("eventData", []):
            comp, evse = event.get("component", {}), event.get("component", {}).get("evse", {})
            if (
                comp.get("name") == "Connector"
                and event.get("variable", {}).get("name") == "AvailabilityState"
                and event.get("actualValue") == status
                and event.get("trigger") == "Delta"
                and (evse_id is None or evse.get("id") == evse_id)
                and (connector_id is None or evse.get("connectorId") == connector_id)
            ):
                return True
        return False

    return match


async def expect_connector(
    csms: StationChannel, evse_id: int | None, connector_id: int | None, status: str, timeout: float | None = None
) -> Received:
    where = f"reporting connector {evse_id}/{connector_id} as {status}"
    return await csms.expect(
        ("StatusNotification", "NotifyEvent"),
        connector_report(evse_id, connector_id, status),
        timeout=timeout,
        what=where,
    )


@dataclass
class Transaction:
    """What the harness learned about the transaction on the EVSE under test, step by step."""

    evse_id: int
    connector_id: int
    transaction_id: str | None = None
    ev_connected: bool = False
    authorized: bool = False
    remote_start_id: int | None = None
    plug_unlocked: bool = False  # the cable went in without its retention lock engaging (G05)
    events: list[Received] = field(default_factory=list)

    @property
    def started(self) -> bool:
        return self.transaction_id is not None

    def is_mine(self) -> Predicate:
        """Events of this transaction; before it is known, the first event naming our EVSE."""

        def match(received: Received) -> bool:
            if self.transaction_id is not None:
                return bool(received.get("transactionInfo.transactionId") == self.transaction_id)
            return bool(received.get("evse.id") == self.evse_id)

        return match

    def record(self, event: Received) -> Received:
        if self.transaction_id is None:
            require_equal(event.get("eventType"), "Started", "eventType of the first TransactionEvent of a transaction")
            self.transaction_id = event.get("transactionInfo.transactionId")
        self.events.append(event)
        return event


async def expect_transaction_event(
    csms: StationChannel, tx: Transaction, what: str, timeout: float | None = None, extra: Predicate | None = None
) -> Received:
    mine = tx.is_mine()

    def match(received: Received) -> bool:
        return mine(received) and (extra is None or extra(received))

    return tx.record(await csms.expect("TransactionEvent", match, timeout=timeout, what=what))


def check_trigger(event: Received, allowed: tuple[str, ...], step: str) -> None:
    require_in(event.get("triggerReason"), allowed, f"{step}: TransactionEvent triggerReason")


def check_charging_state(event: Received, allowed: tuple[str, ...], step: str) -> None:
    require_in(event.get("transactionInfo.chargingState"), allowed, f"{step}: transactionInfo.chargingState")
