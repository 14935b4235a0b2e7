"""Tool validations shared by the ISO 15118-20 test cases: refusals, closed connections, timers, measured power.

Where -20 leaves a choice ("answer FAILED_SequenceError and/or close"), the check accepts every conformant choice
and says in its failure reason which one it expected.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from harness.checks import require
from harness.config import Iso15118Pics
from harness.evidence import Evidence
from harness.iso15118.ev.flow import LoopSample, SessionFlow
from harness.iso15118.ev.role import EvRole
from harness.iso15118.ev.session import EvSession
from harness.iso15118.rational import number
from harness.iso15118.sequence import State
from harness.iso15118.transport.errors import FrameTimeout, PeerClosed
from harness.ocpp.channel import StationChannel
from harness.ocpp.v201.smart_charging import clear_default_limit, set_default_limit
from harness.verdict import LabError, Nonconformity
from instruments.capabilities import PowerAnalyzer

REFUSAL_CLOSE_S = 2.0  # our rule: after refusing, the charger closes within the EV's general message timeout
MEASURE_PERIOD_S = 0.2  # analyser sampling beside the charge loop
IDLE_POWER_W = 50.0  # below this the analyser counts the EVSE as not delivering
POWER_SETTLE_S = 4.0  # how long measured power may take to reach what the charge loop asks (first-order ramp)
TRACKING = 0.1  # delivered within 10 % of the request
TEST_LIMIT_W = 4000.0  # the OCPP charging limit the limit cases install
LIMIT_SLACK = 0.05  # measured power may exceed the limit by 5 % (meter accuracy and the lag of the step)


async def expect_refusal(
    session: EvSession, message: str, body: dict[str, Any], codes: tuple[str, ...], what: str, **kwargs: Any
) -> str:
    """Send a request the charger must refuse: either answered with one of `codes` and then closed, or the
    connection closed without an answer. Returns what the charger did, for the evidence."""
    try:
        response = await session.request(message, body, deliberate=True, **kwargs)
    except PeerClosed:
        return "closed the connection without answering"
    except FrameTimeout:
        raise Nonconformity(f"{what}: the charger neither answered nor closed the connection") from None
    require(
        response.code in codes,
        f"{what}: {response.root} carries {response.code or '(no code)'}, expected {' or '.join(codes)}",
    )
    await expect_closed(session, REFUSAL_CLOSE_S, f"{what}: after answering {response.code}")
    return f"answered {response.code} and closed"


async def expect_closed(session: EvSession, within_s: float, what: str, *, since: float | None = None) -> float:
    """The charger closes the connection within `within_s` (counted from `since`, default the last answer)."""
    closed = await session.wait_for_close(within_s, since=since)
    require(closed is not None, f"{what}: the connection was still open after {within_s:g} s")
    assert closed is not None
    return closed


async def expect_silent_close(session: EvSession, within_s: float, what: str) -> float:
    """After a frame the charger must not accept: no answer, the connection closed within `within_s`."""
    sent = time.monotonic()
    try:
        frame = await session.connection.receive_frame(timeout=within_s)
    except PeerClosed:
        return time.monotonic() - sent
    except FrameTimeout:
        raise Nonconformity(f"{what}: the connection was still open after {within_s:g} s") from None
    raise Nonconformity(f"{what}: the charger answered (payload type 0x{int(frame.payload_type):04X}) and kept going")


def first_service(pics: Iso15118Pics, family: str | None = None, *, bidirectional: bool | None = None) -> str:
    """The first declared energy service of `family` (and direction), for cases that need one of them."""
    for service in pics.energy_services:
        if family is not None and not service.startswith(family):
            continue
        if bidirectional is not None and service.endswith("_BPT") != bidirectional:
            continue
        return service
    raise ValueError(f"no declared service fits {family} / bidirectional={bidirectional}")


def first_mode(pics: Iso15118Pics) -> str:
    return pics.control_modes[0]


async def measured_power_w(analyser: PowerAnalyzer) -> float:
    return (await asyncio.to_thread(analyser.measure, "sigma")).active_power_w


async def settle_power(
    analyser: PowerAnalyzer, evidence: Evidence, condition: str, test: Any, within_s: float
) -> list[float]:
    """Sample the analyser until `test(power)` holds or `within_s` passes; the samples go to the evidence."""
    samples: list[float] = []
    deadline = time.monotonic() + within_s
    while True:
        power = await measured_power_w(analyser)
        samples.append(round(power, 1))
        if test(power) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    evidence.measurement("analyser", {"condition": condition, "active_power_w": samples, "within_s": within_s})
    return samples


async def charge_and_measure(
    flow: SessionFlow,
    analyser: PowerAnalyzer,
    evidence: Evidence,
    condition: str,
    test: Callable[[float], bool],
    *,
    at_least_s: float,
    settle_s: float,
) -> tuple[list[LoopSample], list[float]]:
    """Keep the charge loop going, as a real EV does, while the analyser is sampled beside it: for `at_least_s`,
    then until the last measured power passes `test` or `settle_s` more have passed. Going silent to measure would
    let the charger's 0.5 s sequence timeout end the session and blame it for our pause."""
    powers: list[float] = []
    finished = asyncio.Event()

    async def sample() -> None:
        while not finished.is_set():
            powers.append(round(await measured_power_w(analyser), 1))
            await asyncio.sleep(MEASURE_PERIOD_S)

    sampler = asyncio.create_task(sample())
    loops: list[LoopSample] = []
    try:
        start = time.monotonic()
        while True:
            loops.append(await flow.charge_loop_once())
            elapsed = time.monotonic() - start
            settled = bool(powers) and test(powers[-1])
            if elapsed >= at_least_s and (settled or elapsed >= at_least_s + settle_s):
                break
            await asyncio.sleep(flow.session.timers.charge_loop_cycle_s)
    finally:
        finished.set()
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
    evidence.measurement("analyser", {"condition": condition, "active_power_w": powers, "loops": len(loops)})
    if not powers:
        raise LabError("the analyser gave no reading during the charge loop")
    return loops, powers


async def limit_reaches_charge_loop(
    ev: EvRole, csms: StationChannel, analyser: PowerAnalyzer, evidence: Evidence, family: str
) -> None:
    """A CSMS limit (TxDefaultProfile) set before a Dynamic session must show in the charge loop's EVSE maximum or
    target and in the power the analyser measures."""
    await set_default_limit(csms, ev.cfg.evse_id, TEST_LIMIT_W)
    try:
        params = ev.parameters(first_service(ev.pics, family, bidirectional=False), "Dynamic")
        async with ev.session(params) as session:
            flow = ev.flow(session)
            await flow.run_to(State.ENERGY_TRANSFER)
            samples, measured = await charge_and_measure(
                flow, analyser, evidence, "under the OCPP limit", lambda p: p > IDLE_POWER_W,
                at_least_s=2.5, settle_s=POWER_SETTLE_S,
            )  # fmt: skip
            await flow.run_to(State.ENDED)
    finally:
        await clear_default_limit(csms)
    field, announced = _announced_power(samples[-1].response.body)
    allowed = TEST_LIMIT_W * (1 + LIMIT_SLACK)
    evidence.measurement(
        "limit", {"ocpp_limit_w": TEST_LIMIT_W, "announced_field": field, "announced_w": announced,
                  "measured_w": measured[-1]},
    )  # fmt: skip
    require(
        announced is not None and announced <= allowed,
        f"the charge loop's {field or 'EVSE maximum'} is {announced} W; "
        f"the CSMS limited the EVSE to {TEST_LIMIT_W:g} W",
    )
    require(
        measured[-1] <= allowed,
        f"the analyser measured {measured[-1]:.0f} W; the CSMS limited the EVSE to {TEST_LIMIT_W:g} W",
    )


def _announced_power(body: dict[str, Any]) -> tuple[str | None, float | None]:
    """The power limit or target a charge-loop answer announces (DC: EVSEMaximumChargePower, AC: the target)."""
    for key, value in body.items():
        if key.endswith("CLResControlMode") and isinstance(value, dict):
            for field in ("EVSEMaximumChargePower", "EVSETargetActivePower"):
                if field in value:
                    return field, number(value[field])
    return None, None
