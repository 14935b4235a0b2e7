"""Josev's SECC (PyPI `iso15118` 0.31.2) as a subprocess in the SECC namespace of a NetBed: an independent charger.

The EV role is tested against it for interoperability. Josev reads its settings from a `.env` in its working
directory, so each instance gets a fresh temporary folder with one, written from the session type asked for:
`PROTOCOLS` decides the -20 namespace (the services follow from it: DC offers DC and DC_BPT, AC offers AC and
AC_BPT; both control modes are always offered), EIM only, TLS not enforced. Josev logs to stdout; the log goes to
a file that readiness is read from ("UDP server socket ready": SDP answers from then on, TCP starts per request).

`plant` chooses what answers for the power electronics: Josev's simulator as shipped (its DC output is always
1 V / 1 A) or the same simulator with a DC output that follows the EV's targets (see `Plant`).

Josev runs in its own process group (Python and the JVM it starts for EXI), which is killed on every exit path.
That it cannot run here is `ReferenceUnavailable` (a lab error), never a finding against anything under test.
"""

from __future__ import annotations

import contextlib
import enum
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from harness.iso15118.netbed import BedSide, namespace_command
from harness.iso15118.reference.environment import (
    ENV_SKIP,
    NO_JAVA,
    JosevEnvironment,
    availability,
    child_environment,
    java_executable,
)
from harness.iso15118.reference.errors import ReferenceUnavailable
from harness.iso15118.sequence import Family

READY_LINE = "UDP server socket ready"
# Josev's Protocol names, per family of energy services.
PROTOCOLS: dict[Family, str] = {Family.DC: "ISO_15118_20_DC", Family.AC: "ISO_15118_20_AC"}


class Plant(enum.StrEnum):
    """What stands behind Josev's protocol stack: its own simulator as shipped, or one that follows the EV."""

    JOSEV_SIMULATOR = "josev-simulator"
    FOLLOWING = "following"


# Josev's simulated charger with one change: its DC output follows the EV's targets (the PreCharge voltage; voltage
# and current in Scheduled mode, signed as the EV sends them). Josev's own simulator always reports 1 V and 1 A, so a
# conformant EV never finishes PreCharge against it; with this plant the rest of Josev's protocol stack can be
# exercised. In Dynamic mode Josev's stack hands the plant no target, so the current stays where it was. The script
# runs in Josev's venv (pydantic 1), hence a string here and not a module of ours.
_FOLLOWING_PLANT = """
import asyncio
from iso15118.secc import SECCHandler
from iso15118.secc.controller.interface import ServiceStatus
from iso15118.secc.controller.simulator import SimEVSEController
from iso15118.secc.secc_settings import Config
from iso15118.shared.exificient_exi_codec import ExificientEXICodec


class FollowingPlant(SimEVSEController):
    async def send_charging_command(self, ev_target_voltage, ev_target_current, *flags, **named):
        if ev_target_voltage is not None:
            self.evse_data_context.present_voltage = ev_target_voltage
        if ev_target_current is not None:
            self.evse_data_context.present_current = ev_target_current


async def serve():
    config = Config()
    config.load_envs()
    config.print_settings()
    plant = FollowingPlant()
    await plant.set_status(ServiceStatus.STARTING)
    await SECCHandler(exi_codec=ExificientEXICodec(), evse_controller=plant, config=config).start(config.iface)


asyncio.run(serve())
"""
LAUNCH: dict[Plant, str] = {
    Plant.JOSEV_SIMULATOR: "from iso15118.secc.main import run; run()",  # how Josev's README starts its SECC
    Plant.FOLLOWING: _FOLLOWING_PLANT,
}
_POLL_S = 0.05
_TERM_GRACE_S = 3.0


class JosevSecc:
    """Josev's SECC on `side` (the SECC end of a NetBed); `with` starts it, waits until ready and kills it.

    `log_path` keeps the log where the caller wants it (default: inside the temporary folder, removed on close,
    after `log_text()` has read it). `settings` adds or overrides `.env` entries.
    """

    def __init__(
        self,
        side: BedSide,
        families: Sequence[Family] = (Family.DC,),
        *,
        environment: JosevEnvironment | None = None,
        log_path: Path | None = None,
        plant: Plant = Plant.JOSEV_SIMULATOR,
        log_level: str = "INFO",
        ready_timeout: float = 30.0,
        settings: dict[str, str] | None = None,
    ) -> None:
        if not families:
            raise ValueError("JosevSecc needs at least one family of services")
        self.side = side
        self.families = tuple(families)
        self.environment = environment
        self.ready_timeout = ready_timeout
        self.log_level = log_level
        self.plant = plant
        self.settings = dict(settings or {})
        self.ready_after_s: float | None = None
        self._log_path = log_path
        self._folder: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_tail = ""

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> JosevSecc:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        """Write the `.env`, start Josev inside the SECC namespace and wait until its SDP server listens."""
        if self._process is not None:
            return
        environment = self.environment or josev_environment()
        self._folder = Path(tempfile.mkdtemp(prefix="josev-secc-"))
        (self._folder / ".env").write_text(self.dotenv())
        log_path = self.log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        argv = namespace_command(self.side.namespace, [str(environment.python), "-c", LAUNCH[self.plant]])
        with log_path.open("wb") as log:
            try:
                self._process = subprocess.Popen(
                    argv,
                    cwd=self._folder,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={**child_environment(), "PYTHONUNBUFFERED": "1"},
                    start_new_session=True,  # its own process group: Python and the JVM die together
                )
            except OSError as exc:
                raise ReferenceUnavailable(f"cannot start Josev's SECC: {exc}") from exc
        self._wait_until_ready()

    def close(self) -> None:
        """Kill Josev's process group, keep the log's tail, remove the temporary folder; idempotent."""
        process, self._process = self._process, None
        if process is not None:
            _kill_group(process)
        if self._folder is not None:
            self._log_tail = self.log_text()
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    # ------------------------------------------------------------ what it is told and what it says

    def dotenv(self) -> str:
        """The `.env` Josev reads: interface, protocols, EIM only, no TLS."""
        entries = {
            "NETWORK_INTERFACE": self.side.interface,
            "PROTOCOLS": ",".join(PROTOCOLS[family] for family in self.families),
            "AUTH_MODES": "EIM",
            "SECC_ENFORCE_TLS": "False",
            "ENABLE_TLS_1_3": "False",
            "FREE_CHARGING_SERVICE": "False",
            "ALLOW_CERT_INSTALL_SERVICE": "False",
            "STANDBY_ALLOWED": "False",
            "LOG_LEVEL": self.log_level,
            "MESSAGE_LOG_JSON": "True",  # every message as JSON in the log: the charger's own view for the report
            "MESSAGE_LOG_EXI": "False",
            **self.settings,
        }
        return "".join(f"{key}={value}\n" for key, value in entries.items())

    @property
    def log_path(self) -> Path:
        if self._log_path is not None:
            return self._log_path
        if self._folder is None:
            raise RuntimeError("JosevSecc has no log before start()")
        return self._folder / "secc.log"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log_text(self) -> str:
        """Everything Josev logged so far (after close: what it had logged when it was killed)."""
        if self._folder is None and self._log_path is None:
            return self._log_tail
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return self._log_tail

    def log_lines(self, *needles: str) -> list[str]:
        """Log lines containing any of `needles` (all lines without any)."""
        lines = self.log_text().splitlines()
        return [line for line in lines if not needles or any(needle in line for needle in needles)]

    # ------------------------------------------------------------ internals

    def _wait_until_ready(self) -> None:
        started = time.monotonic()
        deadline = started + self.ready_timeout
        assert self._process is not None
        while True:
            if READY_LINE in self.log_text():
                self.ready_after_s = time.monotonic() - started
                return
            code = self._process.poll()
            if code is not None:
                raise ReferenceUnavailable(
                    f"Josev's SECC exited with code {code} before it was ready: {_last_lines(self.log_text())}"
                )
            if time.monotonic() > deadline:
                raise ReferenceUnavailable(
                    f"Josev's SECC was not ready within {self.ready_timeout:g} s: {_last_lines(self.log_text())}"
                )
            time.sleep(_POLL_S)


def unavailable_reason() -> str | None:
    """Why Josev's SECC cannot run here, as far as that is known without building anything; None if it may."""
    if os.environ.get(ENV_SKIP) == "1":
        return f"{ENV_SKIP}=1: Josev and its Java codec are switched off here"
    if java_executable() is None:
        return NO_JAVA
    return None


def josev_environment() -> JosevEnvironment:
    """The Josev venv (built on first use); `ReferenceUnavailable` with the reason when it cannot be had."""
    if (reason := unavailable_reason()) is not None:
        raise ReferenceUnavailable(reason)
    state = availability(create=True)
    if state.environment is None:
        raise ReferenceUnavailable(state.reason)
    return state.environment


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the group, SIGKILL to what is left after a grace period; both bounded."""
    for sig, grace in ((signal.SIGTERM, _TERM_GRACE_S), (signal.SIGKILL, _TERM_GRACE_S)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:  # the leader is gone; the JVM may still linger in the group
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        return


def _last_lines(text: str, count: int = 5) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-count:]) if lines else "(no output)"
