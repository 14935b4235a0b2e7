"""HarnessSession: the stateful part of the plugin, registered only when a lab is given.

It brings the lab up on first use, puts the DUT into its baseline before each case, runs async scenarios on the
CSMS loop, turns outcomes into verdicts and appends each result to results.jsonl as soon as the case is done.
"""

from __future__ import annotations

import contextlib
import inspect
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import harness
from harness.aio import LoopThread
from harness.applicability import unmet_certification, unmet_need
from harness.catalogue import CaseInfo
from harness.config import (
    CertificationProfile,
    ConfigError,
    Dut,
    Lab,
    load_dut,
    load_lab,
    load_profile,
    resolve_default_dut,
    resolve_profile_path,
)
from harness.evidence import Evidence
from harness.lab import Bench
from harness.lab_instruments import ROLE_TITLES
from harness.lifecycle import arming_for, signals_deferred
from harness.ocpp.v201.baseline import reach_baseline
from harness.ocpp.v201.inventory import certification_profile
from harness.paths import RUNS_DIR, display
from harness.plugin.allure_labels import ALLURE_PYTEST_PLUGIN, attach_trace, label_for_allure
from harness.plugin.progress import Progress
from harness.report import render_run
from harness.results import CaseResult, RunRecorder, now_iso
from harness.verdict import Inconclusive, LabError, Nonconformity, NotApplicable, Severity, decide

SESSION_KEY = pytest.StashKey["HarnessSession"]()
_EXC = pytest.StashKey[BaseException]()
_STARTED = pytest.StashKey[tuple[float, str]]()

CASE_LIMIT_S = 600.0  # a scenario that runs longer is stuck: our problem, not the DUT's
BENCH_START_LIMIT_S = 60.0
BENCH_STOP_LIMIT_S = 90.0  # the grid's safe-state ramp may take up to 30 s


class HarnessSession:
    def __init__(
        self,
        config: pytest.Config,
        lab: Lab,
        lab_path: Path,
        dut: Dut,
        dut_path: Path,
        profile: CertificationProfile | None,
        profile_path: Path | None,
        run_dir: Path,
    ) -> None:
        self.config = config
        self.lab, self.lab_path, self.dut, self.profile = lab, lab_path, dut, profile
        self.dut_path = dut_path
        self.faults: list[str] = list(dict.fromkeys(config.getoption("harness_faults") or []))
        self.run_dir = run_dir
        self.evidence = Evidence(run_dir)
        self.recorder = RunRecorder(run_dir, self._run_info(lab_path, dut_path, profile_path))
        self.progress = Progress(enabled=bool(config.getoption("harness_progress")))
        self._loop: LoopThread | None = None
        self._bench: Bench | None = None
        self._starting: Bench | None = None
        self._bench_error: LabError | None = None
        self._allure = config.pluginmanager.has_plugin(ALLURE_PYTEST_PLUGIN)

    @classmethod
    def from_config(cls, config: pytest.Config, lab_option: str) -> HarnessSession:
        try:
            lab_path = Path(lab_option)
            lab = load_lab(lab_path)
            dut_option = config.getoption("harness_dut") or config.getini("harness_dut")
            dut_path = Path(dut_option) if dut_option else resolve_default_dut(lab, lab_path)
            dut = load_dut(dut_path)
            profile_option = config.getoption("harness_profile") or config.getini("harness_profile")
            profile_path = resolve_profile_path(profile_option) if profile_option else None
            profile = load_profile(profile_path) if profile_path else None
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
        out = config.getoption("harness_out") or config.getini("harness_out")
        run_dir = Path(out) if out else RUNS_DIR / datetime.now().strftime("%Y%m%d-%H%M%S")
        return cls(config, lab, lab_path, dut, dut_path, profile, profile_path, run_dir)

    def _run_info(self, lab_path: Path, dut_path: Path, profile_path: Path | None) -> dict[str, Any]:
        identity = self.dut.identity
        return {
            "harness_version": harness.__version__,
            "lab": {"name": self.lab.name, "file": display(lab_path), "kind": self.lab.kind},
            "dut": {
                "name": self.dut.name,
                "vendor": identity.vendor,
                "model": identity.model,
                "serial": identity.serial,
                "firmware": identity.firmware,
                "identity": self.dut.ocpp.station_identity,
                "file": display(dut_path),
                "certification_profiles": list(self.dut.certification.profiles),
            },
            "profile": {
                "name": self.profile.name if self.profile else "all",
                "file": display(profile_path) if profile_path else None,
                "description": self.profile.description if self.profile else "every test case in the catalogue",
            },
            "ocpp_version": self.dut.ocpp.preferred_version,
            "virtual_faults": self.faults,
            "command": self.config.getoption("harness_command") or "pytest",
        }

    # ------------------------------------------------------------ the bench

    def require_bench(self) -> Bench:
        if self._bench_error is not None:
            raise self._bench_error
        if self._bench is None:
            self._loop = LoopThread()
            arming = arming_for(self.lab, armed_by_flag=bool(self.config.getoption("harness_arm")))
            bench = Bench(self.lab, self.lab_path, self.dut, self.evidence, self.faults, self.run_dir, arming)
            self._starting = bench  # an interrupt during start must still reach its stop (and the safe state)
            try:
                self._loop.run(bench.start(), BENCH_START_LIMIT_S)
            except LabError as exc:
                self._bench_error = LabError(f"the lab could not be brought up: {exc}")
                with contextlib.suppress(Exception):
                    self._loop.run(bench.stop(), 30)
                self._starting = None
                raise self._bench_error from None
            self._bench, self._starting = bench, None
        return self._bench

    @property
    def loop(self) -> LoopThread:
        assert self._loop is not None
        return self._loop

    # ------------------------------------------------------------ collection

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if self.profile is None:
            return
        selected: list[pytest.Item] = []
        deselected: list[pytest.Item] = []
        for item in items:
            info = CaseInfo.of(item)
            (selected if info is not None and self.profile.selects(info.id) else deselected).append(item)
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = selected

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.progress.start(len(session.items))

    # ------------------------------------------------------------ one test case

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        info = CaseInfo.of(item)
        case_id = info.id if info else item.name
        item.stash[_STARTED] = (time.monotonic(), now_iso())
        self.evidence.begin_case(case_id)
        reasons = [unmet_certification(case_id, self.dut)]
        reasons += [unmet_need(need, self.dut, self.lab) for need in (info.needs if info else [])]
        unmet = [reason for reason in reasons if reason is not None]
        if unmet:
            pytest.skip(unmet[0])
        absent = [role for role in (info.instruments if info else []) if role not in self.lab.instruments]
        if absent:
            pytest.skip(f"the lab provides no {ROLE_TITLES.get(absent[0], absent[0])} (instruments.{absent[0]})")
        bench = self.require_bench()
        try:
            self.loop.run(reach_baseline(bench), self.lab.timing.boot_timeout_s * 2 + 10)
        except Nonconformity as exc:
            raise Inconclusive(f"the station did not reach the idle, accepted baseline: {exc}") from None
        bench.csms.channel.begin_case()

    @pytest.hookimpl(tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> bool | None:
        if not inspect.iscoroutinefunction(pyfuncitem.obj):
            return None
        info = CaseInfo.of(pyfuncitem)
        if info is not None and self._allure:
            label_for_allure(info)  # in the call phase: allure-pytest names the test after setup
        names = pyfuncitem._fixtureinfo.argnames
        kwargs = {name: pyfuncitem.funcargs[name] for name in names}
        try:
            self.loop.run(pyfuncitem.obj(**kwargs), CASE_LIMIT_S)
            self.require_bench().csms.channel.verify_rules()
            self._raise_for_findings()
        finally:
            if self._allure:
                attach_trace(self.evidence)
        return True

    def _raise_for_findings(self) -> None:
        """Findings recorded during the scenario decide the outcome even when every step passed."""
        for finding in self.evidence.current_findings():
            if finding.severity is Severity.HARNESS:
                raise LabError(finding.message)
        for finding in self.evidence.current_findings():
            if finding.severity is Severity.NONCONFORMITY:
                raise Nonconformity(finding.message)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        if call.excinfo is not None and _EXC not in item.stash and call.when in ("setup", "call"):
            item.stash[_EXC] = call.excinfo.value
        return outcome

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Any:
        outcome = yield
        if outcome.excinfo is not None and _EXC not in item.stash:
            # Interrupted mid-case (Ctrl-C, SIGTERM): pytest re-raises without a report; record it as our error.
            item.stash[_EXC] = outcome.excinfo[1]
        self._record(item)

    def _record(self, item: pytest.Item) -> None:
        info = CaseInfo.of(item)
        started_mono, started_at = item.stash.get(_STARTED, (time.monotonic(), now_iso()))
        evidence_paths, findings = self.evidence.end_case()
        exc = item.stash.get(_EXC, None)
        if isinstance(exc, pytest.skip.Exception):
            exc = NotApplicable(str(exc.msg))
        elif exc is not None and not isinstance(exc, Exception):
            exc = LabError(f"interrupted: {type(exc).__name__}")
        verdict, reason = decide(exc, findings)
        result = CaseResult(
            id=info.id if info else item.name,
            title=info.title if info else item.name,
            standard=info.standard if info else "unknown",
            block=info.block if info else "",
            use_cases=info.use_cases if info else [],
            requirements=info.requirements if info else [],
            verdict=verdict.value,
            reason=reason,
            started_at=started_at,
            duration_s=round(time.monotonic() - started_mono, 3),
            evidence=evidence_paths,
            findings=[f.as_dict() for f in findings],
            nodeid=item.nodeid,
            certification_profile=certification_profile(info.id if info else item.name) or "",
        )
        self.recorder.append(result)
        self.progress.case_done(result)

    def pytest_report_teststatus(self, report: pytest.TestReport) -> tuple[str, str, str] | None:
        if not self.progress.enabled:
            return None
        if report.when != "call" and report.passed:
            return "", "", ""  # setup and teardown are not cases of their own
        return report.outcome, "", ""  # our own progress lines replace pytest's dots

    # ------------------------------------------------------------ end of run

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        bench = self._bench or self._starting
        if bench is not None:
            with signals_deferred():  # a second Ctrl-C must not cut the instruments' way to their safe state
                try:
                    self.loop.run(bench.stop(), BENCH_STOP_LIMIT_S)
                except LabError as exc:
                    self.evidence.note(f"stopping the lab: {exc}")
        if self._loop is not None:
            self._loop.stop()
        self.evidence.close()
        interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
        self.recorder.finish("interrupted" if interrupted else "complete")
        self.progress.finish(self.recorder.counts, self.run_dir)
        try:
            render_run(self.run_dir)
        except Exception as exc:  # the results are safe on disk; a broken report must not hide them
            self.progress.line(f"report rendering failed: {exc}; results are in {self.run_dir}/results.jsonl")
