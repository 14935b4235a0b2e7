"""What the emulated EV is and wants: its identity, battery, limits and the service it asks for.

Sign convention (-20, energy flow seen from the EV): positive power or current charges the battery, negative
discharges it. Limits are magnitudes (a maximum discharge power of 11 kW is sent as 11000), targets are signed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from harness.iso15118.sequence import ControlMode, EnergyService


@dataclass(frozen=True)
class Battery:
    capacity_wh: float = 60_000.0
    soc_pct: float = 50.0
    target_soc_pct: float = 80.0
    minimum_soc_pct: float = 20.0  # the EV never discharges below this
    voltage_v: float = 400.0  # present DC voltage of the pack

    def energy_to_target_wh(self) -> float:
        return max(0.0, (self.target_soc_pct - self.soc_pct) / 100.0 * self.capacity_wh)

    def energy_to_full_wh(self) -> float:
        return (100.0 - self.soc_pct) / 100.0 * self.capacity_wh

    def energy_above_minimum_wh(self) -> float:
        return max(0.0, (self.soc_pct - self.minimum_soc_pct) / 100.0 * self.capacity_wh)


@dataclass(frozen=True)
class EvLimits:
    max_charge_power_w: float = 50_000.0
    min_charge_power_w: float = 0.0
    max_charge_current_a: float = 125.0
    min_charge_current_a: float = 0.0
    max_voltage_v: float = 450.0
    min_voltage_v: float = 250.0
    max_discharge_power_w: float = 11_000.0
    min_discharge_power_w: float = 0.0
    max_discharge_current_a: float = 30.0
    min_discharge_current_a: float = 0.0
    ac_max_charge_power_w: float = 11_000.0
    ac_min_charge_power_w: float = 1_380.0
    ac_max_discharge_power_w: float = 11_000.0
    ac_min_discharge_power_w: float = 1_380.0


@dataclass(frozen=True)
class EvParameters:
    """One emulated EV and the session it asks for."""

    evcc_id: str = "WMIV1234567890ABCDEX"
    battery: Battery = Battery()
    limits: EvLimits = EvLimits()
    service: EnergyService = EnergyService.DC
    control_mode: ControlMode = ControlMode.DYNAMIC
    discharge: bool = False  # BPT: ask for discharge (negative power) instead of charge
    requested_power_w: float = 7_000.0  # magnitude the EV asks for in Scheduled mode
    departure_s: int = 7_200
    maximum_supporting_points: int = 1024

    def with_service(self, service: EnergyService, mode: ControlMode, *, discharge: bool = False) -> EvParameters:
        return replace(self, service=service, control_mode=mode, discharge=discharge)

    @property
    def signed_power_w(self) -> float:
        """The power the EV wants: negative when it asks to discharge."""
        return -self.requested_power_w if self.discharge else self.requested_power_w
