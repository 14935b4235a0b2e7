"""The virtual station's side of its SECC: one EVSE's plug, authorization, limits and power path (EvseLink)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.virtual.evse import Evse
from harness.virtual.secc.link import EnergyLimits, MeterReading

if TYPE_CHECKING:
    from harness.virtual.station import Station

# A bidirectional DC wallbox of the station's rating: 150-500 V, 32 A charging, 30 A discharging.
DC_MAX_VOLTAGE_V = 500.0
DC_MIN_VOLTAGE_V = 150.0
DC_MAX_CHARGE_CURRENT_A = 32.0
DC_MAX_DISCHARGE_CURRENT_A = 30.0
AC_MIN_CHARGE_POWER_W = 1380.0  # 6 A on one phase


class StationSeccLink:
    """EvseLink over one EVSE of the virtual station; the OCPP charging limit is the meter's `available_w`."""

    def __init__(self, station: Station, evse: Evse) -> None:
        self._station, self._evse = station, evse

    def ev_plugged(self) -> bool:
        return self._evse.plugged_connector() is not None

    def authorized(self) -> bool:
        return self._evse.auth is not None

    def session_started(self) -> None:
        """From now on the EV on this EVSE is an ISO 15118 EV: no basic-charging engagement until it unplugs."""
        evse = self._evse
        evse.hlc_session = True
        evse.engage_at = None
        evse.meter.hlc_setpoint_w = 0.0

    def session_ended(self) -> None:
        self.stop_delivery()

    def limits(self, *, rated: bool = False) -> EnergyLimits:
        meter = self._evse.meter
        charge = meter.rating_w if rated else meter.available_w
        return EnergyLimits(
            max_charge_power_w=charge,
            max_discharge_power_w=meter.rating_w,  # OCPP 2.0.1 limits carry no discharge limit
            max_charge_current_a=DC_MAX_CHARGE_CURRENT_A,
            max_discharge_current_a=DC_MAX_DISCHARGE_CURRENT_A,
            max_voltage_v=DC_MAX_VOLTAGE_V,
            min_voltage_v=DC_MIN_VOLTAGE_V,
            min_charge_power_w=0.0,
        )

    def deliver(self, power_w: float) -> None:
        evse = self._evse
        evse.meter.hlc_setpoint_w = power_w
        if not evse.ev_engaged:
            evse.ev_engaged = True
            self._station.engine.evaluate(evse, "ChargingStateChanged")
        else:
            evse.meter.draw(evse.charging_state() == "Charging")

    def stop_delivery(self) -> None:
        evse = self._evse
        if evse.hlc_session:
            evse.meter.hlc_setpoint_w = 0.0
        if evse.ev_engaged:
            evse.ev_engaged = False
            self._station.engine.evaluate(evse, "ChargingStateChanged")
        else:
            evse.meter.draw(False)

    def present_power_w(self) -> float:
        return self._evse.meter.power_w

    def meter(self) -> MeterReading:
        meter = self._evse.meter
        return MeterReading(imported_wh=meter.register_wh, exported_wh=round(meter.export_wh_raw, 1))
