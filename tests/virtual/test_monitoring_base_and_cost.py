"""The virtual station's shipped monitors and monitoring bases (N03), and its tariff/cost bookkeeping (I02/I03)."""

from __future__ import annotations

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual import monitor_base as mb
from harness.virtual.faults import FaultSet
from harness.virtual.monitor_base import Monitor
from harness.virtual.tariff_cost import TariffCost

EVSES = [1]


def _custom(monitor_id: int) -> Monitor:
    return Monitor(monitor_id, dmc.evse_power(1), "UpperThreshold", 100.0, 8, False)


def _overruled() -> Monitor:
    (shipped,) = mb.preconfigured(EVSES)
    return Monitor(shipped.id, shipped.variable, "Delta", 1.0, shipped.severity + 1, False)


def test_hardwired_only_keeps_the_hardwired_monitor_alone() -> None:
    monitors = mb.after_base("All", {7: _custom(7)}, EVSES, keep_overruled=False)
    assert set(monitors) == {mb.HARDWIRED_ID, mb.PRECONFIGURED_ID, 7}
    assert set(mb.after_base("HardWiredOnly", monitors, EVSES, keep_overruled=False)) == {mb.HARDWIRED_ID}


def test_factory_default_restores_an_overruled_preconfigured_monitor_and_drops_custom_ones() -> None:
    current = {mb.PRECONFIGURED_ID: _overruled(), 7: _custom(7)}
    monitors = mb.after_base("FactoryDefault", current, EVSES, keep_overruled=False)
    assert set(monitors) == {mb.HARDWIRED_ID, mb.PRECONFIGURED_ID}
    assert monitors[mb.PRECONFIGURED_ID].severity == mb.PRECONFIGURED_SEVERITY
    kept = mb.after_base("FactoryDefault", current, EVSES, keep_overruled=True)  # the fault
    assert kept[mb.PRECONFIGURED_ID].severity == mb.PRECONFIGURED_SEVERITY + 1


def test_all_keeps_custom_and_overruled_monitors() -> None:
    monitors = mb.after_base("All", {mb.PRECONFIGURED_ID: _overruled(), 7: _custom(7)}, EVSES, keep_overruled=False)
    assert monitors[mb.PRECONFIGURED_ID].severity == mb.PRECONFIGURED_SEVERITY + 1
    assert 7 in monitors


def test_costs_are_kept_per_transaction() -> None:
    cost = TariffCost(FaultSet())
    assert cost.cost_updated({"totalCost": 1.5, "transactionId": "tx-1"}).payload == {}
    request = {"eventType": "Ended", "transactionInfo": {"transactionId": "tx-1"}}
    assert cost.usable("TransactionEvent", request, {"totalCost": 4.0})
    assert (cost.shown["tx-1"].running, cost.shown["tx-1"].final) == (1.5, 4.0)


def test_cost_faults() -> None:
    assert (
        TariffCost(FaultSet([F.COST_UPDATED_UNSUPPORTED]))
        .cost_updated({"totalCost": 1.0, "transactionId": "tx-1"})
        .error
    )
    refusing = TariffCost(FaultSet([F.COST_IN_TRANSACTION_RESPONSE_REFUSED]))
    request = {"eventType": "Updated", "transactionInfo": {"transactionId": "tx-1"}}
    assert not refusing.usable("TransactionEvent", request, {"totalCost": 1.0})
    assert refusing.usable("TransactionEvent", request, {})
