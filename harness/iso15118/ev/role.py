"""The EV role as test cases meet it: plug in, discover the SECC, open sessions, drive them.

It hides the bench: on a bench with an EV emulator the plug and the control pilot are real (CP state B, then the
5 % duty cycle that announces digital communication, CP state C for energy transfer); without one the plug-in is a
manual action. External identification (EIM) is the DUT profile's valid idToken presented at the EVSE, as a driver
would do it. Every session is recorded in the case's evidence.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from harness.config import Iso15118Link, Iso15118Pics, TestConfiguration
from harness.dut import DutActions
from harness.evidence import Evidence
from harness.iso15118.capture import SessionCapture, write_pcapng
from harness.iso15118.ev.flow import SessionFlow
from harness.iso15118.ev.parameters import EvParameters
from harness.iso15118.ev.record import SessionRecorder
from harness.iso15118.ev.session import EvSession
from harness.iso15118.sequence import ControlMode, EnergyService
from harness.iso15118.timing import Timers
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.ipv6 import Endpoint
from harness.iso15118.transport.sdp import Security
from harness.iso15118.transport.sdp_client import SdpClient, SdpResult
from harness.verdict import Nonconformity
from instruments.capabilities import CpState, EvEmulator

DIGITAL_COMMUNICATION_DUTY_PCT = 5.0
DUTY_TOLERANCE_PCT = 1.0  # IEC 61851-1 lets the duty cycle deviate; 4-6 % is read as "5 %"
PWM_WAIT_S = 3.0  # how long a charger may take to switch the pilot to 5 % after state B


def timers_for(pics: Iso15118Pics) -> Timers:
    pixit = pics.pixit
    return Timers(
        performance_overrides=dict(pixit.performance_times_s),
        sequence_timeout_s=pixit.sequence_timeout_s,
        charge_loop_sequence_timeout_s=pixit.charge_loop_sequence_timeout_s,
        ongoing_timeout_s=pixit.ongoing_timeout_s,
        cable_check_timeout_s=pixit.cable_check_timeout_s,
        pre_charge_timeout_s=pixit.pre_charge_timeout_s,
        tolerance_s=pixit.timing_tolerance_s,
    )


class EvRole:
    """One test case's EV. Sessions are named S1, S2, ... in the order they open."""

    def __init__(
        self,
        link: Iso15118Link,
        pics: Iso15118Pics,
        evidence: Evidence,
        actions: DutActions,
        cfg: TestConfiguration,
        *,
        sdp_unicast: tuple[str, int] | None,
        ev_emulator: EvEmulator | None = None,
    ) -> None:
        self.link, self.pics, self.evidence, self.actions, self.cfg = link, pics, evidence, actions, cfg
        self.sdp_unicast = sdp_unicast
        self.ev_emulator = ev_emulator
        self.timers = timers_for(pics)
        self.plugged = False
        self._sessions = 0

    def parameters(self, service: str, mode: str = "Dynamic", *, discharge: bool = False) -> EvParameters:
        return EvParameters().with_service(EnergyService[service], ControlMode(mode), discharge=discharge)

    def default_parameters(self) -> EvParameters:
        """The EV of cases that need just a session: the first declared service, the first declared mode."""
        return self.parameters(self.pics.energy_services[0], self.pics.control_modes[0])

    # ------------------------------------------------------------ the plug and the pilot

    async def plug_in(self) -> None:
        """Connect the EV; with an emulator, state B and the charger's 5 % duty cycle must follow."""
        if self.plugged:
            return
        if self.ev_emulator is None:
            await self.actions.plug_in(self.cfg.evse_id, self.cfg.connector_id)
            self.plugged = True
            return
        emulator = self.ev_emulator
        self.evidence.action("EV emulator: plug in, control pilot state B")
        await asyncio.to_thread(emulator.set_plugged, True)
        await asyncio.to_thread(emulator.set_cp_state, "B")
        self.plugged = True
        duty = await self._wait_for_duty(DIGITAL_COMMUNICATION_DUTY_PCT)
        if duty is None:
            raise Nonconformity(
                f"the charger did not switch the control pilot to a {DIGITAL_COMMUNICATION_DUTY_PCT:g} % duty cycle "
                f"within {PWM_WAIT_S:g} s of state B: no digital communication announced"
            )

    async def _wait_for_duty(self, wanted_pct: float) -> float | None:
        assert self.ev_emulator is not None
        deadline = time.monotonic() + PWM_WAIT_S
        last = None
        while time.monotonic() < deadline:
            duty, frequency = await asyncio.to_thread(self.ev_emulator.pwm)
            last = duty
            if frequency > 0 and abs(duty - wanted_pct) <= DUTY_TOLERANCE_PCT:
                self.evidence.measurement("control pilot", {"duty_pct": duty, "frequency_hz": frequency})
                return duty
            await asyncio.sleep(0.1)
        self.evidence.measurement("control pilot", {"duty_pct": last, "waited_s": PWM_WAIT_S})
        return None

    async def ready_for_power(self, ready: bool) -> None:
        """CP state C before energy flows, back to B after (an EV without an emulator has nothing to switch)."""
        if self.ev_emulator is not None and self.plugged:
            state: CpState = "C" if ready else "B"
            self.evidence.action(f"EV emulator: control pilot state {state}")
            await asyncio.to_thread(self.ev_emulator.set_cp_state, state)

    async def unplug(self) -> None:
        if not self.plugged:
            return
        self.plugged = False
        if self.ev_emulator is None:
            await self.actions.unplug(self.cfg.evse_id, self.cfg.connector_id)
            return
        self.evidence.action("EV emulator: control pilot state A, unplug")
        await asyncio.to_thread(self.ev_emulator.set_cp_state, "A")
        await asyncio.to_thread(self.ev_emulator.set_plugged, False)

    async def authorize(self) -> None:
        """External identification: the DUT profile's valid idToken at the EVSE under test."""
        await self.actions.present_id_token(self.cfg.valid_id_token, self.cfg.evse_id)

    # ------------------------------------------------------------ discovery and sessions

    def sdp_client(self, security: Security = Security.NO_TLS, request_frame: bytes | None = None) -> SdpClient:
        return SdpClient(
            self.link.interface,
            unicast=self.sdp_unicast,
            security=security,
            request_frame=request_frame,
            evidence=self.evidence,
        )

    async def discover(self, security: Security = Security.NO_TLS) -> SdpResult:
        """SDP; the EV asks for no TLS (its sessions run over TCP; a TLS-only charger is not applicable yet)."""
        async with self.sdp_client(security) as client:
            return await client.discover()

    @asynccontextmanager
    async def session(self, ev: EvParameters, endpoint: Endpoint | None = None) -> AsyncIterator[EvSession]:
        """Discover (unless `endpoint` is given), connect, and yield a fresh session; closed and recorded after."""
        target = endpoint if endpoint is not None else (await self.discover()).endpoint()
        self._sessions += 1
        name = f"S{self._sessions}"
        recorder = SessionRecorder(name, self.evidence)
        capture = SessionCapture()
        connection = V2gConnection(target, capture=capture)
        await connection.open()
        recorder.note(f"connected to {target}")

        def write_capture() -> dict[str, object]:
            path = self.evidence.attachment_path(f"{name}.pcapng")
            write_pcapng(capture, path)
            relative = path.relative_to(self.evidence.run_dir).as_posix()
            self.evidence.attach(path, f"packet capture of V2G session {name} (pcapng)")
            return {"pcap": relative, "keylog": None}

        async with EvSession(connection, ev, self.timers, recorder, after_close=write_capture) as session:
            yield session

    def flow(self, session: EvSession) -> SessionFlow:
        return SessionFlow(session, self.authorize, on_power=self.ready_for_power)
