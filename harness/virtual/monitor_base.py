"""N03 monitoring bases on the virtual station: the monitors it leaves the factory with, and what each base keeps.

The station ships one hard-wired monitor (a Delta on ChargingStation.Problem: always active, it can be neither
cleared nor changed, N04.FR.18, N06.FR.03) and one preconfigured monitor (a Delta on the first EVSE's
AvailabilityState). The shipped base is HardWiredOnly, so the preconfigured monitor starts disabled: a fresh
station has no event source on the variables the monitoring cases put their own monitors on, and SetMonitoringBase
All or FactoryDefault activates it (the manufacturer's default set is that one monitor).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.virtual import dm_catalog as dmc
from harness.virtual.device_model import VariableKey

HARDWIRED = "HardWiredMonitor"
PRECONFIGURED = "PreconfiguredMonitor"
CUSTOM = "CustomMonitor"
HARDWIRED_ID = 1
PRECONFIGURED_ID = 2
FIRST_CUSTOM_ID = 3
PRECONFIGURED_SEVERITY = 6  # 4 and 5 would clash with the severities TC_N_40_CS sets on the same variable
HARDWIRED_SEVERITY = 1
SHIPPED_BASE = "HardWiredOnly"
BASES = ("All", "FactoryDefault", "HardWiredOnly")
STATION_PROBLEM = dmc.STATION_PROBLEM


@dataclass(frozen=True)
class Monitor:
    id: int
    variable: VariableKey
    type: str
    value: float
    severity: int
    transaction: bool
    origin: str = CUSTOM  # the eventNotificationType of its events

    def as_report(self) -> dict[str, Any]:
        return {
            "id": self.id, "transaction": self.transaction, "value": self.value, "type": self.type,
            "severity": self.severity,
        }  # fmt: skip


def hardwired(evse_ids: list[int]) -> list[Monitor]:
    return [Monitor(HARDWIRED_ID, STATION_PROBLEM, "Delta", 1.0, HARDWIRED_SEVERITY, False, HARDWIRED)]


def preconfigured(evse_ids: list[int]) -> list[Monitor]:
    """The manufacturer's default set; All and FactoryDefault activate the same monitors here."""
    if not evse_ids:
        return []
    variable = dmc.evse_availability(evse_ids[0])
    return [Monitor(PRECONFIGURED_ID, variable, "Delta", 1.0, PRECONFIGURED_SEVERITY, False, PRECONFIGURED)]


def after_base(
    base: str, monitors: dict[int, Monitor], evse_ids: list[int], keep_overruled: bool
) -> dict[int, Monitor]:
    """The monitors once `base` is set (N03.FR.03-05); `keep_overruled` is a fault: changed preconfigured ones stay."""
    shipped = {m.id: m for m in hardwired(evse_ids)}
    if base == "HardWiredOnly":
        return shipped  # custom monitors go, preconfigured ones are disabled
    defaults = {m.id: m for m in preconfigured(evse_ids)}
    if base == "FactoryDefault":
        kept = {i: m for i, m in monitors.items() if keep_overruled and i in defaults}
        return {**shipped, **defaults, **kept}  # custom monitors, changed preconfigured ones included, go
    # All: every preconfigured monitor is active, custom monitors (changed preconfigured ones too) stay.
    return {**shipped, **defaults, **{i: m for i, m in monitors.items() if m.origin != HARDWIRED}}
