"""Interop tests against Josev's SECC: when they can run, and where their findings summaries go.

They need root (network namespaces), `java` and the Josev venv (built on first use, as for the differential codec
test). Without any of these every test here skips with the reason; `HARNESS_SKIP_REFERENCE_CODEC=1` switches them
off too. Each test's summary is printed (visible with `pytest -s`), stored as a JUnit property, and repeated in a
section at the end of the terminal report, so CI logs carry Josev's findings also when every test passed.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from harness.iso15118.netbed import can_create_namespaces
from harness.iso15118.reference.environment import JosevEnvironment
from harness.iso15118.reference.errors import ReferenceUnavailable
from harness.iso15118.reference.josev_secc import josev_environment, unavailable_reason

SUMMARIES = pytest.StashKey[list[tuple[str, str]]]()


@pytest.fixture(scope="session")
def josev() -> JosevEnvironment:
    """The Josev venv, or a skip saying why the interop tests cannot run here."""
    possible, why = can_create_namespaces()
    if not possible:
        pytest.skip(f"the interop tests need network namespaces: {why}")
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    try:
        return josev_environment()
    except ReferenceUnavailable as exc:
        pytest.skip(f"Josev's venv is not available: {exc}")


@pytest.fixture
def report_findings(
    request: pytest.FixtureRequest, record_property: Callable[[str, object], None]
) -> Callable[[str], None]:
    """`report_findings(text)`: print the summary, keep it in the JUnit XML and in the end-of-run section."""

    def report(text: str) -> None:
        print(f"\n{text}")
        record_property("josev_findings", text)
        request.config.stash.setdefault(SUMMARIES, []).append((request.node.nodeid, text))

    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    summaries = config.stash.get(SUMMARIES, [])
    if not summaries:
        return
    terminalreporter.section("Josev SECC interop: findings")
    for nodeid, text in summaries:
        terminalreporter.write_line(nodeid)
        for line in text.splitlines():
            terminalreporter.write_line(f"  {line}")
