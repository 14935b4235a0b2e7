"""Where the project's data lives (lab files, profiles, test cases), found relative to the installed package."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LAB_DIR = PROJECT_ROOT / "lab_setup"
DUT_DIR = PROJECT_ROOT / "profiles" / "dut"
CERTIFICATION_DIR = PROJECT_ROOT / "profiles" / "certification"
TESTCASES_DIR = PROJECT_ROOT / "testcases"
DEFAULT_LAB = LAB_DIR / "virtual.yaml"
RUNS_DIR = Path("runs")


def display(path: Path) -> str:
    """A path as a user should read it in a message: relative to the working directory when possible."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
