"""Meter values (J01, J02): which measurands the station can sample and how a MeterValue is shaped."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from harness.virtual.power import PowerMeter

# measurand -> (unit of measure, reading)
MEASURAND_READINGS: dict[str, tuple[str, Callable[[PowerMeter], float]]] = {
    "Energy.Active.Import.Register": ("Wh", lambda meter: meter.register_wh),
    "Power.Active.Import": ("W", lambda meter: meter.reported_power_w),
    "Current.Import": ("A", lambda meter: meter.current_a),
    "Voltage": ("V", lambda meter: round(meter.voltage_v, 1)),
}


def sampled_values(meter: PowerMeter, measurands: Iterable[str], context: str) -> list[dict[str, Any]]:
    """One SampledValue per known measurand, each with measurand, context and unit."""
    values = []
    for measurand in measurands:
        reading = MEASURAND_READINGS.get(measurand)
        if reading is None:
            continue
        unit, read = reading
        values.append(
            {"value": read(meter), "context": context, "measurand": measurand, "unitOfMeasure": {"unit": unit}}
        )
    return values


Signer = Callable[[dict[str, Any], str], dict[str, Any]]  # (sampledValue, timestamp) -> signedMeterValue


def meter_value(
    meter: PowerMeter, measurands: Iterable[str], context: str, timestamp: str, sign: Signer | None = None
) -> dict[str, Any] | None:
    """A MeterValue, or None when no measurand is configured (sampledValue needs at least one item)."""
    values = sampled_values(meter, measurands, context)
    if sign is not None:
        for value in values:
            value["signedMeterValue"] = sign(value, timestamp)
    return {"timestamp": timestamp, "sampledValue": values} if values else None
