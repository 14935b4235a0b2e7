"""Live progress for `harness run`: a progress bar and one line per finished case on a terminal, plain lines
otherwise (CI logs)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from harness.results import CaseResult

_STYLE = {"pass": "green", "fail": "red", "inconclusive": "yellow", "not_applicable": "dim", "error": "magenta"}


class Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.console = Console(stderr=False, highlight=False)
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None
        self._done = 0
        self._total = 0

    def start(self, total: int) -> None:
        self._total = total
        if not self.enabled:
            return
        if sys.stdout.isatty():
            self._bar = RichProgress(
                TextColumn("[bold]running"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=self.console, transient=True,
            )  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task("cases", total=total)
        else:
            print(f"running {total} test case(s)", flush=True)

    def case_done(self, result: CaseResult) -> None:
        self._done += 1
        if not self.enabled:
            return
        verdict = result.verdict.upper()
        reason = "" if result.verdict == "pass" else f" — {result.reason}"
        if self._bar is not None and self._task is not None:
            style = _STYLE.get(result.verdict, "")
            self.console.print(
                f"[{style}]{verdict:<14}[/] {result.id:<12} {result.title} ({result.duration_s:.1f} s){reason}",
                markup=True,
            )
            self._bar.advance(self._task)
        else:
            print(f"[{self._done}/{self._total}] {verdict:<14} {result.id} {result.title}"
                  f" ({result.duration_s:.1f} s){reason}", flush=True)  # fmt: skip

    def line(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def finish(self, counts: Counter[str], run_dir: Path) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        if not self.enabled:
            return
        summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in _STYLE)
        print(f"\n{summary}\nrun directory: {run_dir}", flush=True)
