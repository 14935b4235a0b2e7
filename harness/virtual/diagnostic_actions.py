"""Manual actions of the diagnostics cases (block N) on the virtual station, served by the control API.

What a technician does at a real station: store a customer reference (TC_N_62_CS), take the customer data store
out of reach (TC_N_29_CS, TC_N_33_CS), erase a log (TC_N_34_CS), cause and repair a hardware fault that the
firmware reports as a hard-wired notification on ChargingStation.Problem (TC_N_21_CS).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from harness.virtual import dm_catalog as dmc
from harness.virtual.customer import IDENTIFIER_LIMIT
from harness.virtual.manual import ControlError

if TYPE_CHECKING:
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual")

LOG_TYPES = ("DiagnosticsLog", "SecurityLog")


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name)
    if not isinstance(value, bool):
        raise ControlError(400, f"field {name} must be true or false")
    return value


class DiagnosticActions:
    def __init__(self, station: Station) -> None:
        self._station = station

    def store_customer_identifier(self, body: dict[str, Any]) -> None:
        identifier = body.get("customer_identifier")
        if not isinstance(identifier, str) or not 0 < len(identifier) <= IDENTIFIER_LIMIT:
            raise ControlError(400, f"field customer_identifier must be a string of 1-{IDENTIFIER_LIMIT} characters")
        self._station.customer.store_identifier(identifier)

    def customer_data(self, body: dict[str, Any]) -> None:
        self._station.customer.set_unavailable(not _flag(body, "available"))

    def erase_log(self, body: dict[str, Any]) -> None:
        log_type = body.get("log_type")
        if log_type not in LOG_TYPES:
            raise ControlError(400, f"field log_type must be one of {', '.join(LOG_TYPES)}")
        self._station.logs.erase(str(log_type))

    def hardware_fault(self, body: dict[str, Any]) -> None:
        """The firmware reports the fault (and its repair) by itself as a hard-wired notification; ChargingStation.
        Problem follows it, so the hard-wired Delta monitor on it reports the change at its next sample too."""
        active = _flag(body, "active")
        station = self._station
        if station.dm.get_bool(dmc.STATION_PROBLEM) == active:
            return
        log.info("hardware fault %s", "raised" if active else "repaired")
        station.dm.put(dmc.STATION_PROBLEM, "true" if active else "false")
        station.monitoring.hardwired_notification(dmc.STATION_PROBLEM, active)
