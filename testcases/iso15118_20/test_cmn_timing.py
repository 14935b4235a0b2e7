"""Common: the charger's timing. Response times against V2G_SECC_Msg_Performance_Time, the sequence timeout
(general, and 0.5 s after a charge-loop response), and a TCP reset in the middle of energy transfer."""

from __future__ import annotations

from harness.catalogue import iso15118_case
from harness.checks import require
from harness.evidence import Evidence
from harness.iso15118.ev.checks import IDLE_POWER_W, first_mode, first_service, settle_power
from harness.iso15118.ev.role import EvRole
from harness.iso15118.ev.session import EvSession
from harness.iso15118.sequence import State
from harness.verdict import Nonconformity
from instruments.capabilities import PowerAnalyzer

TIMING = "Timing"
PERFORMANCE = "V2G_SECC_Msg_Performance_Time"
SEQUENCE = "V2G_SECC_Sequence_Timeout"
RESET_STOP_S = 4.0  # our rule: below 50 W within 4 s of a lost connection (the power ramps down, it may not jump)


def _late(session: EvSession) -> list[str]:
    return [
        f"{e.response} {e.response_time_s * 1000:.0f} ms > {e.limit_s * 1000:.0f} ms"
        for e in session.recorder.exchanges
        if e.outcome == "late" and e.response_time_s is not None
    ]


@iso15118_case(
    "TC_SECC_CMN_VTB_Timing_001", "Every response of a complete session within its performance time", TIMING,
    [f"ISO 15118-20 {PERFORMANCE}: 1.5 s, 0.25 s for charge-loop messages"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Timing_001(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).full_session(1.0)
        times = [e.response_time_s for e in session.recorder.exchanges if e.response_time_s is not None]
        evidence.measurement("response times", {"count": len(times), "max_s": max(times), "late": _late(session)})
        # Late answers are already findings that fail the case; this line names them all in the reason.
        require(not _late(session), f"responses beyond {PERFORMANCE}: {', '.join(_late(session))}")


async def _silence_until_closed(session: EvSession, after: str, timeout_s: float, tolerance_s: float) -> float:
    """After `after`'s response, send nothing and measure when the charger closes (bounded by its timeout)."""
    limit = timeout_s + tolerance_s
    closed = await session.wait_for_close(max(limit, 0.1))
    if closed is None:
        raise Nonconformity(
            f"the charger kept the connection open {limit:g} s after {after}; {SEQUENCE} is {timeout_s:g} s"
        )
    return closed


@iso15118_case(
    "TC_SECC_CMN_VTB_Timing_002", "Silence after SessionSetupRes: closed once the sequence timeout has passed", TIMING,
    [f"ISO 15118-20 {SEQUENCE} (60 s; PIXIT)"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Timing_002(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    timeout = ev.timers.sequence_timeout_s
    tolerance = ev.pics.pixit.close_tolerance_s
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.SESSION_ESTABLISHED)
        closed = await _silence_until_closed(session, "SessionSetupRes", timeout, tolerance)
        evidence.measurement(SEQUENCE, {"after": "SessionSetupRes", "closed_after_s": round(closed, 3)})
        early = f"the charger closed {closed:.2f} s after SessionSetupRes, before {SEQUENCE} ({timeout:g} s) passed"
        require(closed >= timeout - tolerance, early)


async def _charge_loop_timeout(ev: EvRole, evidence: Evidence, family: str) -> None:
    await ev.plug_in()
    limit = ev.timers.charge_loop_sequence_timeout_s
    general = ev.timers.sequence_timeout_s
    tolerance = ev.pics.pixit.close_tolerance_s
    service = first_service(ev.pics, family)
    async with ev.session(ev.parameters(service, first_mode(ev.pics))) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        await flow.charge_loop_once()
        closed = await session.wait_for_close(general + tolerance)
        shown = "never" if closed is None else f"{closed:.2f} s"
        evidence.measurement(SEQUENCE, {"after": f"{family}_ChargeLoopRes", "closed_after": shown, "limit_s": limit})
        if closed is None:
            raise Nonconformity(
                f"after a {family}_ChargeLoopRes the charger kept the connection open for {general + tolerance:g} s; "
                f"{SEQUENCE} after a ChargeLoopRes is {limit:g} s"
            )
        if closed > limit + tolerance:
            hint = ""
            if abs(closed - general) <= tolerance:
                hint = f": the charger applied the general {SEQUENCE} ({general:g} s) where 0.5 s applies"
            raise Nonconformity(
                f"the charger closed {closed:.2f} s after the {family}_ChargeLoopRes; {SEQUENCE} after a "
                f"ChargeLoopRes is {limit:g} s{hint}"
            )


@iso15118_case(
    "TC_SECC_CMN_VTB_Timing_003", "Silence after DC_ChargeLoopRes: closed after 0.5 s, not the general timeout", TIMING,
    [f"ISO 15118-20 {SEQUENCE} after a ChargeLoopRes: 0.5 s"], needs=["iso15118.family.DC"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Timing_003(ev: EvRole, evidence: Evidence) -> None:
    await _charge_loop_timeout(ev, evidence, "DC")


@iso15118_case(
    "TC_SECC_CMN_VTB_Timing_004", "Silence after AC_ChargeLoopRes: closed after 0.5 s, not the general timeout", TIMING,
    [f"ISO 15118-20 {SEQUENCE} after a ChargeLoopRes: 0.5 s"], needs=["iso15118.family.AC"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Timing_004(ev: EvRole, evidence: Evidence) -> None:
    await _charge_loop_timeout(ev, evidence, "AC")


@iso15118_case(
    "TC_SECC_CMN_VTB_Timing_005", "A TCP reset during energy transfer stops the energy, a new session works", TIMING,
    ["ISO 15118-20: loss of the V2G communication ends energy transfer", "ISO 15118-20 8.3.4.3.1 SessionSetup"],
    instruments=["analyser"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Timing_005(ev: EvRole, analyser: PowerAnalyzer, evidence: Evidence) -> None:
    await ev.plug_in()
    params = ev.default_parameters()
    async with ev.session(params) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        await flow.charge_for(1.5)
        await session.reset()
    after = await settle_power(analyser, evidence, "after the TCP reset", lambda p: abs(p) < IDLE_POWER_W, RESET_STOP_S)
    require(abs(after[-1]) < IDLE_POWER_W, f"{after[-1]:.0f} W still flow {RESET_STOP_S:g} s after the TCP reset")
    await ev.ready_for_power(False)
    async with ev.session(params) as again:
        await ev.flow(again).run_to(State.SESSION_ESTABLISHED)


@iso15118_case(
    "TC_SECC_CMN_VTB_Timing_006", "Twenty charge-loop answers, each within 0.25 s", TIMING,
    [f"ISO 15118-20 {PERFORMANCE} for ChargeLoop: 0.25 s"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Timing_006(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        flow = ev.flow(session)
        await flow.run_to(State.ENERGY_TRANSFER)
        for _ in range(20):
            await flow.charge_loop_once()
        times = [s.response.time_s for s in flow.loop_samples]
        evidence.measurement("charge loop", {"rounds": len(times), "max_ms": round(max(times) * 1000, 1)})
        require(not _late(session), f"charge-loop answers beyond {PERFORMANCE}: {', '.join(_late(session))}")
        await flow.run_to(State.ENDED)
