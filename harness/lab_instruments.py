"""The bench's instruments as the harness holds them: opened from the lab file, guarded, journaled, made safe.

Opening an instrument = build its driver by name, check it offers its role's capability, wrap it in the safety
guard, set and read back its protection limits. Closing = the safe state of every instrument (grid first: it is
the one that can hurt), then the connections. Every SCPI line and CAN frame goes to evidence.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.config import VIRTUAL_RESOURCE, Envelope, InstrumentEntry, InstrumentRole, Lab
from harness.evidence import Evidence
from harness.verdict import LabError
from instruments.capabilities import CanBus, DcSource, EvEmulator, GridSimulator, Identity, PowerAnalyzer
from instruments.envelope import SafetyEnvelope
from instruments.errors import InstrumentError
from instruments.guard import Arming, Guarded, SafeStateReport
from instruments.guard_devices import GuardedAnalyzer, GuardedCan, GuardedDcSource, GuardedEvEmulator
from instruments.guard_grid import GuardedGrid
from instruments.registry import DriverSpec, open_instrument

CAPABILITY: dict[InstrumentRole, type] = {
    "grid": GridSimulator,
    "analyser": PowerAnalyzer,
    "dc_source": DcSource,
    "ev_emulator": EvEmulator,
    "can": CanBus,
}
ROLE_TITLES: dict[str, str] = {
    "grid": "grid simulator",
    "analyser": "power analyser",
    "dc_source": "DC source",
    "ev_emulator": "EV emulator",
    "can": "CAN interface",
}
# The grid simulator can hurt most, the analyser not at all: make them safe in this order.
SAFE_ORDER: tuple[InstrumentRole, ...] = ("grid", "dc_source", "ev_emulator", "analyser", "can")
ENERGISING_ROLES: frozenset[InstrumentRole] = frozenset({"grid", "dc_source"})
PATH_OPTIONS = ("dbc",)


def safety_envelope(envelope: Envelope) -> SafetyEnvelope:
    return SafetyEnvelope(**envelope.model_dump())


@dataclass
class OpenedInstrument:
    role: InstrumentRole
    entry: InstrumentEntry
    guarded: Guarded
    identity: Identity
    protection: dict[str, float] = field(default_factory=dict)


class LabInstruments:
    """Every instrument of the lab file, opened in order and always brought back to its safe state."""

    def __init__(
        self,
        lab: Lab,
        lab_path: Path,
        evidence: Evidence | None,
        arming: Arming,
        virtual_resources: Mapping[str, str] | None = None,
    ) -> None:
        self.lab, self.lab_path, self.evidence, self.arming = lab, lab_path, evidence, arming
        self.virtual_resources = dict(virtual_resources or {})
        self.envelope = safety_envelope(lab.envelope) if lab.envelope is not None else None
        self.opened: dict[InstrumentRole, OpenedInstrument] = {}
        self._safe_lock = threading.Lock()
        self._made_safe = False

    @property
    def needs_arming(self) -> bool:
        return self.lab.kind == "real" and any(role in ENERGISING_ROLES for role in self.lab.instruments)

    def get(self, role: InstrumentRole) -> Any:
        instrument = self.opened.get(role)
        return instrument.guarded if instrument is not None else None

    # ------------------------------------------------------------ opening

    def open_all(self) -> None:
        """Open every instrument; on any failure make those already open safe, close them, raise LabError."""
        problems = self.open_each()
        if problems:
            self.safe_state_all()
            role, problem = next(iter(problems.items()))
            raise LabError(f"{ROLE_TITLES[role]} ({role}): {problem}")

    def open_each(self) -> dict[str, str]:
        """Open every instrument that answers; returns role -> problem for those that did not."""
        problems: dict[str, str] = {}
        for role, entry in self.lab.instruments.items():
            # Under the safe-state lock: an interrupt that makes the bench safe meanwhile waits for this open to
            # end, and nothing is opened after it (a late open would escape the safe state).
            with self._safe_lock:
                if self._made_safe:
                    problems[role] = "not opened: the bench was already made safe"
                    continue
                try:
                    self.opened[role] = self._open(role, entry)
                except InstrumentError as exc:
                    problems[role] = str(exc)
                    self._note(f"{role} could not be opened: {exc}")
        return problems

    def _open(self, role: InstrumentRole, entry: InstrumentEntry) -> OpenedInstrument:
        spec = DriverSpec(
            role=role,
            driver=entry.driver,
            resource=self._resource(role, entry),
            name=role,
            backend=entry.backend,
            timeout_s=entry.timeout_s,
            options=self._options(entry),
            journal=self._journal,
        )
        driver = open_instrument(spec)
        if not isinstance(driver, CAPABILITY[role]):
            raise InstrumentError(f"driver {entry.driver!r} does not offer the {ROLE_TITLES[role]} capability")
        guarded = self._guard(role, driver)
        try:
            identity = guarded.identify()
            protection = guarded.protect()
        except InstrumentError:
            # It answered once: it may be live from an earlier session, so make it safe before letting go.
            report = guarded.safe_state()
            for error in report.errors:
                self._note(f"safe state of {role} after a failed open: {error}")
            guarded.close()
            raise
        self._note(f"{role}: {identity}; protection read back: {protection or 'none'}")
        return OpenedInstrument(role, entry, guarded, identity, protection)

    def _guard(self, role: InstrumentRole, driver: Any) -> Guarded:
        envelope = self.envelope
        assert envelope is not None or role in ("analyser", "can"), "the lab model requires an envelope"
        if role == "grid" and envelope is not None:
            return GuardedGrid(driver, envelope, self.arming)
        if role == "dc_source" and envelope is not None:
            return GuardedDcSource(driver, envelope, self.arming)
        if role == "ev_emulator" and envelope is not None:
            return GuardedEvEmulator(driver, envelope)
        if role == "analyser":
            return GuardedAnalyzer(driver)
        return GuardedCan(driver)

    def _resource(self, role: InstrumentRole, entry: InstrumentEntry) -> str:
        if entry.resource != VIRTUAL_RESOURCE:
            return entry.resource
        resource = self.virtual_resources.get(role)
        if resource is None:
            raise InstrumentError(f"{role}: the virtual bench did not serve this instrument")
        return resource

    def _options(self, entry: InstrumentEntry) -> dict[str, Any]:
        options = dict(entry.options)
        for key in PATH_OPTIONS:
            value = options.get(key)
            if isinstance(value, str) and not Path(value).is_absolute():
                options[key] = str((self.lab_path.parent / value).resolve())
        return options

    def _journal(self, instrument: str, direction: str, text: str) -> None:
        if self.evidence is not None:
            self.evidence.instrument(instrument, direction, text)

    def _note(self, text: str) -> None:
        if self.evidence is not None:
            self.evidence.note(text)

    # ------------------------------------------------------------ closing

    def safe_state_all(self) -> list[SafeStateReport]:
        """Safe state of every opened instrument, then close it; runs once even if called from several paths."""
        with self._safe_lock:
            if self._made_safe:
                return []
            self._made_safe = True
            reports: list[SafeStateReport] = []
            for role in SAFE_ORDER:
                instrument = self.opened.get(role)
                if instrument is None:
                    continue
                guarded = instrument.guarded
                report = guarded.safe_state()
                reports.append(report)
                self._note(f"safe state of {role}: {', '.join(report.steps) or 'nothing done'}")
                for error in report.errors:
                    self._note(f"safe state of {role} FAILED: {error}")
                try:
                    guarded.close()
                except Exception as exc:  # closing must not stop the others from being closed
                    self._note(f"closing {role}: {exc}")
            return reports
