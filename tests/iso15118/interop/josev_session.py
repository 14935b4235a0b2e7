"""One session of our EV role against Josev's SECC across a veth pair, and the findings summary it leaves.

The session runs the way a test case would run it: SDP on the EV's veth end (no TLS), a V2gConnection to the
endpoint Josev announced, `EvSession` + `SessionFlow.full_session`. What Josev does wrong ends the session as a
`Nonconformity` (or `Inconclusive`) and becomes a finding here; everything else that goes wrong (our codec, our
sequence table, a lab error) propagates, so the test fails for our own faults only.

Two checks keep a fault of ours from hiding behind a Josev finding: every request we send must satisfy our own
schema models before it leaves (a request of ours that breaks the schema is our bug), and every request Josev
reports as failing its validation is decoded again and checked the same way.

Workarounds are changes to our conformant requests that Josev needs to get further. Each one stands for a Josev
defect, is named in the summary, and is applied by the test only, never by the EV role.
"""

from __future__ import annotations

import copy
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.evidence import Evidence
from harness.iso15118.ev.flow import LoopSample, SessionFlow
from harness.iso15118.ev.parameters import EvParameters
from harness.iso15118.ev.record import ExchangeRecord, SessionRecorder
from harness.iso15118.ev.session import EvSession, Response
from harness.iso15118.exi.codec import decode
from harness.iso15118.exi.errors import ExiDecodeError
from harness.iso15118.messages.base import ModelError
from harness.iso15118.messages.lookup import model_for
from harness.iso15118.netbed import NamespaceLoop, NetBed
from harness.iso15118.rational import number
from harness.iso15118.reference.environment import JosevEnvironment
from harness.iso15118.reference.josev_secc import JosevSecc, Plant
from harness.iso15118.sequence import MESSAGES, ControlMode, Family, State
from harness.iso15118.timing import Timers
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.sdp import Security
from harness.iso15118.transport.sdp_client import SdpClient, SdpResult
from harness.verdict import Finding, Inconclusive, LabError, Nonconformity

Body = dict[str, Any]
SESSION_BUDGET_S = 60.0  # the whole session, SDP to SessionStop; past it the session is a lab error
NAMESPACE_OF_PAYLOAD = {0x8001: "app", 0x8002: "common", 0x8003: "ac", 0x8004: "dc"}
_JOSEV_REJECTED = re.compile(r"EXI message \(ns=Namespace\.(\w+)\) where validation failed: ([0-9a-fA-F]+)")
_JOSEV_NAMESPACES = {"ISO_V20_COMMON_MSG": "common", "ISO_V20_DC": "dc", "ISO_V20_AC": "ac", "SAP": "app"}
_REPEATED = ("ChargeLoopReq", "CableCheckReq", "PreChargeReq", "WeldingDetectionReq", "AuthorizationReq")
_LOG_PREFIX = re.compile(r"^(ERROR|WARNING)\s+\S+ \S+ - ")


@dataclass(frozen=True)
class Workaround:
    """A change to one conformant request that Josev needs; `defect` says what Josev does wrong."""

    name: str
    message: str
    defect: str
    change: Callable[[Body], bool]  # changes the body in place; False when the body has nothing to change


def _charging_complete(body: Body) -> bool:
    display = body.get("DisplayParameters")
    if not isinstance(display, dict) or "ChargingComplete" in display:
        return False
    display["ChargingComplete"] = False
    return True


def _power_tolerance_acceptance(body: Body) -> bool:
    scheduled = (body.get("EVPowerProfile") or {}).get("Scheduled_EVPPTControlMode")
    if not isinstance(scheduled, dict) or "PowerToleranceAcceptance" in scheduled:
        return False
    scheduled["PowerToleranceAcceptance"] = "PowerToleranceConfirmed"
    return True


CHARGING_COMPLETE = Workaround(
    "ChargingComplete",
    "DC_ChargeLoop",
    "Josev rejects a DC_ChargeLoopReq whose DisplayParameters lack ChargingComplete (minOccurs=0 in the -20 schema, "
    "required in Josev's model); workaround: ChargingComplete=false added",
    _charging_complete,
)
POWER_TOLERANCE_ACCEPTANCE = Workaround(
    "PowerToleranceAcceptance",
    "PowerDelivery",
    "Josev rejects a Scheduled PowerDeliveryReq(Start) without PowerToleranceAcceptance (minOccurs=0 in the -20 "
    "schema, required in Josev's model); workaround: PowerToleranceConfirmed added",
    _power_tolerance_acceptance,
)
JOSEV_WORKAROUNDS: tuple[Workaround, ...] = (CHARGING_COMPLETE, POWER_TOLERANCE_ACCEPTANCE)


class CheckedSession(EvSession):
    """EvSession that checks each of our requests against our own schema models and applies the workarounds."""

    def __init__(self, *args: Any, workarounds: Sequence[Workaround] = (), **named: Any) -> None:
        super().__init__(*args, **named)
        self.workarounds = tuple(workarounds)
        self.applied: Counter[str] = Counter()

    async def request(
        self,
        message: str,
        body: dict[str, Any],
        *,
        header: dict[str, Any] | None = None,
        deliberate: bool = False,
    ) -> Response:
        pair = MESSAGES[message]
        for workaround in self.workarounds:
            if workaround.message == message:
                changed = copy.deepcopy(body)
                if workaround.change(changed):
                    body = changed
                    self.applied[workaround.name] += 1
        if pair.namespace != "app":
            header = header or self.header()
        content = body if pair.namespace == "app" else {"Header": header, **body}
        model = model_for(pair.namespace, pair.request)
        if model is not None:
            try:
                model.from_document(content)
            except ModelError as exc:
                raise LabError(f"our own {pair.request} breaks the -20 schema: {exc}") from None
        return await super().request(message, body, header=header, deliberate=deliberate)


@dataclass
class SessionOutcome:
    """What one session against Josev left: the exchanges, our EV's findings, how it ended, Josev's own view."""

    title: str
    ev: EvParameters
    plant: Plant
    timers: Timers
    sdp: SdpResult | None = None
    exchanges: list[ExchangeRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    samples: list[LoopSample] = field(default_factory=list)
    state: State = State.CONNECTED
    ended: BaseException | None = None  # the Nonconformity / Inconclusive that ended it early
    workarounds: Counter[str] = field(default_factory=Counter)
    josev_log: list[str] = field(default_factory=list)  # Josev's ERROR and WARNING lines
    josev_rejected: list[str] = field(default_factory=list)  # our requests Josev's validation refused
    undecodable: list[tuple[str, bytes, str]] = field(default_factory=list)  # (namespace, payload, our reason)
    josev_ready_s: float | None = None
    duration_s: float = 0.0
    log_path: Path | None = None
    evidence_path: Path | None = None

    @property
    def completed(self) -> bool:
        return self.state == State.ENDED and self.ended is None

    def reported(self, root: str, name: str) -> list[float]:
        """The RationalNumber `name` in every `root` Josev sent, in order (read back from the evidence)."""
        if self.evidence_path is None:
            return []
        values = []
        for line in self.evidence_path.read_text().splitlines():
            entry = json.loads(line)
            content = (entry.get("document") or {}).get(root) if entry.get("direction") == "rx" else None
            if isinstance(content, dict) and isinstance(content.get(name), dict):
                values.append(number(content[name]))
        return values


def run_session(
    environment: JosevEnvironment,
    ev: EvParameters,
    *,
    title: str,
    folder: Path,
    plant: Plant = Plant.FOLLOWING,
    workarounds: Sequence[Workaround] = (),
    timers: Timers | None = None,
    charging_s: float = 2.0,
) -> SessionOutcome:
    """Josev's SECC and our EV in a fresh NetBed; returns the outcome, raises for our own faults only."""
    outcome = SessionOutcome(title, ev, plant, timers or Timers())
    evidence = Evidence(folder)
    evidence.begin_case(re.sub(r"\W+", "_", title))
    outcome.evidence_path = evidence.current_path
    outcome.log_path = folder / "josev-secc.log"
    started = time.monotonic()
    try:
        with (
            NetBed() as bed,
            JosevSecc(bed.secc, (ev.service.family,), environment=environment, plant=plant, log_path=outcome.log_path)
            as secc,
            NamespaceLoop(bed.ev.namespace) as loop,
        ):  # fmt: skip
            outcome.josev_ready_s = secc.ready_after_s
            try:
                loop.run(_drive(outcome, bed.ev.interface, evidence, workarounds, charging_s), timeout=SESSION_BUDGET_S)
            finally:
                outcome.josev_log = _condensed(secc.log_lines("ERROR", "WARNING"))
                outcome.josev_rejected = _rejected_requests(secc.log_text())
    finally:
        outcome.duration_s = time.monotonic() - started
        evidence.end_case()
        evidence.close()
    if outcome.evidence_path is not None:
        outcome.undecodable = _undecodable_answers(outcome.evidence_path)
    return outcome


async def _drive(
    outcome: SessionOutcome, interface: str, evidence: Evidence, workarounds: Sequence[Workaround], charging_s: float
) -> None:
    recorder = SessionRecorder("S1", evidence)
    session: CheckedSession | None = None
    flow: SessionFlow | None = None
    try:
        async with SdpClient(interface, security=Security.NO_TLS, evidence=evidence) as client:
            outcome.sdp = await client.discover()
        connection = V2gConnection(outcome.sdp.endpoint(), evidence=evidence)
        await connection.open()
        session = CheckedSession(connection, outcome.ev, outcome.timers, recorder, workarounds=workarounds)
        async with session:
            flow = SessionFlow(session)
            await flow.full_session(charging_s)
    except (Nonconformity, Inconclusive) as exc:
        outcome.ended = exc
    finally:
        outcome.exchanges = list(recorder.exchanges)
        outcome.findings = list(recorder.findings)
        if session is not None:
            outcome.state = session.state
            outcome.workarounds = session.applied
        if flow is not None:
            outcome.samples = list(flow.loop_samples)


def _condensed(lines: list[str]) -> list[str]:
    """Josev's log lines without time stamps, repeated ones counted."""
    counts = Counter(_LOG_PREFIX.sub(r"\1 ", line).strip() for line in lines)
    return [f"{line} (x{count})" if count > 1 else line for line, count in counts.items()]


def _rejected_requests(log: str) -> list[str]:
    """Our requests Josev refused in its validation, each checked again against our own models."""
    rejected = []
    for josev_namespace, hex_stream in _JOSEV_REJECTED.findall(log):
        namespace = _JOSEV_NAMESPACES.get(josev_namespace, "common")
        try:
            document = decode(namespace, bytes.fromhex(hex_stream))
        except ExiDecodeError as exc:
            raise LabError(f"a request Josev refused does not even decode with our codec: {exc}") from None
        root = next(iter(document))
        model = model_for(namespace, root)
        if model is not None:
            try:
                model.from_document(document[root])
            except ModelError as exc:
                raise LabError(f"Josev refused our {root}, rightly: it breaks our own schema model: {exc}") from None
        rejected.append(f"{root} (schema-valid by our models: Josev's validation is stricter than the schema)")
    return rejected


def _undecodable_answers(evidence_path: Path) -> list[tuple[str, bytes, str]]:
    """Answers our decoder refused (from the evidence), for the test to try with the reference codec."""
    found = []
    for line in evidence_path.read_text().splitlines():
        entry = json.loads(line)
        if entry.get("kind") != "frame" or entry.get("direction") != "rx" or "decode_error" not in entry:
            continue
        raw = bytes.fromhex(entry["raw"])
        namespace = NAMESPACE_OF_PAYLOAD.get(int(str(entry.get("payload_type", "0x0")), 16), "common")
        found.append((namespace, raw[8:], str(entry["decode_error"])))
    return found


# ------------------------------------------------------------ the summary


def summary(outcome: SessionOutcome) -> str:
    """The findings summary CI shows: sequence with response times, findings, discharge, Josev's own complaints."""
    ev = outcome.ev
    lines = [
        f"== {outcome.title}: {ev.service.name} {ev.control_mode.value}"
        + (" with discharge requested" if ev.discharge else "")
        + f" | plant: {outcome.plant.value} | {outcome.duration_s:.1f} s ==",
    ]
    if outcome.josev_ready_s is not None:
        lines.append(f"Josev SECC ready after {outcome.josev_ready_s:.2f} s")
    if outcome.sdp is not None:
        sdp = outcome.sdp
        ignored = f", {len(sdp.ignored)} invalid datagram(s) ignored" if sdp.ignored else ""
        lines.append(
            f"SDP: answer after {sdp.requests_sent} request(s), {sdp.elapsed_s * 1000:.0f} ms: {sdp.endpoint()} "
            f"{sdp.response.security.name}{ignored}"
        )
    lines += ["Sequence (response time / V2G_SECC_Msg_Performance_Time):", *_sequence(outcome.exchanges)]
    findings = _findings(outcome)
    lines.append(f"Findings ({len(findings)}):" if findings else "Findings: none")
    lines += [f"  - {finding}" for finding in findings]
    precharge = outcome.reported("DC_PreChargeRes", "EVSEPresentVoltage")
    if precharge:
        lines.append(f"PreCharge: EV target {ev.battery.voltage_v:g} V, EVSEPresentVoltage {_sequence_of(precharge)} V")
    if ev.service.bidirectional and ev.discharge:
        lines.append(f"Discharge: {discharge_observed(outcome)}")
    elif outcome.samples:
        lines.append(f"Charge loop: {_power_range(outcome)}")
    if outcome.josev_log:
        lines.append("Josev's own log (ERROR/WARNING):")
        lines += [f"  | {line}" for line in outcome.josev_log]
    lines.append(
        f"Ended in {outcome.state.value}"
        + (" (complete)" if outcome.completed else "")
        + f"; evidence {outcome.evidence_path}; Josev log {outcome.log_path}"
    )
    return "\n".join(lines)


def _sequence(exchanges: list[ExchangeRecord]) -> list[str]:
    """One row per exchange; consecutive rounds of the same request are one row with min / median / max."""
    rows: list[str] = []
    groups: list[list[ExchangeRecord]] = []
    for exchange in exchanges:
        if groups and groups[-1][0].request == exchange.request and exchange.request.endswith(_REPEATED):
            groups[-1].append(exchange)
        else:
            groups.append([exchange])
    for index, group in enumerate(groups, 1):
        first = group[0]
        times = [e.response_time_s * 1000 for e in group if e.response_time_s is not None]
        outcomes = Counter(e.outcome for e in group)
        shown = ", ".join(f"{name}" if n == 1 else f"{name} x{n}" for name, n in outcomes.items())
        if not times:
            timing = "       -"
        elif len(group) == 1:
            timing = f"{times[0]:6.0f} ms"
        else:
            timing = f"{min(times):.0f}/{statistics.median(times):.0f}/{max(times):.0f} ms (min/median/max)"
        count = f" x{len(group)}" if len(group) > 1 else ""
        rows.append(
            f"  {index:2d} {first.request + count:<34} -> {first.response or '(none)':<32} {timing}"
            f"  limit {first.limit_s * 1000:.0f} ms  {shown}"
        )
    return rows


def _findings(outcome: SessionOutcome) -> list[str]:
    found = [f"[{f.severity.value}] {f.kind}: {f.message}" for f in outcome.findings]
    if outcome.ended is not None:
        kind = "inconclusive" if isinstance(outcome.ended, Inconclusive) else "nonconformity"
        found.append(f"[{kind}] session ended early in {outcome.state.value}: {outcome.ended}")
    found += [f"[josev] refused our {what}" for what in outcome.josev_rejected]
    found += _ac_power_below_ev_minimum(outcome)
    by_name = {w.name: w for w in JOSEV_WORKAROUNDS}
    for name, count in outcome.workarounds.items():
        found.append(f"[josev, worked around in {count} request(s)] {by_name[name].defect}")
    return found


def _ac_power_below_ev_minimum(outcome: SessionOutcome) -> list[str]:
    """AC: an active power above zero but below the EVMinimumChargePower the EV sent in every request."""
    if outcome.ev.service.family != Family.AC:
        return []
    minimum = outcome.ev.limits.ac_min_charge_power_w
    low = [s.evse_power_w for s in outcome.samples if s.evse_power_w is not None and 0 < s.evse_power_w < minimum]
    if not low:
        return []
    return [
        f"[josev, observation] the charger's active power ({_span(low)} W, in {len(low)}/{len(outcome.samples)} "
        f"rounds) lies between zero and the EV's EVMinimumChargePower ({minimum:g} W)"
    ]


def discharge_observed(outcome: SessionOutcome) -> str:
    """Whether the charger reported negative current (DC) or power (AC) while the EV asked to discharge."""
    ev, samples = outcome.ev, outcome.samples
    if not samples:
        return "requested, but the session never reached the charge loop: not observable"
    if ev.service.family == Family.DC:
        currents = [s.evse_present_current_a for s in samples if s.evse_present_current_a is not None]
        negative = sum(1 for c in currents if c < 0)
        target = (
            f"EV target current {ev.signed_power_w / ev.battery.voltage_v:g} A"
            if ev.control_mode == ControlMode.SCHEDULED
            else "EV energy request negative (Dynamic: the charger decides the current)"
        )
        verdict = "discharge delivered" if negative == len(currents) and currents else "NO discharge delivered"
        return (
            f"{target}; EVSEPresentCurrent {_span(currents)} A, negative in {negative}/{len(currents)} rounds: "
            f"{verdict}{_plant_caveat(outcome)}"
        )
    powers = [s.evse_power_w for s in samples if s.evse_power_w is not None]
    negative = sum(1 for p in powers if p < 0)
    verdict = "discharge delivered" if negative == len(powers) and powers else "NO discharge delivered"
    return (
        f"EV asks {ev.signed_power_w:g} W; charger's active power {_span(powers)} W, negative in "
        f"{negative}/{len(powers)} rounds: {verdict}"
    )


def _plant_caveat(outcome: SessionOutcome) -> str:
    """What the DC current says about Josev, given the plant behind its stack."""
    if outcome.ev.service.family != Family.DC:
        return ""
    if outcome.plant is Plant.JOSEV_SIMULATOR:
        return " (Josev's simulator plant reports a constant 1 V / 1 A)"
    if outcome.ev.control_mode == ControlMode.SCHEDULED:
        return (
            " (the following plant mirrors the EV's target current: this shows Josev's stack carrying the EV's signed"
            " target to its plant and the signed present current back; Josev's own simulator reports +1 A)"
        )
    return (
        " (Dynamic: Josev's stack hands its plant no setpoint at all, so the current stays at the 0 A of PreCharge;"
        " Josev's own simulator reports +1 A)"
    )


def _power_range(outcome: SessionOutcome) -> str:
    powers = [s.evse_power_w for s in outcome.samples if s.evse_power_w is not None]
    currents = [s.evse_present_current_a for s in outcome.samples if s.evse_present_current_a is not None]
    parts = [f"{len(outcome.samples)} rounds", f"charger power {_span(powers)} W"]
    if currents:
        parts.append(f"present current {_span(currents)} A")
    return ", ".join(parts) + _plant_caveat(outcome)


def _sequence_of(values: list[float]) -> str:
    """Values in order, runs of one value written once with a count."""
    runs: list[list[float]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1].append(value)
        else:
            runs.append([value])
    return ", ".join(f"{run[0]:g}" + (f" (x{len(run)})" if len(run) > 1 else "") for run in runs)


def _span(values: list[float]) -> str:
    if not values:
        return "(none reported)"
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}..{high:g}"
