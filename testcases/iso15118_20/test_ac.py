"""AC and AC_BPT: charge parameters, power delivery and the charge loop (with discharge and the OCPP limit)."""

from __future__ import annotations

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
from harness.iso15118.ev.role import EvRole
from harness.iso15118.rational import number, rational
from harness.iso15118.sequence import State
from harness.ocpp.channel import StationChannel
from instruments.capabilities import PowerAnalyzer

CPD = "AC_ChargeParameterDiscovery"
LOOP = "AC_ChargeLoop"
CPD_RULES = "ISO 15118-20 8.3.4.4.2 AC_ChargeParameterDiscoveryReq/Res"
LOOP_RULES = "ISO 15118-20 8.3.4.4.3 AC_ChargeLoopReq/Res"
DELIVERY_RULES = "ISO 15118-20 8.3.4.3.8 PowerDeliveryReq/Res"
NOMINAL_FREQUENCIES = (50.0, 60.0)


def _ac(ev: EvRole, *, bidirectional: bool | None = None) -> str:
    return first_service(ev.pics, "AC", bidirectional=bidirectional)


@iso15118_case(
    "TC_SECC_AC_VTB_ChargeParameterDiscovery_001", "AC limits are consistent, nominal frequency 50 or 60 Hz", CPD,
    [CPD_RULES], needs=["iso15118.family.AC"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_ChargeParameterDiscovery_001(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    params = ev.parameters(_ac(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SERVICE_SELECTED)
        response = await session.expect_ok(CPD, rq.ac_charge_parameter_discovery(params))
        mode = response.body.get("AC_CPDResEnergyTransferMode") or response.body.get("BPT_AC_CPDResEnergyTransferMode")
        require(isinstance(mode, dict), "AC_ChargeParameterDiscoveryRes has no energy transfer mode")
        assert isinstance(mode, dict)
        limits = {key: number(value) for key, value in mode.items() if isinstance(value, dict)}
        evidence.measurement("AC_ChargeParameterDiscoveryRes", limits)
        maximum, minimum = limits["EVSEMaximumChargePower"], limits["EVSEMinimumChargePower"]
        require(maximum > 0 and maximum >= minimum, f"EVSEMaximumChargePower {maximum:g} W, minimum {minimum:g} W")
        frequency = limits["EVSENominalFrequency"]
        require(frequency in NOMINAL_FREQUENCIES, f"EVSENominalFrequency is {frequency:g} Hz, not 50 or 60")


@iso15118_case(
    "TC_SECC_AC_VTB_ChargeParameterDiscovery_002", "AC_BPT: the charger offers discharge power", CPD,
    [CPD_RULES, "BPT_AC_CPDResEnergyTransferMode"], needs=["iso15118.service.AC_BPT"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_ChargeParameterDiscovery_002(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.parameters("AC_BPT", first_mode(ev.pics), discharge=True)
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SERVICE_SELECTED)
        response = await session.expect_ok(CPD, rq.ac_charge_parameter_discovery(params))
        mode = response.body.get("BPT_AC_CPDResEnergyTransferMode")
        require(isinstance(mode, dict), "an AC_BPT session's answer has no BPT_AC_CPDResEnergyTransferMode")
        assert isinstance(mode, dict)
        require(abs(number(mode["EVSEMaximumDischargePower"])) > 0, "EVSEMaximumDischargePower is 0: no discharge")


@iso15118_case(
    "TC_SECC_AC_VTB_ChargeParameterDiscovery_003", "AC EV limits that contradict themselves are refused", CPD,
    [CPD_RULES, "FAILED_WrongChargeParameter"], needs=["iso15118.family.AC"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_ChargeParameterDiscovery_003(ev: EvRole) -> None:
    """EVMaximumChargePower 1 kW below EVMinimumChargePower 5 kW."""
    await ev.plug_in()
    params = ev.parameters(_ac(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SERVICE_SELECTED)
        body = rq.ac_charge_parameter_discovery(params)
        mode = next(iter(body.values()))
        mode["EVMaximumChargePower"], mode["EVMinimumChargePower"] = rational(1000), rational(5000)
        await expect_refusal(
            session, CPD, body, ("FAILED_WrongChargeParameter",), "AC_ChargeParameterDiscoveryReq with max < min power"
        )


@iso15118_case(
    "TC_SECC_AC_VTB_PowerDelivery_001", "AC PowerDelivery Start after the schedule is accepted", LOOP,
    [DELIVERY_RULES], needs=["iso15118.family.AC"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_PowerDelivery_001(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.parameters(_ac(ev), first_mode(ev.pics))) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        await flow.run_to(State.ENDED)


async def _power_follows(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence, service: str, mode: str,
                         *, discharge: bool) -> None:  # fmt: skip
    """The analyser must see the power the session asks for: the EV's in Scheduled mode, the charger's own target
    in Dynamic mode (which an EV offering energy turns into discharge)."""
    params = ev.parameters(service, mode, discharge=discharge)
    async with ev.session(params) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        await flow.charge_for(1.0)
        expected = params.signed_power_w if mode == "Scheduled" else (flow.loop_samples[-1].evse_power_w or 0.0)
        _, measured = await charge_and_measure(
            flow, analyser, evidence, f"{service} {mode}",
            lambda p: abs(p - expected) <= max(abs(expected) * TRACKING, IDLE_POWER_W),
            at_least_s=1.5, settle_s=POWER_SETTLE_S,
        )  # fmt: skip
        await flow.run_to(State.ENDED)
    evidence.measurement("AC charge loop", {"expected_w": expected, "measured_w": measured[-1]})
    if discharge:
        require(expected < 0, f"the charger's target stayed {expected:.0f} W for an EV that asked to discharge")
        require(
            measured[-1] < -IDLE_POWER_W * 10, f"the analyser measured {measured[-1]:.0f} W: the EV was not discharged"
        )
    require(abs(measured[-1] - expected) <= max(abs(expected) * TRACKING, IDLE_POWER_W),
            f"the analyser measured {measured[-1]:.0f} W, the session asked for {expected:.0f} W")  # fmt: skip


@iso15118_case(
    "TC_SECC_AC_VTB_ChargeLoop_001", "Scheduled AC: the power the EV draws flows and is metered", LOOP,
    [LOOP_RULES, "Scheduled_AC_CLReqControlMode EVPresentActivePower"],
    needs=["iso15118.family.AC", "iso15118.mode.Scheduled"], instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_ChargeLoop_001(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence) -> None:
    await ev.plug_in()
    await _power_follows(ev, analyser, evidence, _ac(ev), "Scheduled", discharge=False)


@iso15118_case(
    "TC_SECC_AC_VTB_ChargeLoop_002", "Scheduled AC_BPT: the EV discharges through the charger", LOOP,
    [LOOP_RULES, "BPT_Scheduled_AC_CLReqControlMode: negative EVPresentActivePower"],
    needs=["iso15118.service.AC_BPT", "iso15118.mode.Scheduled"], instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_ChargeLoop_002(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence) -> None:
    await ev.plug_in()
    await _power_follows(ev, analyser, evidence, "AC_BPT", "Scheduled", discharge=True)


@iso15118_case(
    "TC_SECC_AC_VTB_ChargeLoop_003", "Dynamic AC_BPT: an EV offering energy gets a discharge target", LOOP,
    [LOOP_RULES, "BPT_Dynamic_AC_CLResControlMode EVSETargetActivePower"],
    needs=["iso15118.service.AC_BPT", "iso15118.mode.Dynamic", "iso15118.dynamic_discharge"],
    instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_ChargeLoop_003(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence) -> None:
    await ev.plug_in()
    await _power_follows(ev, analyser, evidence, "AC_BPT", "Dynamic", discharge=True)


@iso15118_case(
    "TC_SECC_AC_VTB_ChargeLoop_004", "Dynamic AC: an OCPP charging limit bounds the target and the power", LOOP,
    [LOOP_RULES, "Dynamic_AC_CLResControlMode EVSETargetActivePower", "OCPP 2.0.1 K01 TxDefaultProfile"],
    needs=["iso15118.family.AC", "iso15118.mode.Dynamic", "smart_charging"], instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_ChargeLoop_004(
    ev: EvRole, csms: StationChannel, analyser: PowerAnalyzer, evidence: Evidence
) -> None:
    await ev.plug_in()
    await limit_reaches_charge_loop(ev, csms, analyser, evidence, "AC")


@iso15118_case(
    "TC_SECC_AC_VTB_ChargeLoop_005", "AC MeterInfo is sent when the EV asks for it", LOOP,
    [LOOP_RULES, "ChargeLoopReq MeterInfoRequested"], needs=["iso15118.family.AC"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_ChargeLoop_005(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.parameters(_ac(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        body = rq.ac_charge_loop(params, flow.present_ac_power_w) | {"MeterInfoRequested": True}
        response = await session.expect_ok(LOOP, body)
        require(isinstance(response.body.get("MeterInfo"), dict), "AC_ChargeLoopRes has no MeterInfo although asked")
        await flow.run_to(State.ENDED)


@iso15118_case(
    "TC_SECC_AC_VTB_ChargeLoop_006", "AC_ChargeLoopReq before PowerDelivery is refused", LOOP,
    [LOOP_RULES, "sequence: FAILED_SequenceError"], needs=["iso15118.family.AC"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_ChargeLoop_006(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.parameters(_ac(ev), first_mode(ev.pics))
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SCHEDULED)
        await expect_refusal(
            session,
            LOOP,
            rq.ac_charge_loop(params, 0.0),
            ("FAILED_SequenceError",),
            "AC_ChargeLoopReq before PowerDelivery",
        )


@iso15118_case(
    "TC_SECC_AC_VTB_SessionStop_001", "A complete AC session ends cleanly with SessionStop", LOOP,
    ["ISO 15118-20 8.3.4.3.10 SessionStopReq/Res"], needs=["iso15118.family.AC"],
)  # fmt: skip
async def test_TC_SECC_AC_VTB_SessionStop_001(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.parameters(_ac(ev), first_mode(ev.pics))) as session:
        await ev.flow(session).full_session(1.0)
        require(session.state == State.ENDED, f"the session ended in {session.state}")
