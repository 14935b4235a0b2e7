"""The committed grammar tables are exactly what the generator makes from the pinned schemas, and the generator
refuses schemas whose contents differ from the pins."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from harness.iso15118.exi.generator.__main__ import GENERATED, MODELS, generate
from harness.iso15118.exi.generator.pins import SCHEMA_SHA256, WHEEL_NAME
from harness.iso15118.exi.generator.source import SourceError, load_schemas


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pinned wheel, fetched from PyPI once per test session (the schemas are never committed)."""
    folder = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(folder), "iso15118==0.31.2"]
    subprocess.run(command, check=True, timeout=300, capture_output=True)
    return folder / WHEEL_NAME


def test_committed_tables_and_models_are_regenerated_byte_identically(wheel: Path) -> None:
    outputs = generate(load_schemas(wheel))
    committed = {p for p in GENERATED.glob("*.py") if p.stem != "__init__"}
    committed |= {p for p in MODELS.glob("*.py") if p.stem not in ("__init__", "base", "lookup")}
    assert set(outputs) == committed
    for path, text in outputs.items():
        assert path.read_text(encoding="utf-8") == text, path.name


def test_check_mode_of_the_module_entry_point(wheel: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness.iso15118.exi.generator", "--wheel", str(wheel), "--check"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_a_schema_with_other_contents_is_refused(wheel: Path, tmp_path: Path) -> None:
    tampered = tmp_path / WHEEL_NAME
    target = next(iter(SCHEMA_SHA256))
    with zipfile.ZipFile(wheel) as source, zipfile.ZipFile(tampered, "w") as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            copy.writestr(item, data + b"<!-- changed -->" if item.filename == target else data)
    with pytest.raises(SourceError, match="refusing other contents"):
        load_schemas(tampered)


def test_no_schema_is_committed() -> None:
    root = Path(__file__).resolve().parents[3]
    tracked = subprocess.run(["git", "ls-files", "*.xsd"], cwd=root, capture_output=True, text=True, check=True)
    assert tracked.stdout == ""
