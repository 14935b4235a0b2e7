"""The one recording point: every frame, manual action, note and finding goes through here, timestamped.

Entries go to `evidence/<case id>.jsonl` while a test case runs and to `evidence/_session.jsonl` between cases.
Each entry has a monotonic time (`mono`, for intervals) and a wall-clock time (`wall`, for people).
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from harness.verdict import Finding, Severity

SESSION_NAME = "_session"


class Evidence:
    """Thread-safe: frames are recorded on the CSMS event-loop thread, cases are switched on pytest's thread."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self.dir = run_dir / "evidence"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._seq = 0
        self._file: IO[str] | None = None
        self._path: Path | None = None
        self._findings: list[Finding] = []
        self._attachments: list[Path] = []
        self._case_id: str | None = None
        self._open(SESSION_NAME)

    # ------------------------------------------------------------ case windows

    def begin_case(self, case_id: str) -> None:
        with self._lock:
            self._close()
            self._findings = []
            self._attachments = []
            self._case_id = case_id
            self._open(case_id)

    def end_case(self) -> tuple[list[str], list[Finding]]:
        """Close the case's file (fsynced) and return its relative evidence paths and its findings.

        The case's JSONL file comes first; attachments (packet captures, key logs) follow in the order recorded.
        """
        with self._lock:
            path = self._path
            self._close()
            findings, self._findings, self._case_id = self._findings, [], None
            attachments, self._attachments = self._attachments, []
            self._open(SESSION_NAME)
        relative = [path.relative_to(self.run_dir).as_posix()] if path is not None else []
        relative += [a.relative_to(self.run_dir).as_posix() for a in attachments if a.exists()]
        return relative, findings

    @property
    def case_id(self) -> str | None:
        return self._case_id

    @property
    def current_path(self) -> Path | None:
        return self._path

    def current_findings(self) -> list[Finding]:
        with self._lock:
            return list(self._findings)

    # ------------------------------------------------------------ recording

    def frame(self, direction: str, raw: str, *, channel: str = "ocpp", **fields: Any) -> int:
        """Record one wire frame; `direction` is rx (from the DUT) or tx (to the DUT). Returns its seq."""
        return self._write({"kind": "frame", "channel": channel, "direction": direction, "raw": raw, **fields})

    def finding(self, severity: Severity, kind: str, message: str, frame_seq: int | None = None) -> Finding:
        found = Finding(severity, kind, message, frame_seq)
        with self._lock:
            self._findings.append(found)
        self._write({"kind": "finding", **found.as_dict()})
        return found

    def instrument(self, instrument: str, direction: str, text: str) -> None:
        """One line of an instrument conversation (SCPI command or reply, CAN frame); direction tx, rx or error."""
        self._write({"kind": "instrument", "instrument": instrument, "direction": direction, "text": text})

    def measurement(self, source: str, values: dict[str, Any]) -> None:
        """A value a test case's verdict rests on, so the verdict can be recomputed from the evidence."""
        self._write({"kind": "measurement", "source": source, "values": values})

    def action(self, text: str) -> None:
        self._write({"kind": "action", "text": text})

    def note(self, text: str) -> None:
        self._write({"kind": "note", "text": text})

    def attachment_path(self, name: str) -> Path:
        """A fresh path for a file that belongs to the current case (a pcap, a TLS key log), not yet created.

        Files live in `evidence/<case id>/`; the name gets a counter when it is taken. The path is listed in the
        case's evidence once the case ends, if the file exists by then.
        """
        with self._lock:
            folder = self.dir / (self._case_id or SESSION_NAME)
            folder.mkdir(parents=True, exist_ok=True)
            stem, dot, suffix = name.partition(".")
            path, counter = folder / name, 2
            while path.exists() or path in self._attachments:
                path = folder / f"{stem}-{counter}{dot}{suffix}"
                counter += 1
            if self._case_id is not None:
                self._attachments.append(path)
            return path

    def attach(self, path: Path, description: str) -> None:
        """Record that `path` (from `attachment_path`) holds evidence, with what it is."""
        self._write({"kind": "attachment", "path": path.relative_to(self.run_dir).as_posix(), "text": description})

    def record(self, kind: str, **fields: Any) -> int:
        """A structured entry of its own kind (e.g. `v2g_exchange`, `v2g_session`); returns its seq."""
        return self._write({"kind": kind, **fields})

    def close(self) -> None:
        with self._lock:
            self._close()

    # ------------------------------------------------------------ internals

    def _write(self, entry: dict[str, Any]) -> int:
        with self._lock:
            self._seq += 1
            line = {"seq": self._seq, "mono": round(time.monotonic(), 6), "wall": _now_iso(), **entry}
            if self._file is not None:
                self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
                self._file.flush()
            return self._seq

    def _open(self, name: str) -> None:
        path = self.dir / f"{name}.jsonl"
        counter = 2
        while name != SESSION_NAME and path.exists():
            path = self.dir / f"{name}-{counter}.jsonl"
            counter += 1
        self._path = path
        self._file = path.open("a", encoding="utf-8")

    def _close(self) -> None:
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        self._file = None


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")
