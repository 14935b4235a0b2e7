"""The virtual SECC's answers to the common messages: protocol handshake, session, authorization, services,
schedule and session end. Each handler reads the request content and the session context and returns an Answer;
the connection (connection.py) does the framing, sequence checks and timing around it.
"""

from __future__ import annotations

import os
import time
from typing import Any

from harness.iso15118.exi.codec import namespace_urn
from harness.iso15118.rational import rational
from harness.iso15118.sequence import CONTROL_MODE_PARAMETER, ControlMode, EnergyService, Family
from harness.virtual import faults as F
from harness.virtual.secc.context import Answer, SessionContext

SUPPORTED_NAMESPACES = {namespace_urn("dc"): Family.DC, namespace_urn("ac"): Family.AC}
SCHEDULE_ENTRY_S = 3600
SCHEDULE_HOURS = 24
WRONG_EVSE_ID = "VIRTUAL-EVSE-1"  # the secc-wrong-evse-id fault: no country, operator or E marker
ONGOING_LIMIT_UNDER_FAULT = 4


def supported_app_protocol(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    """Pick the offered -20 DC or AC protocol with the best (lowest) priority."""
    offers = sorted(content.get("AppProtocol", []), key=lambda p: int(p.get("Priority", 99)))
    if ctx.active(F.SECC_SAP_PICKS_FIRST_OFFER) and offers:
        first = content["AppProtocol"][0]
        ctx.family = SUPPORTED_NAMESPACES.get(str(first.get("ProtocolNamespace")), Family.DC)
        return Answer("OK_SuccessfulNegotiation", {"SchemaID": int(first.get("SchemaID", 0))})
    for offer in offers:
        family = SUPPORTED_NAMESPACES.get(str(offer.get("ProtocolNamespace")))
        if family is None or int(offer.get("VersionNumberMajor", -1)) != 1:
            continue
        if not any(s.family == family for s in ctx.config.services):
            continue
        ctx.family = family
        code = (
            "OK_SuccessfulNegotiation"
            if int(offer.get("VersionNumberMinor", 0)) == 0
            else ("OK_SuccessfulNegotiationWithMinorDeviation")
        )
        return Answer(code, {"SchemaID": int(offer["SchemaID"])})
    return Answer("Failed_NoNegotiation")


def session_setup(ctx: SessionContext, content: dict[str, Any], header: dict[str, Any], resumable: bool) -> Answer:
    """A new session gets a fresh random SessionID; the ID of a paused session joins it again."""
    evse_id = WRONG_EVSE_ID if ctx.active(F.SECC_WRONG_EVSE_ID) else ctx.config.evse_id
    asked = header.get("SessionID", b"")
    if resumable and not ctx.active(F.SECC_NO_SESSION_RESUME):
        ctx.session_id = asked
        return Answer("OK_OldSessionJoined", {"EVSEID": evse_id})
    if ctx.active(F.SECC_ADOPTS_EV_SESSION_ID) and isinstance(asked, bytes) and any(asked):
        ctx.session_id = asked
    else:
        ctx.session_id = os.urandom(8)
    code = "OK" if ctx.active(F.SECC_SESSION_SETUP_PLAIN_OK) else "OK_NewSessionEstablished"
    ctx.link.session_started()
    return Answer(code, {"EVSEID": evse_id})


def authorization_setup(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    if ctx.active(F.SECC_AUTHORIZATION_SETUP_WITHOUT_EIM):
        return Answer(
            "OK",
            {
                "AuthorizationServices": ["PnC"],
                "CertificateInstallationService": False,
                "PnC_ASResAuthorizationMode": {"GenChallenge": os.urandom(16)},
            },
        )
    return Answer(
        "OK",
        {"AuthorizationServices": ["EIM"], "CertificateInstallationService": False, "EIM_ASResAuthorizationMode": {}},
    )


def authorization(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    """EIM: Ongoing until the station has an identification for the EVSE (idToken or remote start)."""
    if content.get("SelectedAuthorizationService") != "EIM" and not ctx.active(F.SECC_ACCEPTS_INVALID_PARAMETERS):
        return Answer("WARNING_AuthorizationSelectionInvalid", {"EVSEProcessing": "Finished"})
    ctx.authorization_polls += 1
    if ctx.link.authorized() or ctx.active(F.SECC_AUTHORIZES_WITHOUT_IDENTIFICATION):
        return Answer("OK", {"EVSEProcessing": "Finished"})
    if ctx.active(F.SECC_ONGOING_FAILS_EARLY) and ctx.authorization_polls > ONGOING_LIMIT_UNDER_FAULT:
        return Answer("FAILED")
    return Answer("OK", {"EVSEProcessing": "Ongoing"})


def offered_services(ctx: SessionContext) -> tuple[EnergyService, ...]:
    services = ctx.config.services
    if ctx.active(F.SECC_SERVICE_LIST_MISSING_BPT):
        services = tuple(s for s in services if not s.bidirectional)
    return tuple(s for s in services if ctx.family is None or s.family == ctx.family)


def service_discovery(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    services = offered_services(ctx)
    wanted = (content.get("SupportedServiceIDs") or {}).get("ServiceID")
    if wanted:
        services = tuple(s for s in services if int(s) in {int(w) for w in wanted})
    ctx.offered_services = services
    listed = [{"ServiceID": int(s), "FreeService": False} for s in services]
    return Answer("OK", {"ServiceRenegotiationSupported": False, "EnergyTransferServiceList": {"Service": listed}})


def parameter_sets(ctx: SessionContext, service: EnergyService) -> list[dict[str, Any]]:
    """One parameter set per control mode; the set ID is the mode's parameter value (1 Scheduled, 2 Dynamic)."""
    modes = ctx.config.control_modes
    if ctx.active(F.SECC_SERVICE_DETAIL_NO_DYNAMIC):
        modes = tuple(m for m in modes if m != ControlMode.DYNAMIC)
    sets = []
    for mode in modes:
        parameters: list[dict[str, Any]] = [
            {"Name": "Connector", "intValue": 2 if service.family == Family.AC else 1},
            {"Name": "ControlMode", "intValue": CONTROL_MODE_PARAMETER[mode]},
            {"Name": "MobilityNeedsMode", "intValue": 1},
            {"Name": "Pricing", "intValue": 0},
        ]
        if service.family == Family.AC:
            parameters.append({"Name": "EVSENominalVoltage", "intValue": 230})
        if service.bidirectional:
            parameters += [{"Name": "BPTChannel", "intValue": 1}, {"Name": "GeneratorMode", "intValue": 1}]
        sets.append({"ParameterSetID": CONTROL_MODE_PARAMETER[mode], "Parameter": parameters})
    return sets


def service_detail(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    service_id = int(content.get("ServiceID", -1))
    known = {int(s): s for s in ctx.offered_services or offered_services(ctx)}
    if service_id not in known:
        if not ctx.active(F.SECC_ACCEPTS_INVALID_PARAMETERS):
            return Answer("FAILED_ServiceIDInvalid")
        service = next(iter(known.values()))
    else:
        service = known[service_id]
    sets = parameter_sets(ctx, service)
    return Answer("OK", {"ServiceID": service_id, "ServiceParameterList": {"ParameterSet": sets}})


def service_selection(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    selected = content.get("SelectedEnergyTransferService") or {}
    service_id, set_id = int(selected.get("ServiceID", -1)), int(selected.get("ParameterSetID", -1))
    known = {int(s): s for s in ctx.offered_services or offered_services(ctx)}
    service = known.get(service_id)
    valid_set = service is not None and set_id in {p["ParameterSetID"] for p in parameter_sets(ctx, service)}
    if not valid_set and not ctx.active(F.SECC_ACCEPTS_INVALID_PARAMETERS):
        return Answer("FAILED_ServiceSelectionInvalid")
    if service is None:
        service = next(iter(known.values()))
    ctx.service, ctx.family, ctx.parameter_set_id = service, service.family, set_id
    ctx.control_mode = (
        ControlMode.DYNAMIC if set_id == CONTROL_MODE_PARAMETER[ControlMode.DYNAMIC] else (ControlMode.SCHEDULED)
    )
    return Answer("OK")


def _schedule(power_w: float, entries: int, now: int) -> dict[str, Any]:
    rows = [{"Duration": SCHEDULE_ENTRY_S, "Power": rational(power_w)} for _ in range(entries)]
    return {"PowerSchedule": {"TimeAnchor": now, "PowerScheduleEntries": {"PowerScheduleEntry": rows}}}


def schedule_exchange(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    """Scheduled: one tuple at the EVSE's present limit (BPT: with a discharging schedule); Dynamic: no schedule."""
    limits = ctx.link.limits(rated=ctx.active(F.SECC_IGNORES_CHARGING_LIMIT))
    dynamic = ctx.control_mode == ControlMode.DYNAMIC and not ctx.active(F.SECC_DYNAMIC_MODE_IGNORED)
    if dynamic:
        return Answer("OK", {"EVSEProcessing": "Finished", "Dynamic_SEResControlMode": {}})
    points = max(1, int(content.get("MaximumSupportingPoints", SCHEDULE_HOURS)))
    entries = SCHEDULE_HOURS if ctx.active(F.SECC_SCHEDULE_IGNORES_SUPPORTING_POINTS) else min(SCHEDULE_HOURS, points)
    now = int(time.time())
    schedule_tuple: dict[str, Any] = {
        "ScheduleTupleID": 1,
        "ChargingSchedule": _schedule(limits.max_charge_power_w, entries, now),
    }
    discharge = not ctx.active(F.SECC_REFUSES_DISCHARGE) and limits.max_discharge_power_w > 0
    if ctx.service is not None and ctx.service.bidirectional and discharge:
        schedule_tuple["DischargingSchedule"] = _schedule(-limits.max_discharge_power_w, entries, now)
    ctx.schedule_tuple_ids = (1,)
    return Answer(
        "OK", {"EVSEProcessing": "Finished", "Scheduled_SEResControlMode": {"ScheduleTuple": [schedule_tuple]}}
    )


def power_delivery(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    progress = content.get("ChargeProgress")
    if progress == "Start":
        profile = content.get("EVPowerProfile") or {}
        scheduled = profile.get("Scheduled_EVPPTControlMode")
        invalid = ctx.active(F.SECC_ACCEPTS_INVALID_PARAMETERS)
        unknown_tuple = scheduled is not None and int(scheduled.get("SelectedScheduleTupleID", -1)) not in (
            ctx.schedule_tuple_ids
        )
        if unknown_tuple and not invalid:
            return Answer("FAILED_ScheduleSelectionInvalid")
        channel = content.get("BPT_ChannelSelection")
        bidirectional = ctx.service is not None and ctx.service.bidirectional
        if channel is not None and not bidirectional and not invalid:
            return Answer("FAILED_WrongChargeParameter")
        if ctx.active(F.SECC_CONTACTOR_ERROR):
            return Answer("FAILED_ContactorError")
        ctx.discharge_channel = channel == "Discharge"
        ctx.delivering = True
        ctx.link.deliver(0.0)  # contactors closed; the charge loop sets the power
        return Answer("OK")
    if progress in ("Stop", "Standby"):
        if not ctx.active(F.SECC_IGNORES_POWER_DELIVERY_STOP):
            ctx.delivering = False
            ctx.link.stop_delivery()
        return Answer("OK")
    return Answer("FAILED_SequenceError")  # ScheduleRenegotiation is not supported by this station


def session_stop(ctx: SessionContext, content: dict[str, Any]) -> Answer:
    if ctx.active(F.SECC_SESSION_STOP_FAILED):
        return Answer("FAILED")
    ctx.paused = content.get("ChargingSession") == "Pause"
    ctx.link.stop_delivery()
    ctx.delivering = False
    return Answer("OK")
