"""Write manifest.json: the SHA-256 of every file in the run directory, so the evidence can be checked later."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Final

MANIFEST_NAME: Final = "manifest.json"
_CHUNK: Final = 1 << 20


def build_manifest(run_dir: Path, *, generated_at: datetime) -> dict[str, object]:
    """The manifest as a dict: every regular file below run_dir except the manifest itself, sorted by path."""
    return {"generated_at": generated_at.isoformat(), "files": hash_files(run_dir)}


def hash_files(run_dir: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for path in run_dir.rglob("*"):
        rel = path.relative_to(run_dir).as_posix()
        # Symlinks could point anywhere (and loop); the manifest vouches only for what the run wrote.
        if rel == MANIFEST_NAME or path.is_symlink() or not path.is_file():
            continue
        files[rel] = sha256_file(path)
    return dict(sorted(files.items()))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_json(manifest: Mapping[str, object]) -> str:
    return json.dumps(manifest, indent=2, sort_keys=False) + "\n"
