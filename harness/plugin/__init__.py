"""The pytest plugin (registered as a pytest11 entry point): options, the `tc` marker, fixtures.

It stays inert unless a lab is given (`--lab` or the `harness_lab` ini key); then a HarnessSession is registered and
owns the run. The work lives in plain modules; this file only wires them to pytest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.config import Dut, InstrumentRole, Lab, LabTiming, TestConfiguration
from harness.dut import DutActions
from harness.evidence import Evidence
from harness.iso15118.ev.role import EvRole
from harness.lab_instruments import ROLE_TITLES
from harness.lifecycle import terminate_as_interrupt
from harness.ocpp.channel import StationChannel
from harness.ocpp.v201.states import CaseContext
from harness.plugin.session import SESSION_KEY, HarnessSession
from harness.verdict import LabError
from instruments.capabilities import CanBus, DcSource, EvEmulator, GridSimulator, PowerAnalyzer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "EV charging conformance harness")
    options = [
        ("--lab", "harness_lab", "lab setup file (lab_setup/virtual.yaml for the virtual lab)"),
        ("--dut", "harness_dut", "DUT profile (default: the lab's default_dut)"),
        ("--profile", "harness_profile", "certification profile name or file (default: every test case)"),
        ("--out", "harness_out", "run directory (default: runs/<timestamp>)"),
    ]
    for flag, dest, help_text in options:
        group.addoption(flag, dest=dest, default=None, help=help_text)
        parser.addini(dest, help_text)
    group.addoption(
        "--virtual-fault", dest="harness_faults", action="append", default=[], metavar="NAME",
        help="start the virtual station with this named fault (repeatable)",
    )  # fmt: skip
    group.addoption(
        "--harness-progress", dest="harness_progress", action="store_true",
        help="print one line per finished test case instead of pytest's progress (used by `harness run`)",
    )  # fmt: skip
    group.addoption(
        "--arm", dest="harness_arm", action="store_true",
        help="allow a real bench's grid simulator and DC source to energise their outputs (a person decides this)",
    )  # fmt: skip
    group.addoption("--harness-command", dest="harness_command", default=None, help="command line recorded in run.json")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "tc(id, title, standard, block, use_cases, requirements, needs): a conformance test case"
    )
    lab = config.getoption("harness_lab") or config.getini("harness_lab")
    if lab:
        terminate_as_interrupt()
        session = HarnessSession.from_config(config, lab)
        config.stash[SESSION_KEY] = session
        config.pluginmanager.register(session, "harness-session")


def _session(request: pytest.FixtureRequest) -> HarnessSession:
    session = request.config.stash.get(SESSION_KEY, None)
    if session is None:
        raise pytest.UsageError("conformance test cases need a lab: pass --lab lab_setup/virtual.yaml")
    return session


@pytest.fixture
def csms(request: pytest.FixtureRequest) -> StationChannel:
    """The CSMS role's conversation with the DUT: expect, call, respond."""
    return _session(request).require_bench().csms.channel


@pytest.fixture
def dut(request: pytest.FixtureRequest) -> DutActions:
    """Manual actions on the DUT (plug in, present an idToken, power cycle, …)."""
    return _session(request).require_bench().actions


@pytest.fixture
def cfg(request: pytest.FixtureRequest) -> TestConfiguration:
    """The DUT profile's test configuration: tokens, intervals, the EVSE under test."""
    return _session(request).dut.test_configuration


@pytest.fixture
def dut_profile(request: pytest.FixtureRequest) -> Dut:
    return _session(request).dut


@pytest.fixture
def ctx(request: pytest.FixtureRequest) -> CaseContext:
    """The whole scenario context (csms, dut, cfg, timing, DUT profile) for the reusable states."""
    session = _session(request)
    bench = session.require_bench()
    return CaseContext(
        bench.csms.channel, bench.actions, session.dut.test_configuration, session.lab.timing, session.dut,
        server=bench.csms, firmware_authority=bench.firmware_authority,
    )  # fmt: skip


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    """The run's evidence: test cases record the measurements their verdicts rest on."""
    return _session(request).evidence


@pytest.fixture
def lab(request: pytest.FixtureRequest) -> Lab:
    """The lab file: its instruments (with their stated accuracy) and safety envelope."""
    return _session(request).lab


@pytest.fixture
def timing(request: pytest.FixtureRequest) -> LabTiming:
    """The lab's timeouts and tolerances."""
    return _session(request).lab.timing


def _instrument(request: pytest.FixtureRequest, role: InstrumentRole) -> Any:
    session = _session(request)
    bench = session.require_bench()
    problem = bench.instrument_problems.get(role)
    if problem is not None:
        raise LabError(f"the {ROLE_TITLES[role]} could not be opened: {problem}")
    instrument = bench.instruments.get(role) if bench.instruments is not None else None
    if instrument is None:
        pytest.skip(f"the lab provides no {ROLE_TITLES[role]} (instruments.{role})")
    return instrument


@pytest.fixture
def analyser(request: pytest.FixtureRequest) -> PowerAnalyzer:
    """The bench's power analyser (guarded: frozen readings become a lab error)."""
    instrument: PowerAnalyzer = _instrument(request, "analyser")
    return instrument


@pytest.fixture
def grid(request: pytest.FixtureRequest) -> GridSimulator:
    """The bench's grid simulator; every setpoint is checked against the lab's safety envelope."""
    instrument: GridSimulator = _instrument(request, "grid")
    return instrument


@pytest.fixture
def grid_if_present(request: pytest.FixtureRequest) -> GridSimulator | None:
    """The grid simulator when the lab has one, else None: for cases that can also run on the lab mains."""
    if "grid" not in _session(request).lab.instruments:
        return None
    instrument: GridSimulator = _instrument(request, "grid")
    return instrument


@pytest.fixture
def dc_source(request: pytest.FixtureRequest) -> DcSource:
    """The bench's DC source (and load), inside the envelope's DC limits."""
    instrument: DcSource = _instrument(request, "dc_source")
    return instrument


@pytest.fixture
def ev_emulator(request: pytest.FixtureRequest) -> EvEmulator:
    """The bench's EV emulator: control pilot, plug, DC voltage."""
    instrument: EvEmulator = _instrument(request, "ev_emulator")
    return instrument


@pytest.fixture
def ev(request: pytest.FixtureRequest) -> EvRole:
    """The EV role (ISO 15118-20): plug in, discover the SECC, sessions recorded in the case's evidence."""
    session = _session(request)
    bench = session.require_bench()
    link, pics = session.lab.iso15118, session.dut.iso15118
    if link is None or pics is None:
        pytest.skip("the lab or the DUT profile has no ISO 15118-20 section")
    unicast = bench.station.secc_sdp if bench.station is not None else None
    if unicast is None and link.sdp_unicast is not None:
        host, _, port = link.sdp_unicast.rpartition(":")
        unicast = (host.strip("[]"), int(port))
    emulator = None
    if "ev_emulator" in session.lab.instruments:
        emulator = _instrument(request, "ev_emulator")
    anchors: tuple[Path, ...] = ()
    if bench.station is not None and bench.station.secc_v2g_root is not None:
        anchors = (bench.station.secc_v2g_root,)
    elif pics.v2g_root is not None:
        anchors = ((session.dut_path.parent / pics.v2g_root).resolve(),)
    return EvRole(
        link, pics, session.evidence, bench.actions, session.dut.test_configuration,
        sdp_unicast=unicast, ev_emulator=emulator, trust_anchors=anchors,
    )  # fmt: skip


@pytest.fixture
def can(request: pytest.FixtureRequest) -> CanBus:
    """The bench's CAN interface (with the lab's DBC when one is configured)."""
    instrument: CanBus = _instrument(request, "can")
    return instrument
