"""Request bodies (without the Header) the EV sends, built from its parameters and what the SECC said so far.

Each builder returns the content of one request element as a codec document. Negative tests take a body from here
and change one field, so every default request is exactly what a conformant EV would send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.iso15118.ev.parameters import EvParameters
from harness.iso15118.exi.codec import namespace_urn
from harness.iso15118.rational import rational
from harness.iso15118.sequence import CONTROL_MODE_PARAMETER, ControlMode, EnergyService, Family

Body = dict[str, Any]
SCHEMA_ID = {"DC": 1, "AC": 2}


@dataclass
class Offer:
    """What the SECC told the EV during the session; later requests depend on it."""

    evse_id: str | None = None
    authorization_services: list[str] = field(default_factory=list)
    gen_challenge: bytes | None = None
    services: list[int] = field(default_factory=list)
    parameter_sets: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    selected_parameter_set: int | None = None
    schedule_tuples: list[dict[str, Any]] = field(default_factory=list)
    evse_present_voltage_v: float | None = None


def supported_app_protocol(family: Family) -> Body:
    """Offer the -20 namespace of the session's family (the DUT may answer with its SchemaID)."""
    namespace = "dc" if family == Family.DC else "ac"
    return {
        "AppProtocol": [
            {
                "ProtocolNamespace": namespace_urn(namespace),
                "VersionNumberMajor": 1,
                "VersionNumberMinor": 0,
                "SchemaID": SCHEMA_ID[family.value],
                "Priority": 1,
            }
        ]
    }


def session_setup(ev: EvParameters) -> Body:
    return {"EVCCID": ev.evcc_id}


def authorization_setup() -> Body:
    return {}


def authorization_eim() -> Body:
    return {"SelectedAuthorizationService": "EIM", "EIM_AReqAuthorizationMode": {}}


def service_discovery() -> Body:
    return {}


def service_detail(service: EnergyService) -> Body:
    return {"ServiceID": int(service)}


def service_selection(service: EnergyService, parameter_set_id: int) -> Body:
    return {"SelectedEnergyTransferService": {"ServiceID": int(service), "ParameterSetID": parameter_set_id}}


def pick_parameter_set(parameter_sets: list[dict[str, Any]], mode: ControlMode) -> int | None:
    """The first offered parameter set whose ControlMode parameter is the mode the EV wants."""
    wanted = CONTROL_MODE_PARAMETER[mode]
    for parameter_set in parameter_sets:
        for parameter in parameter_set.get("Parameter", []):
            if parameter.get("Name") == "ControlMode" and parameter.get("intValue") == wanted:
                return int(parameter_set["ParameterSetID"])
    return None


def dc_charge_parameter_discovery(ev: EvParameters) -> Body:
    lim, bat = ev.limits, ev.battery
    mode: Body = {
        "EVMaximumChargePower": rational(lim.max_charge_power_w),
        "EVMinimumChargePower": rational(lim.min_charge_power_w),
        "EVMaximumChargeCurrent": rational(lim.max_charge_current_a),
        "EVMinimumChargeCurrent": rational(lim.min_charge_current_a),
        "EVMaximumVoltage": rational(lim.max_voltage_v),
        "EVMinimumVoltage": rational(lim.min_voltage_v),
        "TargetSOC": int(bat.target_soc_pct),
    }
    if not ev.service.bidirectional:
        return {"DC_CPDReqEnergyTransferMode": mode}
    mode |= {
        "EVMaximumDischargePower": rational(lim.max_discharge_power_w),
        "EVMinimumDischargePower": rational(lim.min_discharge_power_w),
        "EVMaximumDischargeCurrent": rational(lim.max_discharge_current_a),
        "EVMinimumDischargeCurrent": rational(lim.min_discharge_current_a),
    }
    return {"BPT_DC_CPDReqEnergyTransferMode": mode}


def ac_charge_parameter_discovery(ev: EvParameters) -> Body:
    lim = ev.limits
    mode: Body = {
        "EVMaximumChargePower": rational(lim.ac_max_charge_power_w),
        "EVMinimumChargePower": rational(lim.ac_min_charge_power_w),
    }
    if not ev.service.bidirectional:
        return {"AC_CPDReqEnergyTransferMode": mode}
    mode |= {
        "EVMaximumDischargePower": rational(lim.ac_max_discharge_power_w),
        "EVMinimumDischargePower": rational(lim.ac_min_discharge_power_w),
    }
    return {"BPT_AC_CPDReqEnergyTransferMode": mode}


def _energy_requests(ev: EvParameters) -> Body:
    """Target / maximum / minimum energy the EV asks for; a discharging EV offers energy down to its minimum SOC."""
    bat = ev.battery
    if ev.discharge:
        offered = -bat.energy_above_minimum_wh()
        return {
            "EVTargetEnergyRequest": rational(offered),
            "EVMaximumEnergyRequest": rational(bat.energy_to_full_wh()),
            "EVMinimumEnergyRequest": rational(offered),
        }
    return {
        "EVTargetEnergyRequest": rational(bat.energy_to_target_wh()),
        "EVMaximumEnergyRequest": rational(bat.energy_to_full_wh()),
        "EVMinimumEnergyRequest": rational(0.0),
    }


def schedule_exchange(ev: EvParameters) -> Body:
    if ev.control_mode == ControlMode.DYNAMIC:
        mode = {"DepartureTime": ev.departure_s, **_energy_requests(ev)}
        if ev.service.bidirectional:
            mode |= {
                "EVMaximumV2XEnergyRequest": rational(ev.battery.energy_to_full_wh()),
                "EVMinimumV2XEnergyRequest": rational(-ev.battery.energy_above_minimum_wh()),
            }
        return {"MaximumSupportingPoints": ev.maximum_supporting_points, "Dynamic_SEReqControlMode": mode}
    return {
        "MaximumSupportingPoints": ev.maximum_supporting_points,
        "Scheduled_SEReqControlMode": {"DepartureTime": ev.departure_s, **_energy_requests(ev)},
    }


def cable_check() -> Body:
    return {}


def pre_charge(ev: EvParameters, present_v: float, processing: str) -> Body:
    return {
        "EVProcessing": processing,
        "EVPresentVoltage": rational(present_v),
        "EVTargetVoltage": rational(ev.battery.voltage_v),
    }


def power_delivery(ev: EvParameters, progress: str, offer: Offer, *, now: int) -> Body:
    body: Body = {"EVProcessing": "Finished", "ChargeProgress": progress}
    if progress == "Start":
        if ev.control_mode == ControlMode.SCHEDULED and offer.schedule_tuples:
            entries = {"EVPowerProfileEntry": [{"Duration": ev.departure_s, "Power": rational(ev.signed_power_w)}]}
            tuple_id = int(offer.schedule_tuples[0]["ScheduleTupleID"])
            body["EVPowerProfile"] = {
                "TimeAnchor": now,
                "Scheduled_EVPPTControlMode": {"SelectedScheduleTupleID": tuple_id},
                "EVPowerProfileEntries": entries,
            }
        elif ev.control_mode == ControlMode.DYNAMIC:
            entries = {"EVPowerProfileEntry": [{"Duration": ev.departure_s, "Power": rational(ev.signed_power_w)}]}
            body["EVPowerProfile"] = {
                "TimeAnchor": now,
                "Dynamic_EVPPTControlMode": {},
                "EVPowerProfileEntries": entries,
            }
        if ev.service.bidirectional:
            body["BPT_ChannelSelection"] = "Discharge" if ev.discharge else "Charge"
    return body


def dc_charge_loop(ev: EvParameters) -> Body:
    lim, bat = ev.limits, ev.battery
    body: Body = {"MeterInfoRequested": False, "EVPresentVoltage": rational(bat.voltage_v)}
    display = {"PresentSOC": int(bat.soc_pct), "TargetSOC": int(bat.target_soc_pct)}
    body["DisplayParameters"] = display
    if ev.control_mode == ControlMode.SCHEDULED:
        mode: Body = {
            "EVTargetCurrent": rational(ev.signed_power_w / bat.voltage_v),
            "EVTargetVoltage": rational(bat.voltage_v),
        }
        if ev.service.bidirectional:
            body["BPT_Scheduled_DC_CLReqControlMode"] = mode
        else:
            body["Scheduled_DC_CLReqControlMode"] = mode
        return body
    dynamic: Body = {
        "DepartureTime": ev.departure_s,
        **_energy_requests(ev),
        "EVMaximumChargePower": rational(lim.max_charge_power_w),
        "EVMinimumChargePower": rational(lim.min_charge_power_w),
        "EVMaximumChargeCurrent": rational(lim.max_charge_current_a),
        "EVMaximumVoltage": rational(lim.max_voltage_v),
        "EVMinimumVoltage": rational(lim.min_voltage_v),
    }
    if ev.service.bidirectional:
        dynamic |= {
            "EVMaximumDischargePower": rational(lim.max_discharge_power_w),
            "EVMinimumDischargePower": rational(lim.min_discharge_power_w),
            "EVMaximumDischargeCurrent": rational(lim.max_discharge_current_a),
        }
        body["BPT_Dynamic_DC_CLReqControlMode"] = dynamic
    else:
        body["Dynamic_DC_CLReqControlMode"] = dynamic
    return body


def ac_charge_loop(ev: EvParameters, present_power_w: float) -> Body:
    """The AC EV reports the power its on-board charger draws (negative while it feeds back)."""
    lim = ev.limits
    body: Body = {"MeterInfoRequested": False}
    if ev.control_mode == ControlMode.SCHEDULED:
        mode: Body = {
            "EVMaximumChargePower": rational(lim.ac_max_charge_power_w),
            "EVMinimumChargePower": rational(lim.ac_min_charge_power_w),
            "EVPresentActivePower": rational(present_power_w),
        }
        if ev.service.bidirectional:
            mode |= {
                "EVMaximumDischargePower": rational(lim.ac_max_discharge_power_w),
                "EVMinimumDischargePower": rational(lim.ac_min_discharge_power_w),
            }
            body["BPT_Scheduled_AC_CLReqControlMode"] = mode
        else:
            body["Scheduled_AC_CLReqControlMode"] = mode
        return body
    dynamic: Body = {
        "DepartureTime": ev.departure_s,
        **_energy_requests(ev),
        "EVMaximumChargePower": rational(lim.ac_max_charge_power_w),
        "EVMinimumChargePower": rational(lim.ac_min_charge_power_w),
        "EVPresentActivePower": rational(present_power_w),
        "EVPresentReactivePower": rational(0.0),
    }
    if ev.service.bidirectional:
        dynamic |= {
            "EVMaximumDischargePower": rational(lim.ac_max_discharge_power_w),
            "EVMinimumDischargePower": rational(lim.ac_min_discharge_power_w),
        }
        body["BPT_Dynamic_AC_CLReqControlMode"] = dynamic
    else:
        body["Dynamic_AC_CLReqControlMode"] = dynamic
    return body


def welding_detection(processing: str = "Finished") -> Body:
    return {"EVProcessing": processing}


def session_stop(kind: str = "Terminate") -> Body:
    return {"ChargingSession": kind}
