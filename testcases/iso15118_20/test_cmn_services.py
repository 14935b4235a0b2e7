"""Common: service discovery, detail and selection, schedule exchange, power delivery and session stop."""

from __future__ import annotations

import time
from dataclasses import replace

from harness.catalogue import iso15118_case
from harness.checks import require, require_equal
from harness.evidence import Evidence
from harness.iso15118.ev import requests as rq
from harness.iso15118.ev.checks import (
    IDLE_POWER_W,
    charge_and_measure,
    expect_refusal,
    first_mode,
    first_service,
    settle_power,
)
from harness.iso15118.ev.role import EvRole
from harness.iso15118.rational import number
from harness.iso15118.sequence import ControlMode, EnergyService, State
from harness.verdict import Nonconformity
from instruments.capabilities import PowerAnalyzer

SERVICES = "ServiceDiscovery"
SCHEDULE = "ScheduleExchange"
DELIVERY = "PowerDelivery"
STOP = "SessionStop"
DISCOVERY_RULES = "ISO 15118-20 8.3.4.3.4 ServiceDiscoveryReq/Res"
DETAIL_RULES = "ISO 15118-20 8.3.4.3.5 ServiceDetailReq/Res"
SELECTION_RULES = "ISO 15118-20 8.3.4.3.6 ServiceSelectionReq/Res"
SCHEDULE_RULES = "ISO 15118-20 8.3.4.3.7 ScheduleExchangeReq/Res"
DELIVERY_RULES = "ISO 15118-20 8.3.4.3.8 PowerDeliveryReq/Res"
STOP_RULES = "ISO 15118-20 8.3.4.3.10 SessionStopReq/Res"
STOP_SETTLE_S = 4.0  # our rule: below 50 W within 4 s (the power ramps down, it may not jump)


@iso15118_case(
    "TC_SECC_CMN_VTB_ServiceDiscovery_001", "Every declared energy service is offered", SERVICES, [DISCOVERY_RULES],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ServiceDiscovery_001(ev: EvRole, evidence: Evidence) -> None:
    """Each family's session must offer every energy service the DUT profile declares for that family."""
    await ev.plug_in()
    for family in ("DC", "AC"):
        declared = [s for s in ev.pics.energy_services if s.startswith(family)]
        if not declared:
            continue
        async with ev.session(ev.parameters(declared[0], first_mode(ev.pics))) as session:
            await ev.flow(session).run_to(State.AUTHORIZED)
            response = await session.expect_ok("ServiceDiscovery", rq.service_discovery())
            offered = [int(s["ServiceID"]) for s in response.body["EnergyTransferServiceList"].get("Service", [])]
            evidence.measurement("ServiceDiscoveryRes", {"family": family, "services": offered})
            missing = [s for s in declared if int(EnergyService[s]) not in offered]
            require(not missing, f"{family} session: declared services {missing} are not offered (offered {offered})")


@iso15118_case(
    "TC_SECC_CMN_VTB_ServiceDiscovery_002", "ServiceDiscoveryReq before authorization is refused", SERVICES,
    [DISCOVERY_RULES, "sequence: FAILED_SequenceError"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ServiceDiscovery_002(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.AUTHORIZATION_OFFERED)
        await expect_refusal(
            session, "ServiceDiscovery", rq.service_discovery(), ("FAILED_SequenceError",),
            "ServiceDiscoveryReq while the authorization is pending",
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_CMN_VTB_ServiceDetail_001", "Each declared service offers a parameter set per declared control mode",
    SERVICES, [DETAIL_RULES, "ControlMode parameter 1 Scheduled, 2 Dynamic"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ServiceDetail_001(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    service = first_service(ev.pics)
    family = service[:2]
    async with ev.session(ev.parameters(service, first_mode(ev.pics))) as session:
        await ev.flow(session).run_to(State.SERVICES_OFFERED)
        for name in [s for s in ev.pics.energy_services if s.startswith(family)]:
            detail = await session.expect_ok("ServiceDetail", rq.service_detail(EnergyService[name]))
            sets = detail.body["ServiceParameterList"].get("ParameterSet", [])
            evidence.measurement("ServiceDetailRes", {"service": name, "parameter_sets": len(sets)})
            for mode in ev.pics.control_modes:
                chosen = rq.pick_parameter_set(sets, ControlMode(mode))
                require(chosen is not None, f"ServiceDetailRes for {name} has no parameter set with ControlMode {mode}")


@iso15118_case(
    "TC_SECC_CMN_VTB_ServiceDetail_002", "ServiceDetail for a service that was not offered: FAILED_ServiceIDInvalid",
    SERVICES, [DETAIL_RULES, "FAILED_ServiceIDInvalid"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ServiceDetail_002(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.SERVICES_OFFERED)
        await expect_refusal(
            session, "ServiceDetail", {"ServiceID": 3}, ("FAILED_ServiceIDInvalid",),
            "ServiceDetailReq for service 3 (WPT), which was not offered",
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_CMN_VTB_ServiceSelection_001", "Selecting an offered service and parameter set is accepted", SERVICES,
    [SELECTION_RULES],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ServiceSelection_001(ev: EvRole) -> None:
    """Every declared service with the first declared mode, in turn (one session each)."""
    await ev.plug_in()
    for name in ev.pics.energy_services:
        async with ev.session(ev.parameters(name, first_mode(ev.pics))) as session:
            await ev.flow(session).run_to(State.SERVICE_SELECTED)


@iso15118_case(
    "TC_SECC_CMN_VTB_ServiceSelection_002", "Selecting a service that was not offered: FAILED_ServiceSelectionInvalid",
    SERVICES, [SELECTION_RULES, "FAILED_ServiceSelectionInvalid"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ServiceSelection_002(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.SERVICES_OFFERED)
        await expect_refusal(
            session, "ServiceSelection", rq.service_selection(EnergyService.WPT, 1),
            ("FAILED_ServiceSelectionInvalid",), "ServiceSelectionReq for service 3 (WPT), never offered",
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_CMN_VTB_ServiceSelection_003", "Selecting a parameter set that was not offered is refused", SERVICES,
    [SELECTION_RULES, "FAILED_ServiceSelectionInvalid"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ServiceSelection_003(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.default_parameters()
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SERVICES_OFFERED)
        detail = await session.expect_ok("ServiceDetail", rq.service_detail(params.service))
        offered = {int(p["ParameterSetID"]) for p in detail.body["ServiceParameterList"].get("ParameterSet", [])}
        unknown = max(offered, default=0) + 100
        await expect_refusal(
            session, "ServiceSelection", rq.service_selection(params.service, unknown),
            ("FAILED_ServiceSelectionInvalid",), f"ServiceSelectionReq with parameter set {unknown}, never offered",
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_CMN_VTB_ScheduleExchange_001", "Scheduled: a schedule tuple within MaximumSupportingPoints", SCHEDULE,
    [SCHEDULE_RULES, "MaximumSupportingPoints bounds the schedule entries"], needs=["iso15118.mode.Scheduled"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ScheduleExchange_001(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    params = replace(ev.parameters(first_service(ev.pics), "Scheduled"), maximum_supporting_points=12)
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.PARAMETERS_EXCHANGED)
        response = await session.expect_ok("ScheduleExchange", rq.schedule_exchange(params))
        tuples = (response.body.get("Scheduled_SEResControlMode") or {}).get("ScheduleTuple", [])
        require(bool(tuples), "ScheduleExchangeRes (Scheduled) offers no ScheduleTuple")
        for schedule_tuple in tuples:
            for part in ("ChargingSchedule", "DischargingSchedule"):
                if part not in schedule_tuple:
                    continue
                entries = schedule_tuple[part]["PowerSchedule"]["PowerScheduleEntries"]["PowerScheduleEntry"]
                evidence.measurement(
                    "ScheduleExchangeRes", {"tuple": schedule_tuple["ScheduleTupleID"], part: len(entries)}
                )
                require(len(entries) <= 12, f"{part} has {len(entries)} entries; the EV allowed 12 supporting points")


@iso15118_case(
    "TC_SECC_CMN_VTB_ScheduleExchange_002", "Dynamic: the answer uses the Dynamic control mode", SCHEDULE,
    [SCHEDULE_RULES, "Dynamic_SEResControlMode"], needs=["iso15118.mode.Dynamic"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ScheduleExchange_002(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.parameters(first_service(ev.pics), "Dynamic")
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.PARAMETERS_EXCHANGED)
        response = await session.expect_ok("ScheduleExchange", rq.schedule_exchange(params))
        modes = sorted(k for k in response.body if k.endswith("ControlMode"))
        require("Dynamic_SEResControlMode" in response.body, f"ScheduleExchangeRes for a Dynamic session has {modes}")


@iso15118_case(
    "TC_SECC_CMN_VTB_ScheduleExchange_003", "BPT Scheduled: the tuple carries a discharging schedule", SCHEDULE,
    [SCHEDULE_RULES, "ScheduleTuple DischargingSchedule for BPT services"],
    needs=["iso15118.mode.Scheduled", "iso15118.bidirectional"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ScheduleExchange_003(ev: EvRole) -> None:
    """Its power entries must allow discharge (non-zero magnitude; the sign convention is read as either way)."""
    bpt = [s for s in ev.pics.energy_services if s.endswith("_BPT")]
    await ev.plug_in()
    params = ev.parameters(bpt[0], "Scheduled", discharge=True)
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.PARAMETERS_EXCHANGED)
        response = await session.expect_ok("ScheduleExchange", rq.schedule_exchange(params))
        tuples = (response.body.get("Scheduled_SEResControlMode") or {}).get("ScheduleTuple", [])
        with_discharge = [t for t in tuples if "DischargingSchedule" in t]
        require(bool(with_discharge), "no ScheduleTuple of the BPT session has a DischargingSchedule")
        entries = with_discharge[0]["DischargingSchedule"]["PowerSchedule"]["PowerScheduleEntries"][
            "PowerScheduleEntry"
        ]
        require(any(abs(number(e["Power"])) > 0 for e in entries), "the DischargingSchedule allows 0 W throughout")


@iso15118_case(
    "TC_SECC_CMN_VTB_ScheduleExchange_004", "ScheduleExchangeReq before ChargeParameterDiscovery is refused", SCHEDULE,
    [SCHEDULE_RULES, "sequence: FAILED_SequenceError"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_ScheduleExchange_004(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.default_parameters()
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SERVICE_SELECTED)
        await expect_refusal(
            session, "ScheduleExchange", rq.schedule_exchange(params), ("FAILED_SequenceError",),
            "ScheduleExchangeReq before ChargeParameterDiscoveryReq",
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_CMN_VTB_PowerDelivery_001", "PowerDelivery Start with a schedule tuple never offered is refused",
    DELIVERY, [DELIVERY_RULES, "FAILED_ScheduleSelectionInvalid"], needs=["iso15118.mode.Scheduled"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_PowerDelivery_001(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.parameters(first_service(ev.pics), "Scheduled")
    async with ev.session(params) as session:
        flow = ev.flow(session)
        target = State.PRECHARGED if session.family.value == "DC" else State.SCHEDULED
        await flow.run_to(target)
        body = rq.power_delivery(params, "Start", session.offer, now=int(time.time()))
        body["EVPowerProfile"]["Scheduled_EVPPTControlMode"]["SelectedScheduleTupleID"] = 250
        await expect_refusal(
            session, "PowerDelivery", body, ("FAILED_ScheduleSelectionInvalid",),
            "PowerDeliveryReq (Start) selecting schedule tuple 250, never offered",
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_CMN_VTB_PowerDelivery_002", "PowerDelivery Stop ends the energy flow", DELIVERY,
    [DELIVERY_RULES, "ChargeProgress Stop"], instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_PowerDelivery_002(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence) -> None:
    """The EV stays ready for power (state C) after the Stop, so only the charger can end the flow."""
    await ev.plug_in()
    params = ev.default_parameters()
    async with ev.session(params) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        _, flowing = await charge_and_measure(
            flow, analyser, evidence, "charging", lambda p: abs(p) > IDLE_POWER_W, at_least_s=1.0, settle_s=2.0
        )
        if abs(flowing[-1]) <= IDLE_POWER_W:
            raise Nonconformity(f"no power flowed during energy transfer (analyser: {flowing[-1]:.0f} W)")
        stop = rq.power_delivery(params, "Stop", session.offer, now=int(time.time()))
        await session.expect_ok("PowerDelivery", stop, "PowerDeliveryRes (Stop)")
        after = await settle_power(
            analyser, evidence, "after PowerDelivery Stop", lambda p: abs(p) < IDLE_POWER_W, STOP_SETTLE_S
        )
        await ev.ready_for_power(False)
        require(
            abs(after[-1]) < IDLE_POWER_W, f"{after[-1]:.0f} W still flow {STOP_SETTLE_S:g} s after PowerDelivery Stop"
        )


@iso15118_case(
    "TC_SECC_CMN_VTB_SessionStop_001", "SessionStop Terminate after energy transfer is accepted", STOP, [STOP_RULES],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SessionStop_001(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        flow = ev.flow(session)
        await flow.full_session(1.0)
        require_equal(session.state, State.ENDED, "session state after SessionStop")
