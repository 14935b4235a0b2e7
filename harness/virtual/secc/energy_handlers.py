"""The virtual SECC's answers to the DC and AC energy messages, driving the station's power path.

Setpoints follow -20's sign convention (positive charges the EV) and are clamped to the EVSE's limits, which
include the OCPP charging limit; what the plant then really delivers is what the charge loop reports back.
"""

from __future__ import annotations

from typing import Any

from harness.iso15118.rational import number, rational
from harness.iso15118.sequence import ControlMode, Family
from harness.virtual import faults as F
from harness.virtual.secc.context import Answer, SessionContext
from harness.virtual.secc.link import EnergyLimits

WELDING_SAFE_V = 1.0
METER_ID = "VS-METER-1"


def _value(content: dict[str, Any], key: str, default: float = 0.0) -> float:
    try:
        return number(content[key]) if key in content else default
    except (ValueError, TypeError):
        return default


def _limits(ctx: SessionContext) -> EnergyLimits:
    return ctx.link.limits(rated=ctx.active(F.SECC_IGNORES_CHARGING_LIMIT))


def _discharge_allowed(ctx: SessionContext) -> bool:
    return ctx.service is not None and ctx.service.bidirectional and not ctx.active(F.SECC_REFUSES_DISCHARGE)


def _deliver(ctx: SessionContext, power_w: float) -> None:
    """Hand the setpoint to the power path (which the secc-delivers-half-power fault weakens)."""
    ctx.link.deliver(power_w / 2 if ctx.active(F.SECC_DELIVERS_HALF_POWER) else power_w)


def _clamp(ctx: SessionContext, power_w: float) -> float:
    limits = _limits(ctx)
    low = -limits.max_discharge_power_w if _discharge_allowed(ctx) else 0.0
    return max(low, min(power_w, limits.max_charge_power_w))


def _meter_info(ctx: SessionContext, content: dict[str, Any]) -> dict[str, Any]:
    if not content.get("MeterInfoRequested") or ctx.active(F.SECC_NO_METER_INFO):
        return {}
    reading = ctx.link.meter()
    info: dict[str, Any] = {"MeterID": METER_ID, "ChargedEnergyReadingWh": int(reading.imported_wh)}
    if ctx.service is not None and ctx.service.bidirectional:
        info["BPT_DischargedEnergyReadingWh"] = int(reading.exported_wh)
    return {"MeterInfo": info}


# ------------------------------------------------------------ charge parameters


def _ev_limits_consistent(mode: dict[str, Any]) -> bool:
    """The EV's maxima are not below its minima (the one parameter check that needs no knowledge of the car)."""
    pairs = [
        ("EVMaximumChargePower", "EVMinimumChargePower"),
        ("EVMaximumChargeCurrent", "EVMinimumChargeCurrent"),
        ("EVMaximumVoltage", "EVMinimumVoltage"),
        ("EVMaximumDischargePower", "EVMinimumDischargePower"),
        ("EVMaximumDischargeCurrent", "EVMinimumDischargeCurrent"),
    ]
    return all(_value(mode, high) >= _value(mode, low) for high, low in pairs if high in mode and low in mode)


def _wrong_charge_parameters(ctx: SessionContext, content: dict[str, Any], family: Family) -> bool:
    """The EV sent the energy-transfer mode of another service, or limits that contradict themselves."""
    prefix = "BPT_" if ctx.service is not None and ctx.service.bidirectional else ""
    mode = content.get(f"{prefix}{family.value}_CPDReqEnergyTransferMode")
    wrong = not isinstance(mode, dict) or not _ev_limits_consistent(mode)
    return wrong and not ctx.active(F.SECC_ACCEPTS_INVALID_PARAMETERS)


def dc_charge_parameter_discovery(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    if _wrong_charge_parameters(ctx, content, Family.DC):
        return Answer("FAILED_WrongChargeParameter")
    limits = _limits(ctx)
    answer: dict[str, Any] = {
        "EVSEMaximumChargePower": rational(limits.max_charge_power_w),
        "EVSEMinimumChargePower": rational(limits.min_charge_power_w),
        "EVSEMaximumChargeCurrent": rational(limits.max_charge_current_a),
        "EVSEMinimumChargeCurrent": rational(0.0),
        "EVSEMaximumVoltage": rational(limits.max_voltage_v),
        "EVSEMinimumVoltage": rational(limits.min_voltage_v),
    }
    if ctx.service is None or not ctx.service.bidirectional:
        return Answer("OK", {"DC_CPDResEnergyTransferMode": answer})
    discharge = _discharge_allowed(ctx)
    answer |= {
        "EVSEMaximumDischargePower": rational(limits.max_discharge_power_w if discharge else 0.0),
        "EVSEMinimumDischargePower": rational(limits.min_discharge_power_w if discharge else 0.0),
        "EVSEMaximumDischargeCurrent": rational(limits.max_discharge_current_a if discharge else 0.0),
        "EVSEMinimumDischargeCurrent": rational(0.0),
    }
    return Answer("OK", {"BPT_DC_CPDResEnergyTransferMode": answer})


def ac_charge_parameter_discovery(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    if _wrong_charge_parameters(ctx, content, Family.AC):
        return Answer("FAILED_WrongChargeParameter")
    limits = _limits(ctx)
    answer: dict[str, Any] = {
        "EVSEMaximumChargePower": rational(limits.max_charge_power_w),
        "EVSEMinimumChargePower": rational(limits.min_charge_power_w),
        "EVSENominalFrequency": rational(ctx.config.evse_nominal_frequency_hz),
    }
    if ctx.service is None or not ctx.service.bidirectional:
        return Answer("OK", {"AC_CPDResEnergyTransferMode": answer})
    discharge = _discharge_allowed(ctx)
    answer |= {
        "EVSEMaximumDischargePower": rational(limits.max_discharge_power_w if discharge else 0.0),
        "EVSEMinimumDischargePower": rational(limits.min_discharge_power_w if discharge else 0.0),
    }
    return Answer("OK", {"BPT_AC_CPDResEnergyTransferMode": answer})


# ------------------------------------------------------------ DC preparation and end


def cable_check(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    ctx.cable_check_rounds += 1
    done = ctx.cable_check_rounds > ctx.config.cable_check_ongoing_rounds
    if ctx.active(F.SECC_CABLE_CHECK_NEVER_FINISHES):
        done = False
    return Answer("OK", {"EVSEProcessing": "Finished" if done else "Ongoing"})


def pre_charge(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    """The output voltage moves towards the EV's target by one step per request."""
    target = _value(content, "EVTargetVoltage")
    if not ctx.active(F.SECC_PRECHARGE_NO_VOLTAGE):
        step = ctx.config.precharge_step_v
        ctx.output_voltage_v += max(-step, min(step, target - ctx.output_voltage_v))
    return Answer("OK", {"EVSEPresentVoltage": rational(ctx.output_voltage_v)})


def welding_detection(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    if not ctx.active(F.SECC_WELDING_VOLTAGE_STUCK):
        ctx.output_voltage_v *= ctx.config.welding_decay
        if ctx.output_voltage_v < WELDING_SAFE_V:
            ctx.output_voltage_v = 0.0
    return Answer("OK", {"EVSEPresentVoltage": rational(ctx.output_voltage_v)})


# ------------------------------------------------------------ charge loops


def _dc_setpoint(ctx: SessionContext, content: dict[str, Any], voltage_v: float) -> tuple[str, float]:
    """(control-mode element name the answer uses, power the EV's request calls for)."""
    for key in ("Scheduled_DC_CLReqControlMode", "BPT_Scheduled_DC_CLReqControlMode"):
        if isinstance(mode := content.get(key), dict):
            current = _value(mode, "EVTargetCurrent")
            return key.replace("Req", "Res"), current * _value(mode, "EVTargetVoltage", voltage_v)
    for key in ("Dynamic_DC_CLReqControlMode", "BPT_Dynamic_DC_CLReqControlMode"):
        if isinstance(mode := content.get(key), dict):
            return key.replace("Req", "Res"), _dynamic_power(mode, "EVMaximumChargePower", "EVMaximumDischargePower")
    return "", 0.0


def _dynamic_power(mode: dict[str, Any], charge_key: str, discharge_key: str) -> float:
    """Dynamic control: the SECC decides. It charges while the EV wants energy and discharges while the EV offers
    energy (a negative target energy request), each at the EV's maximum; the EVSE's limits clamp it after."""
    wanted_wh = _value(mode, "EVTargetEnergyRequest")
    if wanted_wh > 0:
        return _value(mode, charge_key)
    if wanted_wh < 0:
        return -_value(mode, discharge_key)
    return 0.0


def _expected_mode(ctx: SessionContext, family: Family) -> set[str]:
    """Names of the control-mode elements the selected service and mode allow in the charge loop."""
    prefix = "BPT_" if ctx.service is not None and ctx.service.bidirectional else ""
    mode = "Dynamic" if ctx.control_mode == ControlMode.DYNAMIC else "Scheduled"
    return {f"{prefix}{mode}_{family.value}_CLReqControlMode"}


def _wrong_mode(ctx: SessionContext, content: dict[str, Any], family: Family) -> bool:
    sent = {key for key in content if key.endswith("CLReqControlMode")}
    return sent != _expected_mode(ctx, family) and not ctx.active(F.SECC_ACCEPTS_INVALID_PARAMETERS)


def dc_charge_loop(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    if _wrong_mode(ctx, content, Family.DC):
        return Answer("FAILED_WrongChargeParameter")
    voltage = _value(content, "EVPresentVoltage", ctx.output_voltage_v)
    ctx.output_voltage_v = voltage
    element, requested = _dc_setpoint(ctx, content, voltage)
    ctx.setpoint_w = _clamp(ctx, requested)
    if ctx.delivering:
        _deliver(ctx, ctx.setpoint_w)
    present = ctx.link.present_power_w() if ctx.delivering else 0.0
    limits = _limits(ctx)
    mode_answer: dict[str, Any] = {}
    if element.startswith("Dynamic") or element.startswith("BPT_Dynamic"):
        mode_answer = {
            "EVSEMaximumChargePower": rational(limits.max_charge_power_w),
            "EVSEMinimumChargePower": rational(0.0),
            "EVSEMaximumChargeCurrent": rational(limits.max_charge_current_a),
            "EVSEMaximumVoltage": rational(limits.max_voltage_v),
        }
        if element.startswith("BPT"):
            discharge = limits.max_discharge_power_w if _discharge_allowed(ctx) else 0.0
            mode_answer |= {
                "EVSEMaximumDischargePower": rational(discharge),
                "EVSEMinimumDischargePower": rational(0.0),
                "EVSEMaximumDischargeCurrent": rational(limits.max_discharge_current_a if discharge else 0.0),
                "EVSEMinimumVoltage": rational(limits.min_voltage_v),
            }
    else:
        mode_answer = {"EVSEMaximumChargePower": rational(limits.max_charge_power_w)}
    answer: dict[str, Any] = {
        **_meter_info(ctx, content),
        "EVSEPresentCurrent": rational(present / voltage if voltage > 0 else 0.0),
        "EVSEPresentVoltage": rational(voltage if ctx.delivering else 0.0),
        "EVSEPowerLimitAchieved": abs(requested) > abs(ctx.setpoint_w) + 1.0,
        "EVSECurrentLimitAchieved": False,
        "EVSEVoltageLimitAchieved": False,
        element or "Scheduled_DC_CLResControlMode": mode_answer,
    }
    return Answer("OK", answer)


def ac_charge_loop(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    """Scheduled: the EV's charger sets the power, the EVSE meters it within its limits. Dynamic: the EVSE sets
    the target, which the EV follows."""
    if _wrong_mode(ctx, content, Family.AC):
        return Answer("FAILED_WrongChargeParameter")
    sent = next(key for key in content if key.endswith("CLReqControlMode"))
    mode = content[sent]
    element = sent.replace("Req", "Res")
    if "Dynamic" in sent:
        target = _clamp(ctx, _dynamic_power(mode, "EVMaximumChargePower", "EVMaximumDischargePower"))
        ctx.setpoint_w = target
        if ctx.delivering:
            _deliver(ctx, target)
        present = ctx.link.present_power_w() if ctx.delivering else 0.0
        mode_answer = {"EVSETargetActivePower": rational(target), "EVSEPresentActivePower": rational(present)}
    else:
        ctx.setpoint_w = _clamp(ctx, _value(mode, "EVPresentActivePower"))
        if ctx.delivering:
            _deliver(ctx, ctx.setpoint_w)
        present = ctx.link.present_power_w() if ctx.delivering else 0.0
        mode_answer = {"EVSEPresentActivePower": rational(present)}
    return Answer("OK", {**_meter_info(ctx, content), element: mode_answer})
