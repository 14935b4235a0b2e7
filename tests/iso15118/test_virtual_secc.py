"""The EV role against the virtual SECC in one process, over real sockets on ::1: every service and control mode,
the sequence table both roles share, and SECC faults seen from the EV (the fault-kill matrix proves the rest)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from harness.iso15118.ev.flow import SessionFlow
from harness.iso15118.ev.parameters import EvParameters
from harness.iso15118.ev.record import SessionRecorder
from harness.iso15118.ev.session import EvSession
from harness.iso15118.exi.codec import encode
from harness.iso15118.rational import number, rational
from harness.iso15118.sequence import (
    MESSAGES,
    ControlMode,
    EnergyService,
    Family,
    State,
    accepts,
    next_state,
    out_of_sequence,
)
from harness.iso15118.timing import Timers
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.sdp import Security
from harness.iso15118.transport.sdp_client import SdpClient
from harness.virtual import faults as F
from harness.virtual.faults import FaultSet
from harness.virtual.secc.config import SeccConfig
from harness.virtual.secc.link import EnergyLimits, MeterReading
from harness.virtual.secc.minimal import minimal_response
from harness.virtual.secc.server import SeccServer

SHORT = Timers(sequence_timeout_s=1.5)


class FakeEvse:
    """An EVSE whose power follows the setpoint at once; authorization is switched by the test."""

    def __init__(self) -> None:
        self.auth = False
        self.power_w = 0.0
        self.started = 0

    def ev_plugged(self) -> bool:
        return True

    def authorized(self) -> bool:
        return self.auth

    def session_started(self) -> None:
        self.started += 1

    def session_ended(self) -> None:
        self.power_w = 0.0

    def limits(self, *, rated: bool = False) -> EnergyLimits:
        return EnergyLimits(11000, 11000, 32, 30, 500, 150)

    def deliver(self, power_w: float) -> None:
        self.power_w = power_w

    def stop_delivery(self) -> None:
        self.power_w = 0.0

    def present_power_w(self) -> float:
        return self.power_w

    def meter(self) -> MeterReading:
        return MeterReading(100.0, 5.0)


@asynccontextmanager
async def secc_session(ev: EvParameters, *faults: str) -> AsyncIterator[tuple[SessionFlow, FakeEvse]]:
    evse = FakeEvse()
    server = SeccServer(SeccConfig(timers=SHORT), evse, FaultSet(faults))
    await server.start()
    try:
        async with SdpClient("lo", unicast=("::1", server.sdp_port), security=Security.NO_TLS) as sdp:
            endpoint = (await sdp.discover()).endpoint()
        connection = V2gConnection(endpoint)
        await connection.open()

        async def authorize() -> None:
            evse.auth = True

        async with EvSession(connection, ev, SHORT, SessionRecorder("S1", None)) as session:
            yield SessionFlow(session, authorize), evse
    finally:
        await server.stop()


COMBINATIONS = [
    (service, mode, service.bidirectional)
    for service in (EnergyService.DC, EnergyService.DC_BPT, EnergyService.AC, EnergyService.AC_BPT)
    for mode in (ControlMode.SCHEDULED, ControlMode.DYNAMIC)
]


@pytest.mark.parametrize(("service", "mode", "discharge"), COMBINATIONS, ids=lambda v: getattr(v, "name", str(v)))
def test_complete_session(service: EnergyService, mode: ControlMode, discharge: bool) -> None:
    """Set up, charge (BPT: discharge) for a second, stop: every answer in time, the power's sign right."""

    async def run() -> None:
        ev = EvParameters().with_service(service, mode, discharge=discharge)
        async with secc_session(ev) as (flow, _evse):
            await flow.full_session(1.0)
            assert flow.session.state == State.ENDED
            assert all(e.outcome == "ok" for e in flow.session.recorder.exchanges)
            powers = [s.evse_power_w for s in flow.loop_samples if s.evse_power_w]
            assert powers, "the charge loop reported no power"
            assert (powers[-1] < 0) == discharge

    asyncio.run(run())


def test_refused_discharge_delivers_nothing() -> None:
    async def run() -> None:
        ev = EvParameters().with_service(EnergyService.DC_BPT, ControlMode.SCHEDULED, discharge=True)
        async with secc_session(ev, F.SECC_REFUSES_DISCHARGE) as (flow, evse):
            await flow.run_to(State.ENERGY_TRANSFER)
            await flow.charge_for(0.5)
            assert evse.power_w == 0.0
            assert flow.loop_samples[-1].evse_present_current_a == 0.0

    asyncio.run(run())


@pytest.mark.parametrize(("faults", "expected_s"), [((), 0.5), ((F.SECC_GENERAL_TIMEOUT_AFTER_CHARGE_LOOP,), 1.5)])
def test_sequence_timeout_after_a_charge_loop(faults: tuple[str, ...], expected_s: float) -> None:
    async def run() -> None:
        ev = EvParameters().with_service(EnergyService.DC, ControlMode.DYNAMIC)
        async with secc_session(ev, *faults) as (flow, _evse):
            await flow.run_to(State.ENERGY_TRANSFER)
            await flow.charge_loop_once()
            closed = await flow.session.wait_for_close(3.0)
            assert closed is not None
            assert closed == pytest.approx(expected_s, abs=0.25)

    asyncio.run(run())


def test_out_of_sequence_request_is_refused_and_closed() -> None:
    async def run() -> None:
        ev = EvParameters()
        async with secc_session(ev) as (flow, _evse):
            await flow.run_to(State.SESSION_ESTABLISHED)
            response = await flow.session.request("ServiceDiscovery", {}, deliberate=True)
            assert response.code == "FAILED_SequenceError"
            assert await flow.session.wait_for_close(2.0) is not None

    asyncio.run(run())


def test_sequence_table_paths() -> None:
    assert accepts(State.CONNECTED, None, "supportedAppProtocol")
    assert not accepts(State.SESSION_ESTABLISHED, None, "ServiceDiscovery")
    assert next_state(State.AUTHORIZATION_OFFERED, None, "Authorization", "ongoing") == State.AUTHORIZATION_OFFERED
    assert next_state(State.SCHEDULED, Family.DC, "DC_CableCheck", "ok") == State.CABLE_CHECKED
    assert next_state(State.SCHEDULED, Family.AC, "PowerDelivery", "Start") == State.ENERGY_TRANSFER
    assert next_state(State.SCHEDULED, Family.DC, "PowerDelivery", "Start") is None  # DC needs pre-charge first
    assert not accepts(State.ENERGY_TRANSFER, Family.DC, "SessionStop")  # power must stop first
    assert "AC_ChargeLoop" not in out_of_sequence(State.SCHEDULED, Family.DC)  # other family: not a DC request


def test_every_failed_answer_encodes() -> None:
    """The SECC can answer FAILED to any request it knows, with a schema-valid response."""
    for message in MESSAGES.values():
        if message.namespace == "app":
            continue
        content = minimal_response(message.namespace, message.response, "FAILED_SequenceError")
        content["Header"] = {"SessionID": bytes(8), "TimeStamp": 0}
        assert encode(message.namespace, {message.response: content})


@pytest.mark.parametrize("value", [0, 1, -1, 400.5, 0.25, 11000, 50000, -11000, 32767, 1e6])
def test_rational_numbers_keep_their_value(value: float) -> None:
    encoded = rational(value)
    assert -32768 <= encoded["Value"] <= 32767
    assert number(encoded) == pytest.approx(value, rel=1e-3)
