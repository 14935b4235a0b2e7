"""What the SECC needs from the charging station it lives in: plug, authorization, limits and the power path.

The SECC speaks -20; the station owns the EVSE, its OCPP authorization and charging limits and the plant model.
This narrow interface is the only way between them, so an OCPP limit reaches the charge loop and a charge-loop
setpoint reaches the meter (and every virtual instrument) the same way a real charger's controller would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class EnergyLimits:
    """What the EVSE can do right now, OCPP limits applied; magnitudes in W, A, V."""

    max_charge_power_w: float
    max_discharge_power_w: float
    max_charge_current_a: float
    max_discharge_current_a: float
    max_voltage_v: float
    min_voltage_v: float
    min_charge_power_w: float = 0.0
    min_discharge_power_w: float = 0.0


@dataclass(frozen=True)
class MeterReading:
    imported_wh: float
    exported_wh: float


class EvseLink(Protocol):
    """The station side of one EVSE, as the SECC sees it."""

    def ev_plugged(self) -> bool: ...

    def authorized(self) -> bool:
        """External identification (EIM) done: an idToken accepted or a remote start for this EVSE."""
        ...

    def session_started(self) -> None:
        """A -20 session exists on the EVSE (the station stops its own basic-charging behaviour)."""
        ...

    def session_ended(self) -> None: ...

    def limits(self, *, rated: bool = False) -> EnergyLimits:
        """The EVSE's limits now; `rated` ignores the OCPP charging limit (the charger's nameplate)."""
        ...

    def deliver(self, power_w: float) -> None:
        """Close the power path and drive the power towards `power_w` (negative: discharge the EV)."""
        ...

    def stop_delivery(self) -> None: ...

    def present_power_w(self) -> float: ...

    def meter(self) -> MeterReading: ...
