"""DC and DC_BPT: charge parameters, cable check, pre-charge, power delivery, the charge loop (with discharge and
the OCPP charging limit), welding detection."""

from __future__ import annotations

import time
from dataclasses import replace

from harness.catalogue import iso15118_case
from harness.checks import require
from harness.evidence import Evidence
from harness.iso15118.ev import requests as rq
from harness.iso15118.ev.checks import (
    IDLE_POWER_W,
    POWER_SETTLE_S,
    TRACKING,
    charge_and_measure,
    expect_refusal,
    first_mode,
    first_service,
    limit_reaches_charge_loop,
)
from harness.iso15118.ev.flow import LoopSample
from harness.iso15118.ev.role import EvRole
from harness.iso15118.rational import number, rational
from harness.iso15118.sequence import ControlMode, State
from harness.ocpp.channel import StationChannel
from instruments.capabilities import PowerAnalyzer

CPD = "DC_ChargeParameterDiscovery"
PREPARE = "DC_CableCheck_PreCharge"
LOOP = "DC_ChargeLoop"
WELDING = "DC_WeldingDetection"
CPD_RULES = "ISO 15118-20 8.3.4.5.2 DC_ChargeParameterDiscoveryReq/Res"
CABLE_RULES = "ISO 15118-20 8.3.4.5.3 DC_CableCheckReq/Res"
PRECHARGE_RULES = "ISO 15118-20 8.3.4.5.4 DC_PreChargeReq/Res"
LOOP_RULES = "ISO 15118-20 8.3.4.5.5 DC_ChargeLoopReq/Res"
WELDING_RULES = "ISO 15118-20 8.3.4.5.6 DC_WeldingDetectionReq/Res"
DELIVERY_RULES = "ISO 15118-20 8.3.4.3.8 PowerDeliveryReq/Res"
WELDING_SAFE_V = 60.0  # IEC 61851-23: below 60 V DC the output counts as safe to touch
WELDING_ROUNDS = 10


def _dc(ev: EvRole, *, bidirectional: bool | None = None) -> str:
    return first_service(ev.pics, "DC", bidirectional=bidirectional)


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeParameterDiscovery_001", "DC limits are consistent and cover the EV's voltage", CPD,
    [CPD_RULES], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeParameterDiscovery_001(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    params = ev.parameters(_dc(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SERVICE_SELECTED)
        response = await session.expect_ok(CPD, rq.dc_charge_parameter_discovery(params))
        mode = response.body.get("DC_CPDResEnergyTransferMode") or response.body.get("BPT_DC_CPDResEnergyTransferMode")
        require(isinstance(mode, dict), "DC_ChargeParameterDiscoveryRes has no energy transfer mode")
        assert isinstance(mode, dict)
        limits = {key: number(value) for key, value in mode.items() if isinstance(value, dict)}
        evidence.measurement("DC_ChargeParameterDiscoveryRes", limits)
        for high, low in (("EVSEMaximumChargePower", "EVSEMinimumChargePower"),
                          ("EVSEMaximumChargeCurrent", "EVSEMinimumChargeCurrent"),
                          ("EVSEMaximumVoltage", "EVSEMinimumVoltage")):  # fmt: skip
            require(limits[high] >= limits[low], f"{high} {limits[high]:g} is below {low} {limits[low]:g}")
        require(limits["EVSEMaximumChargePower"] > 0, "EVSEMaximumChargePower is 0: the charger cannot charge")
        battery = params.battery.voltage_v
        require(limits["EVSEMinimumVoltage"] <= battery <= limits["EVSEMaximumVoltage"],
                f"the EV's {battery:g} V lie outside the charger's {limits['EVSEMinimumVoltage']:g}-"
                f"{limits['EVSEMaximumVoltage']:g} V")  # fmt: skip


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeParameterDiscovery_002", "DC_BPT: the charger offers discharge power and current", CPD,
    [CPD_RULES, "BPT_DC_CPDResEnergyTransferMode"], needs=["iso15118.service.DC_BPT"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeParameterDiscovery_002(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.parameters("DC_BPT", first_mode(ev.pics), discharge=True)
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SERVICE_SELECTED)
        response = await session.expect_ok(CPD, rq.dc_charge_parameter_discovery(params))
        mode = response.body.get("BPT_DC_CPDResEnergyTransferMode")
        require(isinstance(mode, dict), "a DC_BPT session's answer has no BPT_DC_CPDResEnergyTransferMode")
        assert isinstance(mode, dict)
        for key in ("EVSEMaximumDischargePower", "EVSEMaximumDischargeCurrent"):
            require(abs(number(mode[key])) > 0, f"{key} is 0: the charger offers no discharge")


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeParameterDiscovery_003", "EV limits that contradict themselves: FAILED_WrongChargeParameter",
    CPD, [CPD_RULES, "FAILED_WrongChargeParameter"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeParameterDiscovery_003(ev: EvRole) -> None:
    """EVMaximumVoltage 200 V below EVMinimumVoltage 400 V."""
    await ev.plug_in()
    params = ev.parameters(_dc(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SERVICE_SELECTED)
        body = rq.dc_charge_parameter_discovery(params)
        mode = next(iter(body.values()))
        mode["EVMaximumVoltage"], mode["EVMinimumVoltage"] = rational(200), rational(400)
        await expect_refusal(
            session,
            CPD,
            body,
            ("FAILED_WrongChargeParameter",),
            "DC_ChargeParameterDiscoveryReq with max < min voltage",
        )


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeParameterDiscovery_004", "DC_ChargeParameterDiscoveryReq before ServiceSelection is refused",
    CPD, [CPD_RULES, "sequence: FAILED_SequenceError"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeParameterDiscovery_004(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.parameters(_dc(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SERVICES_OFFERED)
        await expect_refusal(
            session, CPD, rq.dc_charge_parameter_discovery(params), ("FAILED_SequenceError",),
            "DC_ChargeParameterDiscoveryReq before ServiceSelectionReq",
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_DC_VTB_CableCheck_001", "The cable check finishes within V2G_EVCC_CableCheck_Timeout", PREPARE,
    [CABLE_RULES, "V2G_EVCC_CableCheck_Timeout (40 s; PIXIT)"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_CableCheck_001(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    async with ev.session(ev.parameters(_dc(ev), first_mode(ev.pics))) as session:
        flow = ev.flow(session)
        await flow.run_to(State.SCHEDULED)
        started = time.monotonic()
        await flow.run_to(State.CABLE_CHECKED)  # the flow fails the case when the timeout passes
        evidence.measurement("cable check", {"duration_s": round(time.monotonic() - started, 3)})


@iso15118_case(
    "TC_SECC_DC_VTB_CableCheck_002", "DC_CableCheckReq before ScheduleExchange is refused", PREPARE,
    [CABLE_RULES, "sequence: FAILED_SequenceError"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_CableCheck_002(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.parameters(_dc(ev), first_mode(ev.pics))) as session:
        await ev.flow(session).run_to(State.PARAMETERS_EXCHANGED)
        await expect_refusal(
            session, "DC_CableCheck", rq.cable_check(), ("FAILED_SequenceError",),
            "DC_CableCheckReq before ScheduleExchangeReq",
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_DC_VTB_PreCharge_001", "Pre-charge brings the output to the EV's voltage within the timeout", PREPARE,
    [PRECHARGE_RULES, "V2G_EVCC_PreCharge_Timeout (10 s; PIXIT)"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_PreCharge_001(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    async with ev.session(ev.parameters(_dc(ev), first_mode(ev.pics))) as session:
        flow = ev.flow(session)
        await flow.run_to(State.CABLE_CHECKED)
        started = time.monotonic()
        await flow.run_to(State.PRECHARGED)
        evidence.measurement("pre-charge", {"duration_s": round(time.monotonic() - started, 3)})


@iso15118_case(
    "TC_SECC_DC_VTB_PreCharge_002", "PowerDelivery Start without pre-charge is refused", PREPARE,
    [PRECHARGE_RULES, DELIVERY_RULES, "sequence: FAILED_SequenceError"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_PreCharge_002(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.parameters(_dc(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.CABLE_CHECKED)
        body = rq.power_delivery(params, "Start", session.offer, now=int(time.time()))
        await expect_refusal(
            session, "PowerDelivery", body, ("FAILED_SequenceError",), "PowerDeliveryReq (Start) before DC_PreChargeReq"
        )


@iso15118_case(
    "TC_SECC_DC_VTB_PowerDelivery_001", "PowerDelivery Start after pre-charge is accepted", LOOP,
    [DELIVERY_RULES], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_PowerDelivery_001(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.parameters(_dc(ev), first_mode(ev.pics))) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)  # the flow requires OK for PowerDeliveryRes (Start)
        await flow.run_to(State.ENDED)


def _currents(samples: list[LoopSample]) -> list[float]:
    return [round(s.evse_present_current_a or 0.0, 2) for s in samples]


async def _scheduled_tracking(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence, *, discharge: bool) -> None:
    """Scheduled DC: the EV commands a current; the charger must deliver it (and the analyser see it)."""
    service = "DC_BPT" if discharge else _dc(ev)
    params = ev.parameters(service, "Scheduled", discharge=discharge)
    wanted_a = params.signed_power_w / params.battery.voltage_v
    async with ev.session(params) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        samples, measured = await charge_and_measure(
            flow, analyser, evidence, "during the charge loop",
            lambda p: abs(p - params.signed_power_w) <= abs(params.signed_power_w) * TRACKING,
            at_least_s=2.5, settle_s=POWER_SETTLE_S,
        )  # fmt: skip
        await flow.run_to(State.ENDED)
    evidence.measurement("DC charge loop", {"target_current_a": round(wanted_a, 2), "present_a": _currents(samples)})
    last = samples[-1].evse_present_current_a or 0.0
    direction = "discharge" if discharge else "charge"
    require(
        abs(last - wanted_a) <= abs(wanted_a) * TRACKING,
        f"EVSEPresentCurrent {last:.1f} A after 2.5 s; the EV asked for {wanted_a:.1f} A ({direction})",
    )
    require(
        abs(measured[-1] - params.signed_power_w) <= abs(params.signed_power_w) * TRACKING,
        f"the analyser measured {measured[-1]:.0f} W; the EV's {direction} request was {params.signed_power_w:.0f} W",
    )


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeLoop_001", "Scheduled DC: the charger delivers the current the EV asks for", LOOP,
    [LOOP_RULES, "Scheduled_DC_CLReqControlMode EVTargetCurrent"],
    needs=["iso15118.family.DC", "iso15118.mode.Scheduled"], instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeLoop_001(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence) -> None:
    await ev.plug_in()
    await _scheduled_tracking(ev, analyser, evidence, discharge=False)


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeLoop_002", "Scheduled DC_BPT: the EV asks to discharge and the charger discharges it", LOOP,
    [LOOP_RULES, "BPT_Scheduled_DC_CLReqControlMode: negative EVTargetCurrent discharges the EV"],
    needs=["iso15118.service.DC_BPT", "iso15118.mode.Scheduled"], instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeLoop_002(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence) -> None:
    await ev.plug_in()
    await _scheduled_tracking(ev, analyser, evidence, discharge=True)


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeLoop_003", "Dynamic DC_BPT: an EV offering energy is discharged", LOOP,
    [LOOP_RULES, "BPT_Dynamic_DC_CLReqControlMode: negative EVTargetEnergyRequest"],
    needs=["iso15118.service.DC_BPT", "iso15118.mode.Dynamic", "iso15118.dynamic_discharge"],
    instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeLoop_003(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence) -> None:
    await ev.plug_in()
    params = ev.parameters("DC_BPT", "Dynamic", discharge=True)
    async with ev.session(params) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        samples, measured = await charge_and_measure(
            flow,
            analyser,
            evidence,
            "dynamic discharge",
            lambda p: p < -IDLE_POWER_W * 10,
            at_least_s=2.5,
            settle_s=POWER_SETTLE_S,
        )
        await flow.run_to(State.ENDED)
    evidence.measurement("DC charge loop", {"present_a": _currents(samples)})
    require((samples[-1].evse_present_current_a or 0.0) < 0, "EVSEPresentCurrent stayed >= 0: no discharge")
    require(measured[-1] < -IDLE_POWER_W * 10, f"the analyser measured {measured[-1]:.0f} W: the EV was not discharged")


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeLoop_004", "Dynamic DC: an OCPP charging limit reaches the charge loop and the power", LOOP,
    [LOOP_RULES, "Dynamic_DC_CLResControlMode EVSEMaximumChargePower", "OCPP 2.0.1 K01 TxDefaultProfile"],
    needs=["iso15118.family.DC", "iso15118.mode.Dynamic", "smart_charging"], instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeLoop_004(
    ev: EvRole, csms: StationChannel, analyser: PowerAnalyzer, evidence: Evidence
) -> None:
    await ev.plug_in()
    await limit_reaches_charge_loop(ev, csms, analyser, evidence, "DC")


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeLoop_005", "MeterInfo is sent when the EV asks for it, and the register never falls", LOOP,
    [LOOP_RULES, "ChargeLoopReq MeterInfoRequested; MeterInfo ChargedEnergyReadingWh"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeLoop_005(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    params = ev.parameters(_dc(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.ENERGY_TRANSFER)
        readings = []
        for _ in range(3):
            body = rq.dc_charge_loop(params) | {"MeterInfoRequested": True}
            response = await session.expect_ok(LOOP, body)
            info = response.body.get("MeterInfo")
            require(isinstance(info, dict), "DC_ChargeLoopRes has no MeterInfo although the EV asked for it")
            assert isinstance(info, dict)
            readings.append(int(info["ChargedEnergyReadingWh"]))
        evidence.measurement("MeterInfo", {"ChargedEnergyReadingWh": readings})
        require(readings == sorted(readings), f"ChargedEnergyReadingWh went down: {readings}")
        await ev.flow(session).run_to(State.ENDED)


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeLoop_006", "DC_ChargeLoopReq before PowerDelivery is refused", LOOP,
    [LOOP_RULES, "sequence: FAILED_SequenceError"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeLoop_006(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.parameters(_dc(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.PRECHARGED)
        await expect_refusal(
            session, LOOP, rq.dc_charge_loop(params), ("FAILED_SequenceError",), "DC_ChargeLoopReq before PowerDelivery"
        )


@iso15118_case(
    "TC_SECC_DC_VTB_ChargeLoop_007", "A charge-loop control mode other than the selected one is refused", LOOP,
    [LOOP_RULES, "the charge loop carries the control mode of the selected parameter set"],
    needs=["iso15118.family.DC", "iso15118.mode.Scheduled", "iso15118.mode.Dynamic"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_ChargeLoop_007(ev: EvRole) -> None:
    """A Dynamic session sends a Scheduled control mode in its charge loop."""
    await ev.plug_in()
    service = _dc(ev, bidirectional=False) if "DC" in ev.pics.energy_services else _dc(ev)
    params = ev.parameters(service, "Dynamic")
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.ENERGY_TRANSFER)
        wrong = rq.dc_charge_loop(replace(params, control_mode=ControlMode.SCHEDULED))
        codes = ("FAILED_WrongChargeParameter", "FAILED_SequenceError", "FAILED")
        await expect_refusal(
            session, LOOP, wrong, codes, "DC_ChargeLoopReq with the Scheduled mode in a Dynamic session"
        )


@iso15118_case(
    "TC_SECC_DC_VTB_WeldingDetection_001", "After PowerDelivery Stop the output voltage falls below 60 V", WELDING,
    [WELDING_RULES, "IEC 61851-23: 60 V DC safe voltage"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_DC_VTB_WeldingDetection_001(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    async with ev.session(ev.parameters(_dc(ev), first_mode(ev.pics))) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        await flow.charge_for(1.0)
        await flow.stop_power("Stop")
        voltages = []
        for _ in range(WELDING_ROUNDS):
            response = await session.expect_ok(WELDING, rq.welding_detection("Ongoing"))
            voltages.append(round(number(response.body["EVSEPresentVoltage"]), 1))
            if voltages[-1] < WELDING_SAFE_V:
                break
        evidence.measurement("welding detection", {"EVSEPresentVoltage": voltages})
        require(voltages[-1] < WELDING_SAFE_V,
                f"EVSEPresentVoltage still {voltages[-1]:g} V after {len(voltages)} WeldingDetectionReq")  # fmt: skip
        await session.expect_ok("SessionStop", rq.session_stop("Terminate"))
