"""Fetches the pinned schemas out of the iso15118 wheel and checks their digests."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from .pins import SCHEMA_SHA256, WHEEL_NAME, WHEEL_REQUIREMENT

PIP_TIMEOUT_S = 300


class SourceError(Exception):
    """The schemas could not be fetched, or their contents are not the pinned ones."""


def load_schemas(wheel: Path | None = None) -> dict[str, bytes]:
    """Schema file name -> contents, from `wheel` or from a fresh `pip download`."""
    if wheel is not None:
        return _read_wheel(wheel)
    with tempfile.TemporaryDirectory(prefix="exi-schemas-") as folder:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", folder, WHEEL_REQUIREMENT]
        try:
            subprocess.run(command, check=True, timeout=PIP_TIMEOUT_S, capture_output=True)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
            detail = getattr(exc, "stderr", b"") or b""
            raise SourceError(
                f"pip download {WHEEL_REQUIREMENT} failed: {detail.decode(errors='replace')[-300:]}"
            ) from exc
        return _read_wheel(Path(folder) / WHEEL_NAME)


def _read_wheel(wheel: Path) -> dict[str, bytes]:
    if not wheel.is_file():
        raise SourceError(f"{wheel} does not exist")
    schemas: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as archive:
        for member, expected in SCHEMA_SHA256.items():
            try:
                data = archive.read(member)
            except KeyError:
                raise SourceError(f"{wheel.name} lacks {member}") from None
            digest = hashlib.sha256(data).hexdigest()
            if digest != expected:
                raise SourceError(f"{member} has SHA-256 {digest}, pinned {expected}: refusing other contents")
            schemas[member.rsplit("/", 1)[-1]] = data
    return schemas
