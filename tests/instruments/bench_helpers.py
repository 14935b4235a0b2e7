"""Run virtual instruments on a background event loop so synchronous drivers can talk to them over TCP."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.virtual.bench.scpi_server import Journal, ScpiDevice, ScpiServer
from harness.virtual.plant import Plant

SIM_DIR = Path(__file__).parent / "sim"


class BackgroundLoop:
    """An asyncio loop in a daemon thread; `run(coro)` waits for the result from the calling thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, function: Any, *args: Any) -> Any:
        """Run a plain function on the loop thread (e.g. step the plant without racing the servers)."""

        async def invoke() -> Any:
            return function(*args)

        return self.run(invoke())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


@contextmanager
def serving(device: ScpiDevice, journal_path: Path | None = None) -> Iterator[tuple[str, BackgroundLoop]]:
    """Serve `device` on 127.0.0.1; yields its VISA resource string and the loop it runs on."""
    background = BackgroundLoop()
    journal = Journal(journal_path)
    server = ScpiServer(device, journal)
    try:
        background.run(server.start())
        yield server.resource, background
    finally:
        background.run(server.stop())
        journal.close()
        background.stop()


def step_plant(background: BackgroundLoop, plant: Plant, seconds: float, dt: float = 0.1) -> None:
    """Advance the plant model by `seconds` of simulated time, on the servers' loop thread."""

    def advance() -> None:
        for _ in range(round(seconds / dt)):
            plant.step(dt)

    background.call(advance)


def sim_resource(name: str) -> tuple[str, str]:
    """(resource, backend) for the pyvisa-sim device file tests/instruments/sim/<name>.yaml."""
    return "TCPIP::sim::INSTR", f"{SIM_DIR / (name + '.yaml')}@sim"
