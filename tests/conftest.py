"""Shared helpers for the harness's own tests: running the `harness` CLI as a user would."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parent.parent

# The suite starts a few hundred `harness` processes, each importing the package and the catalogue (and its virtual
# station) again. Where bytecode caching is off (PYTHONDONTWRITEBYTECODE, as on our CI machines) each recompiles
# everything; they share one bytecode cache outside the checkout instead, about a third less CPU per run.
_BYTECODE_CACHE = tempfile.mkdtemp(prefix="harness-tests-pyc-")
atexit.register(shutil.rmtree, _BYTECODE_CACHE, True)
SUBPROCESS_ENV = {
    **{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"},
    "PYTHONPYCACHEPREFIX": _BYTECODE_CACHE,
}


def harness(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run `harness ARGS` in a subprocess from the project root; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=SUBPROCESS_ENV,
    )


def read_results(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def catalogue() -> list[dict[str, Any]]:
    result = harness("list", "--json")
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))
