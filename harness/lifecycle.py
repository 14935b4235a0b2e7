"""Exit paths of a run: SIGTERM handled like Ctrl-C, signals held back during the safe state, arming a bench.

pytest turns KeyboardInterrupt into an orderly end (session finish hooks run), which is where the bench goes to its
safe state; SIGTERM (a CI runner's or a lab scheduler's stop) must take the same path instead of killing us.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

from harness.config import Lab
from harness.lab_instruments import ENERGISING_ROLES
from instruments.guard import Arming

ARM_WORD = "ARM"


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


def terminate_as_interrupt() -> None:
    """SIGTERM raises KeyboardInterrupt in the main thread, like SIGINT."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_interrupt)


@contextlib.contextmanager
def signals_deferred() -> Iterator[list[int]]:
    """Hold off SIGINT and SIGTERM during the block: the run is already ending, a second signal must not cut it."""
    if threading.current_thread() is not threading.main_thread():
        yield []
        return
    received: list[int] = []

    def remember(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {sig: signal.signal(sig, remember) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def arming_for(lab: Lab, *, armed_by_flag: bool) -> Arming:
    """A virtual bench needs no arming; a real bench with a grid simulator or DC source needs a person's yes."""
    energising = sorted(str(role) for role in lab.instruments if role in ENERGISING_ROLES)
    arming = Arming(required=lab.kind == "real" and bool(energising))
    if not arming.required or armed_by_flag:
        arming.arm()
        return arming
    if _ask_operator(lab, energising):
        arming.arm()
    return arming


def _ask_operator(lab: Lab, energising: list[str]) -> bool:
    """Ask on the controlling terminal; without one (CI, a service) the bench stays unarmed."""
    try:
        with open("/dev/tty", "r+", encoding="utf-8") as tty:
            tty.write(
                f"\n{lab.name}: this run may energise the {' and '.join(energising)} outputs.\n"
                f"Check the wiring and the area, then type {ARM_WORD} to arm the bench (anything else: unarmed): "
            )
            tty.flush()
            return tty.readline().strip() == ARM_WORD
    except OSError:
        print(f"harness: {lab.name}: no terminal to confirm arming; the bench stays unarmed", file=sys.stderr)
        return False
