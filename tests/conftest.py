"""Shared helpers for the harness's own tests: running the `harness` CLI as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def harness(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run `harness ARGS` in a subprocess from the project root; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def read_results(run_dir: Path) -> list[dict[str, Any]]:
    lines = (run_dir / "results.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="session")
def catalogue() -> list[dict[str, Any]]:
    result = harness("list", "--json")
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))
