"""The Java reference codec for the tests: one bridge and JVM for the whole session, its venv built on first use.

When it cannot run, its tests fail with the reason (CI must notice); `HARNESS_SKIP_REFERENCE_CODEC=1` makes them skip
instead, for machines that knowingly have no Java or no PyPI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from harness.iso15118.reference.environment import ENV_SKIP, JosevEnvironment, availability
from harness.iso15118.reference.errors import ReferenceUnavailable
from harness.iso15118.reference.java_codec import JavaExiCodec


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "reference_codec: needs the Java EXI codec from Josev (its own venv, built on first use, and java)"
    )


def _cannot_run(reason: str) -> None:
    pytest.fail(f"the Java reference codec cannot run here: {reason} (set {ENV_SKIP}=1 to skip instead)", pytrace=False)


@pytest.fixture(scope="session")
def josev_environment() -> JosevEnvironment:
    """The Josev venv (built if missing); skips only when switched off, fails with the reason otherwise."""
    if os.environ.get(ENV_SKIP) == "1":
        pytest.skip(f"{ENV_SKIP}=1: the Java reference codec is switched off here")
    state = availability(create=True)
    if state.environment is None:
        _cannot_run(state.reason)
    assert state.environment is not None
    return state.environment


@pytest.fixture(scope="session")
def java_codec(josev_environment: JosevEnvironment) -> Iterator[JavaExiCodec]:
    """One running codec shared by the tests that only send requests."""
    codec = JavaExiCodec(venv=josev_environment.path)
    try:
        codec.start()
    except ReferenceUnavailable as exc:
        _cannot_run(str(exc))
    with codec:
        yield codec
