"""The EV role as test cases meet it: plug in, discover the SECC, open sessions, drive them.

It hides the bench: on a bench with an EV emulator the plug and the control pilot are real (CP state B, then the
5 % duty cycle that announces digital communication, CP state C for energy transfer); without one the plug-in is a
manual action. External identification (EIM) is the DUT profile's valid idToken presented at the EVSE, as a driver
would do it. Every session is recorded in the case's evidence, with a packet capture and, for TLS, the key log
that lets Wireshark decrypt it.

Sessions run over TLS 1.3 when the DUT profile says TLS is required, or when a case asks for it; the EV then
verifies the charger's certificate chain against the V2G root (the DUT profile's `v2g_root`, or the one the
virtual station made for this run).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

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
from harness.iso15118.transport.tls import TlsClientConfig, TlsSession
from harness.verdict import LabError, Nonconformity
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
        trust_anchors: tuple[Path, ...] = (),
    ) -> None:
        self.link, self.pics, self.evidence, self.actions, self.cfg = link, pics, evidence, actions, cfg
        self.sdp_unicast = sdp_unicast
        self.trust_anchors = trust_anchors
        # What the EV asks for in SDP unless a case says otherwise: TLS only where the charger insists on it.
        self.security = Security.TLS if pics.tls == "required" else Security.NO_TLS
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

    def sdp_client(self, security: Security | None = None, request_frame: bytes | None = None) -> SdpClient:
        return SdpClient(
            self.link.interface,
            unicast=self.sdp_unicast,
            security=self.security if security is None else security,
            request_frame=request_frame,
            evidence=self.evidence,
        )

    async def discover(self, security: Security | None = None) -> SdpResult:
        """SDP, asking for `security` (default: TLS if the charger requires it, else no TLS)."""
        async with self.sdp_client(security) as client:
            return await client.discover()

    async def discover_tls(self) -> Endpoint:
        """SDP asking for TLS; a charger that declares TLS must announce a TLS endpoint."""
        result = await self.discover(Security.TLS)
        if result.response.security != Security.TLS:
            raise Nonconformity(
                f"the EV asked SDP for TLS and the charger, which declares TLS {self.pics.tls}, "
                f"answered security 0x{int(result.response.security):02X} (no TLS)"
            )
        return result.endpoint()

    def tls_config(self, keylog_file: Path | None = None, **changes: object) -> TlsClientConfig:
        """The EV's TLS settings: TLS 1.3, the -20 suites, the charger's chain checked against the V2G root."""
        if not self.trust_anchors:
            raise LabError(
                "TLS needs the V2G root the charger's certificate chains to: set iso15118.v2g_root in the DUT profile"
            )
        config = TlsClientConfig(trust_anchors=self.trust_anchors, keylog_file=keylog_file)
        return dataclasses.replace(config, **changes)  # type: ignore[arg-type]

    @asynccontextmanager
    async def session(
        self, ev: EvParameters, endpoint: Endpoint | None = None, *, tls: bool | None = None
    ) -> AsyncIterator[EvSession]:
        """Discover (unless `endpoint` is given), connect, and yield a fresh session; closed and recorded after.

        `tls` None follows the DUT profile (TLS when required); with `endpoint` given, `tls` must match it.
        """
        secured = self.security is Security.TLS if tls is None else tls
        if endpoint is not None:
            target = endpoint
        elif secured:
            target = await self.discover_tls()
        else:
            target = (await self.discover(Security.NO_TLS)).endpoint()
        self._sessions += 1
        name = f"S{self._sessions}"
        recorder = SessionRecorder(name, self.evidence)
        capture = SessionCapture()
        keylog = self.evidence.attachment_path(f"{name}.keys") if secured else None
        connection = V2gConnection(target, tls=self.tls_config(keylog) if secured else None, capture=capture)
        write_capture = self._capture_writer(name, capture, keylog)
        try:
            await connection.open()
        except BaseException:
            write_capture()  # a failed handshake is evidence too
            raise
        recorder.note(f"connected to {target}" + (" over TLS" if secured else ""))
        self._record_tls(connection)
        async with EvSession(connection, ev, self.timers, recorder, after_close=write_capture) as session:
            yield session

    async def tls_handshake(self, config: TlsClientConfig, endpoint: Endpoint) -> TlsSession:
        """Only a TLS handshake with `config` (then an orderly close), captured like a session; raises on failure.

        A probe, often deliberately off -20 (TLS 1.2, no verification): the case judges the result, so the
        handshake's own deviations are not recorded as findings here.
        """
        self._sessions += 1
        name = f"S{self._sessions}"
        capture = SessionCapture()
        connection = V2gConnection(endpoint, tls=config, capture=capture)
        try:
            await connection.open()
            assert connection.tls_session is not None
            self.evidence.note(f"{name}: TLS handshake with {endpoint}: {connection.tls_session}")
            return connection.tls_session
        finally:
            await connection.close()
            self._capture_writer(name, capture, config.keylog_file)()

    def _capture_writer(
        self, name: str, capture: SessionCapture, keylog: Path | None
    ) -> Callable[[], dict[str, object]]:
        def write() -> dict[str, object]:
            path = self.evidence.attachment_path(f"{name}.pcapng")
            write_pcapng(capture, path)
            self.evidence.attach(path, f"packet capture of V2G session {name} (pcapng)")
            fields: dict[str, object] = {"pcap": self._relative(path), "keylog": None}
            if keylog is not None and keylog.exists():
                self.evidence.attach(keylog, f"TLS key log of V2G session {name} (SSLKEYLOGFILE format)")
                fields["keylog"] = self._relative(keylog)
            return fields

        return write

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.evidence.run_dir).as_posix()

    def _record_tls(self, connection: V2gConnection) -> None:
        """Deviations the handshake revealed (version, suite) go into the case's findings."""
        if connection.tls_session is not None:
            self.evidence.note(f"TLS session: {connection.tls_session}")
        for finding in connection.findings:
            self.evidence.finding(finding.severity, finding.kind, finding.message)

    def flow(self, session: EvSession) -> SessionFlow:
        return SessionFlow(session, self.authorize, on_power=self.ready_for_power)
