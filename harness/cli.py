"""`harness run | list | report | schema | virtual-station`: a thin front end that builds a pytest invocation.

Exit codes (contract): 0 every applicable case passed, 1 a case failed or was inconclusive, 2 invalid input,
3 a harness or lab error.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from harness import __version__
from harness.catalogue import CaseInfo
from harness.config import (
    SCHEMAS,
    ConfigError,
    all_profiles,
    load_dut,
    load_lab,
    load_profile,
    resolve_default_dut,
    resolve_profile_path,
)
from harness.iso15118.exi.cli import add_parser as add_exi_parser
from harness.paths import DEFAULT_LAB, RUNS_DIR, TESTCASES_DIR
from harness.results import exit_code_for, read_verdicts

EXIT_INVALID = 2
EXIT_HARNESS = 3


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "virtual-station":
        from harness.virtual.cli import main as station_main

        return station_main(args[1:])
    parser = _parser()
    options = parser.parse_args(args)
    try:
        return int(options.handler(options))
    except ConfigError as exc:
        print(f"harness: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("harness: interrupted", file=sys.stderr)
        return EXIT_HARNESS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description="Conformance harness for smart and V2G charging.")
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the conformance test cases against a DUT")
    run.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="lab setup file (default: the virtual lab)")
    run.add_argument("--dut", type=Path, help="DUT profile (default: the lab's default_dut)")
    run.add_argument("--profile", help="certification profile name (profiles/certification/NAME.yaml) or file")
    run.add_argument("-k", dest="keyword", help="pytest -k expression on test-case names, e.g. 'TC_B_01'")
    run.add_argument("--out", type=Path, help="run directory (default: runs/<timestamp>)")
    run.add_argument(
        "--arm", action="store_true",
        help="a real bench may energise its grid simulator and DC source outputs (otherwise you are asked)",
    )  # fmt: skip
    run.add_argument(
        "--virtual-fault", action="append", default=[], metavar="NAME",
        help="start the virtual station with this named fault (repeatable; `harness virtual-station --list-faults`)",
    )  # fmt: skip
    run.set_defaults(handler=_run)

    listing = commands.add_parser("list", help="list the test-case catalogue")
    listing.add_argument("--profile", help="only the cases this certification profile selects")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=_list)

    report = commands.add_parser("report", help="re-render report.html, junit.xml and manifest from a run directory")
    report.add_argument("run_dir", type=Path)
    report.set_defaults(handler=_report)

    lab = commands.add_parser("lab", help="lab bench tools")
    lab_commands = lab.add_subparsers(dest="lab_command", required=True)
    check = lab_commands.add_parser(
        "check", help="connect every instrument of the lab, print identities and the safety envelope, leave all safe"
    )
    check.add_argument("--lab", type=Path, default=DEFAULT_LAB, help="lab setup file (default: the virtual lab)")
    check.add_argument("--dut", type=Path, help="DUT profile for the virtual station (default: the lab's default)")
    check.set_defaults(handler=_lab_check)

    add_exi_parser(commands)

    schema = commands.add_parser("schema", help="print the JSON schema of a lab, DUT or profile file")
    schema.add_argument("kind", choices=sorted(SCHEMAS))
    schema.set_defaults(handler=_schema)

    commands.add_parser(
        "virtual-station", help="run the virtual charging station alone (see `harness virtual-station --help`)"
    )
    return parser


# ---------------------------------------------------------------- run


def _run(options: argparse.Namespace) -> int:
    lab = load_lab(options.lab)
    dut_path = options.dut or resolve_default_dut(lab, options.lab)
    load_dut(dut_path)
    if options.profile:
        load_profile(resolve_profile_path(options.profile))
    if options.virtual_fault:
        if lab.kind != "virtual":
            raise ConfigError(f"{options.lab}: kind: --virtual-fault needs a virtual lab")
        _check_faults(options.virtual_fault)
    run_dir = options.out or RUNS_DIR / datetime.now().strftime("%Y%m%d-%H%M%S")
    if (run_dir / "results.jsonl").exists():
        raise ConfigError(f"{run_dir}: --out: this run directory already holds results; choose another")
    pytest_args = [
        str(TESTCASES_DIR),
        "--lab", str(options.lab),
        "--dut", str(dut_path),
        "--out", str(run_dir),
        "--alluredir", str(run_dir / "allure-results"),
        "--harness-progress",
        "--harness-command", shlex.join(["harness", *sys.argv[1:]]),
        "-p", "no:cacheprovider",
        "-p", "no:hypothesispytest",  # a dev tool's plugin; loading it costs ~0.8 s per run, the cases never use it
        "-q", "--tb=no", "--no-header", "-W", "ignore::pytest.PytestUnraisableExceptionWarning",
        "-W", "ignore::pytest.PytestAssertRewriteWarning",  # the harness is imported before pytest starts
    ]  # fmt: skip
    if options.profile:
        pytest_args += ["--profile", options.profile]
    if options.keyword:
        pytest_args += ["-k", options.keyword]
    if options.arm:
        pytest_args += ["--arm"]
    for fault in options.virtual_fault:
        pytest_args += ["--virtual-fault", fault]
    status = pytest.main(pytest_args)
    if status == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("harness: the selection matched no test case", file=sys.stderr)
        return EXIT_INVALID
    if status == pytest.ExitCode.USAGE_ERROR:
        return EXIT_INVALID
    if status in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.INTERRUPTED):
        return EXIT_HARNESS
    print(f"report: {run_dir / 'report.html'}")
    return exit_code_for(read_verdicts(run_dir / "results.jsonl"))


def _check_faults(requested: list[str]) -> None:
    from harness.virtual.faults import FAULTS_BY_NAME

    known = set(FAULTS_BY_NAME)
    for name in requested:
        if name not in known:
            raise ConfigError(f"--virtual-fault: unknown fault {name!r} (see `harness virtual-station --list-faults`)")


# ---------------------------------------------------------------- list


class _Collector:
    def __init__(self) -> None:
        self.cases: list[CaseInfo] = []

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.cases = [info for info in (CaseInfo.of(item) for item in items) if info is not None]


def collect_catalogue() -> list[CaseInfo]:
    """Every test case in testcases/, as pytest collects it (markers are the single source of truth)."""
    collector = _Collector()
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        status = pytest.main(
            [str(TESTCASES_DIR), "--collect-only", "-q", "-p", "no:cacheprovider"], plugins=[collector]
        )
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise ConfigError(f"{TESTCASES_DIR}: collection failed: {sink.getvalue().strip().splitlines()[-1:]}")
    return collector.cases


def _list(options: argparse.Namespace) -> int:
    profiles = all_profiles()
    chosen = load_profile(resolve_profile_path(options.profile)) if options.profile else None
    rows: list[dict[str, Any]] = []
    for case in collect_catalogue():
        if chosen is not None and not chosen.selects(case.id):
            continue
        rows.append(case.as_listing([p.name for p in profiles if p.selects(case.id)]))
    if options.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            print(f"{row['id']:<12} {row['block']:<22} {row['title']}")
        print(f"{len(rows)} test case(s)")
    return 0


# ---------------------------------------------------------------- report and schema


def _report(options: argparse.Namespace) -> int:
    from harness.report import RunDirError, render_run

    try:
        rendered = render_run(options.run_dir)
    except RunDirError as exc:
        print(f"harness: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print(f"report: {rendered.html}")
    return 0


def _lab_check(options: argparse.Namespace) -> int:
    from harness.lab_check import check_lab

    lab = load_lab(options.lab)
    dut = load_dut(options.dut or resolve_default_dut(lab, options.lab))
    answered = check_lab(lab, options.lab, dut, print)
    return 0 if answered else EXIT_HARNESS


def _schema(options: argparse.Namespace) -> int:
    print(json.dumps(SCHEMAS[options.kind].model_json_schema(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
