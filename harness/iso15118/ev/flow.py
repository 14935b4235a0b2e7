"""The conformant EV: drives a session along the sequence table to a wanted state, then charges and stops.

Each state has one step: the request a conformant EV sends there on its way to energy transfer and out again.
A step checks what the EV needs from the answer (EIM offered, the service offered, a parameter set with the
wanted control mode, a schedule) and stores what later requests depend on. Loops that wait for the charger
(EVSEProcessing Ongoing) are bounded by the -20 EVCC timers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from harness.iso15118.ev import requests as rq
from harness.iso15118.ev.session import EvSession, Response
from harness.iso15118.rational import number
from harness.iso15118.sequence import ControlMode, Family, State
from harness.verdict import Inconclusive, Nonconformity

Authorize = Callable[[], Awaitable[None]]
PowerReady = Callable[[bool], Awaitable[None]]
ONGOING_POLL_S = 0.5
PRECHARGE_TOLERANCE_V = 20.0
MAX_PRECHARGE_ROUNDS = 100

# The path a session takes: the order of states on the way to ENDED, per family.
PATH: dict[Family, tuple[State, ...]] = {
    Family.DC: (
        State.CONNECTED, State.PROTOCOL_AGREED, State.SESSION_ESTABLISHED, State.AUTHORIZATION_OFFERED,
        State.AUTHORIZED, State.SERVICES_OFFERED, State.SERVICE_SELECTED, State.PARAMETERS_EXCHANGED,
        State.SCHEDULED, State.CABLE_CHECKED, State.PRECHARGED, State.ENERGY_TRANSFER, State.POWER_STOPPED,
        State.ENDED,
    ),
    Family.AC: (
        State.CONNECTED, State.PROTOCOL_AGREED, State.SESSION_ESTABLISHED, State.AUTHORIZATION_OFFERED,
        State.AUTHORIZED, State.SERVICES_OFFERED, State.SERVICE_SELECTED, State.PARAMETERS_EXCHANGED,
        State.SCHEDULED, State.ENERGY_TRANSFER, State.POWER_STOPPED, State.ENDED,
    ),
}  # fmt: skip


@dataclass
class LoopSample:
    """One charge-loop round as the EV saw it (for power checks and the report)."""

    at_mono: float
    response: Response
    evse_present_current_a: float | None = None
    evse_present_voltage_v: float | None = None
    evse_power_w: float | None = None  # DC: present U x I; AC: EVSETargetActivePower or present power


@dataclass
class SessionFlow:
    """Moves `session` forward; `authorize` performs the external identification (EIM) when the charger waits."""

    session: EvSession
    authorize: Authorize | None = None
    on_power: PowerReady | None = None  # the EV's readiness for energy (CP state C / B) around PowerDelivery
    loop_samples: list[LoopSample] = field(default_factory=list)
    present_ac_power_w: float = 0.0  # what the AC EV's on-board charger draws (negative: feeds back)
    _authorize_called: bool = False

    async def run_to(self, target: State) -> None:
        """Advance until the session is in `target` (which must lie ahead on the path)."""
        path = PATH[self.session.family]
        if target not in path:
            raise ValueError(f"{target} is not on the {self.session.family} path")
        while self.session.state != target:
            index = path.index(self.session.state)
            if index >= path.index(target):
                raise ValueError(f"the session is already past {target} (in {self.session.state})")
            if self.session.state == State.ENERGY_TRANSFER:
                await self.stop_power()
                continue
            await self.step()

    async def step(self) -> Response:
        """The one request a conformant EV sends in the current state."""
        steps: dict[State, Callable[[], Awaitable[Response]]] = {
            State.CONNECTED: self._app_protocol,
            State.PROTOCOL_AGREED: self._session_setup,
            State.SESSION_ESTABLISHED: self._authorization_setup,
            State.AUTHORIZATION_OFFERED: self._authorization,
            State.AUTHORIZED: self._service_discovery,
            State.SERVICES_OFFERED: self._service_detail_and_selection,
            State.SERVICE_SELECTED: self._charge_parameters,
            State.PARAMETERS_EXCHANGED: self._schedule_exchange,
            State.SCHEDULED: self._after_schedule,
            State.CABLE_CHECKED: self._pre_charge,
            State.PRECHARGED: self._power_delivery_start,
            State.POWER_STOPPED: self._finish,
        }
        step = steps.get(self.session.state)
        if step is None:
            raise ValueError(f"no conformant step from {self.session.state}")
        return await step()

    # ------------------------------------------------------------ steps

    async def _app_protocol(self) -> Response:
        s = self.session
        response = await s.request("supportedAppProtocol", rq.supported_app_protocol(s.family))
        if not response.code.startswith("OK_SuccessfulNegotiation"):
            raise Nonconformity(f"supportedAppProtocolRes: {response.code}, expected OK_SuccessfulNegotiation")
        expected = rq.SCHEMA_ID[s.family.value]
        if response.body.get("SchemaID") != expected:
            raise Nonconformity(f"supportedAppProtocolRes selects SchemaID {response.body.get('SchemaID')}, "
                                f"the only protocol offered had {expected}")  # fmt: skip
        return response

    async def _session_setup(self) -> Response:
        s = self.session
        response = await s.request("SessionSetup", rq.session_setup(s.ev))
        if response.code != "OK_NewSessionEstablished":
            raise Nonconformity(
                f"SessionSetupRes: {response.code}, expected OK_NewSessionEstablished for a new session"
            )
        s.offer.evse_id = str(response.body.get("EVSEID", ""))
        return response

    async def _authorization_setup(self) -> Response:
        s = self.session
        response = await s.expect_ok("AuthorizationSetup", rq.authorization_setup())
        s.offer.authorization_services = [str(v) for v in response.body.get("AuthorizationServices", [])]
        pnc = response.body.get("PnC_ASResAuthorizationMode") or {}
        s.offer.gen_challenge = pnc.get("GenChallenge")
        if "EIM" not in s.offer.authorization_services:
            raise Inconclusive(
                f"the charger offers {s.offer.authorization_services}, not EIM (the EV authorizes by EIM)"
            )
        return response

    async def _authorization(self) -> Response:
        """Authorization by EIM, polling while the charger waits for the identification, up to the Ongoing timeout."""
        s = self.session
        started = time.monotonic()
        while True:
            response = await s.expect_ok("Authorization", rq.authorization_eim())
            if s.state != State.AUTHORIZATION_OFFERED:
                return response
            if not self._authorize_called and self.authorize is not None:
                self._authorize_called = True
                await self.authorize()
            if time.monotonic() - started > s.timers.ongoing_timeout_s:
                raise Inconclusive(
                    f"the charger still answered EVSEProcessing Ongoing after V2G_EVCC_Ongoing_Timeout "
                    f"({s.timers.ongoing_timeout_s:g} s): no authorization"
                )
            await asyncio.sleep(ONGOING_POLL_S)

    async def _service_discovery(self) -> Response:
        s = self.session
        response = await s.expect_ok("ServiceDiscovery", rq.service_discovery())
        services = (response.body.get("EnergyTransferServiceList") or {}).get("Service", [])
        s.offer.services = [int(service.get("ServiceID", -1)) for service in services]
        if int(s.ev.service) not in s.offer.services:
            raise Nonconformity(
                f"ServiceDiscoveryRes offers services {s.offer.services}, not {int(s.ev.service)} ({s.ev.service.name})"
                " which the DUT profile declares"
            )
        return response

    async def _service_detail_and_selection(self) -> Response:
        s = self.session
        detail = await s.expect_ok("ServiceDetail", rq.service_detail(s.ev.service))
        sets = (detail.body.get("ServiceParameterList") or {}).get("ParameterSet", [])
        s.offer.parameter_sets[int(s.ev.service)] = sets
        chosen = rq.pick_parameter_set(sets, s.ev.control_mode)
        if chosen is None:
            raise Nonconformity(
                f"ServiceDetailRes for {s.ev.service.name} has no parameter set with ControlMode "
                f"{s.ev.control_mode.value}, which the DUT profile declares"
            )
        s.offer.selected_parameter_set = chosen
        return await s.expect_ok("ServiceSelection", rq.service_selection(s.ev.service, chosen))

    async def _charge_parameters(self) -> Response:
        s = self.session
        if s.family == Family.DC:
            response = await s.expect_ok("DC_ChargeParameterDiscovery", rq.dc_charge_parameter_discovery(s.ev))
        else:
            response = await s.expect_ok("AC_ChargeParameterDiscovery", rq.ac_charge_parameter_discovery(s.ev))
        self._respect_evse_limits(response)
        return response

    def _respect_evse_limits(self, response: Response) -> None:
        """A conformant EV never asks for more than the charger announced: cap the power it will request."""
        s = self.session
        mode = next((v for k, v in response.body.items() if k.endswith("EnergyTransferMode")), None)
        if not isinstance(mode, dict):
            return
        key = "EVSEMaximumDischargePower" if s.ev.discharge else "EVSEMaximumChargePower"
        if key not in mode:
            return
        allowed = abs(_rational(mode[key], key))
        if allowed < s.ev.requested_power_w:
            s.ev = replace(s.ev, requested_power_w=allowed)

    async def _schedule_exchange(self) -> Response:
        s = self.session
        started = time.monotonic()
        while True:
            response = await s.expect_ok("ScheduleExchange", rq.schedule_exchange(s.ev))
            if s.state != State.PARAMETERS_EXCHANGED:
                break
            if time.monotonic() - started > s.timers.ongoing_timeout_s:
                raise Nonconformity(
                    "ScheduleExchangeRes still Ongoing after V2G_EVCC_Ongoing_Timeout "
                    f"({s.timers.ongoing_timeout_s:g} s)"
                )
            await asyncio.sleep(ONGOING_POLL_S)
        if s.ev.control_mode == ControlMode.SCHEDULED:
            scheduled = response.body.get("Scheduled_SEResControlMode") or {}
            s.offer.schedule_tuples = list(scheduled.get("ScheduleTuple", []))
            if not s.offer.schedule_tuples:
                raise Nonconformity("ScheduleExchangeRes (Scheduled) offers no ScheduleTuple")
        return response

    async def _after_schedule(self) -> Response:
        if self.session.family == Family.DC:
            return await self._cable_check()
        return await self._power_delivery_start()

    async def _cable_check(self) -> Response:
        s = self.session
        started = time.monotonic()
        while True:
            response = await s.expect_ok("DC_CableCheck", rq.cable_check())
            if s.state == State.CABLE_CHECKED:
                return response
            if time.monotonic() - started > s.timers.cable_check_timeout_s:
                raise Nonconformity(
                    "DC_CableCheckRes still Ongoing after V2G_EVCC_CableCheck_Timeout "
                    f"({s.timers.cable_check_timeout_s:g} s)"
                )
            await asyncio.sleep(ONGOING_POLL_S)

    async def _pre_charge(self) -> Response:
        """PreCharge until the charger's voltage is within 20 V of the battery's, then once more with Finished."""
        s = self.session
        started = time.monotonic()
        target = s.ev.battery.voltage_v
        for _ in range(MAX_PRECHARGE_ROUNDS):
            response = await s.expect_ok("DC_PreCharge", rq.pre_charge(s.ev, target, "Ongoing"))
            present = _rational(response.body.get("EVSEPresentVoltage"), "DC_PreChargeRes EVSEPresentVoltage")
            if abs(present - target) <= PRECHARGE_TOLERANCE_V:
                return await s.expect_ok("DC_PreCharge", rq.pre_charge(s.ev, target, "Finished"))
            if time.monotonic() - started > s.timers.pre_charge_timeout_s:
                break
            await asyncio.sleep(0.1)
        raise Nonconformity(
            f"the charger did not reach the target voltage {target:g} V within V2G_EVCC_PreCharge_Timeout "
            f"({s.timers.pre_charge_timeout_s:g} s)"
        )

    async def _power_delivery_start(self) -> Response:
        s = self.session
        if self.on_power is not None:
            await self.on_power(True)
        body = rq.power_delivery(s.ev, "Start", s.offer, now=int(time.time()))
        return await s.expect_ok("PowerDelivery", body, "PowerDeliveryRes (Start)")

    async def _finish(self) -> Response:
        s = self.session
        if s.family == Family.DC:
            await s.expect_ok("DC_WeldingDetection", rq.welding_detection())
        return await s.expect_ok("SessionStop", rq.session_stop("Terminate"))

    # ------------------------------------------------------------ energy transfer

    async def charge_loop_once(self) -> LoopSample:
        s = self.session
        if s.family == Family.DC:
            response = await s.expect_ok("DC_ChargeLoop", rq.dc_charge_loop(s.ev))
        else:
            response = await s.expect_ok("AC_ChargeLoop", rq.ac_charge_loop(s.ev, self.present_ac_power_w))
        sample = _sample(response, s.family)
        if s.family == Family.AC and sample.evse_power_w is not None and s.ev.control_mode == ControlMode.DYNAMIC:
            self.present_ac_power_w = sample.evse_power_w  # the EV follows the charger's target
        elif s.family == Family.AC and s.ev.control_mode == ControlMode.SCHEDULED:
            self.present_ac_power_w = s.ev.signed_power_w
        self.loop_samples.append(sample)
        return sample

    async def charge_for(self, seconds: float) -> list[LoopSample]:
        """Charge-loop rounds for `seconds`, one every `charge_loop_cycle_s` (inside the EV's 0.25 s budget)."""
        samples = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            samples.append(await self.charge_loop_once())
            await asyncio.sleep(self.session.timers.charge_loop_cycle_s)
        return samples

    async def stop_power(self, progress: str = "Stop") -> Response:
        s = self.session
        body = rq.power_delivery(s.ev, progress, s.offer, now=int(time.time()))
        response = await s.expect_ok("PowerDelivery", body, f"PowerDeliveryRes ({progress})")
        if self.on_power is not None:
            await self.on_power(False)
        return response

    async def full_session(self, charging_s: float) -> None:
        """Set up, charge for `charging_s`, stop and end the session: what a conformant EV does."""
        await self.run_to(State.ENERGY_TRANSFER)
        await self.charge_for(charging_s)
        await self.run_to(State.ENDED)


def _rational(value: Any, what: str) -> float:
    try:
        return number(value)
    except (ValueError, TypeError):
        raise Nonconformity(f"{what} is not a RationalNumber: {value!r}") from None


def _sample(response: Response, family: Family) -> LoopSample:
    body = response.body
    sample = LoopSample(time.monotonic(), response)
    if family == Family.DC:
        sample.evse_present_current_a = _rational(body.get("EVSEPresentCurrent"), "EVSEPresentCurrent")
        sample.evse_present_voltage_v = _rational(body.get("EVSEPresentVoltage"), "EVSEPresentVoltage")
        sample.evse_power_w = sample.evse_present_current_a * sample.evse_present_voltage_v
        return sample
    for key in ("BPT_Dynamic_AC_CLResControlMode", "Dynamic_AC_CLResControlMode"):
        mode = body.get(key)
        if isinstance(mode, dict) and "EVSETargetActivePower" in mode:
            sample.evse_power_w = _rational(mode["EVSETargetActivePower"], f"{key} EVSETargetActivePower")
            return sample
    for key in ("BPT_Scheduled_AC_CLResControlMode", "Scheduled_AC_CLResControlMode"):
        mode = body.get(key)
        if isinstance(mode, dict) and "EVSEPresentActivePower" in mode:
            sample.evse_power_w = _rational(mode["EVSEPresentActivePower"], f"{key} EVSEPresentActivePower")
    return sample
