"""Bring up the virtual instruments a virtual lab asks for, each on its own 127.0.0.1 port, on the station's plant.

The lab file names a driver per role; the virtual bench serves a device speaking that driver's dialect, so the
harness reaches it with the very driver a real bench would use. Lab faults (`lab=True` in faults.py) change how
the virtual instruments behave, never the station.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from harness.virtual import faults as F
from harness.virtual.bench.scpi_server import Behaviour, Journal, ScpiDevice, ScpiServer
from harness.virtual.faults import FaultSet
from harness.virtual.plant import Plant

log = logging.getLogger("harness.virtual.bench")

SCPI_ROLES = ("grid", "analyser", "dc_source")
SLOW_REPLY_S = 5.0
DROP_AFTER_QUERIES = 20


class BenchError(Exception):
    """The virtual bench cannot serve what the lab asked for (unknown driver dialect, port in use)."""


class Service(Protocol):
    async def stop(self) -> None: ...


@dataclass
class BenchRequest:
    """What the harness asks of the virtual bench: a driver name per role, and where to journal."""

    drivers: dict[str, str]
    journal: Path | None = None
    host: str = "127.0.0.1"
    ev_dbc: Path | None = None
    ev_evse_id: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


def scpi_device(role: str, driver: str, plant: Plant, faults: FaultSet) -> ScpiDevice:
    """The virtual instrument for `role` that speaks the dialect of `driver`."""
    if role == "grid":
        from harness.virtual.bench.grid import GRID_DEVICES

        grid_class = GRID_DEVICES.get(driver)
        if grid_class is None:
            raise BenchError(f"no virtual grid simulator speaks the {driver!r} dialect")
        behaviour = Behaviour()
        if faults.active(F.GRID_SCPI_ERROR):
            behaviour = Behaviour(error_after_command=(-221, "Settings conflict"), failing_headers=("FREQ",))
        device: ScpiDevice = grid_class(role, plant, behaviour)
        return device
    if role == "analyser":
        from harness.virtual.bench.analyser import ANALYSER_DEVICES

        analyser_class = ANALYSER_DEVICES.get(driver)
        if analyser_class is None:
            raise BenchError(f"no virtual power analyser speaks the {driver!r} dialect")
        device = analyser_class(role, plant, _analyser_behaviour(faults), stale=faults.active(F.ANALYSER_STALE_READING))
        return device
    if role == "dc_source":
        from harness.virtual.bench.dc_source import DC_SOURCE_DEVICES

        dc_class = DC_SOURCE_DEVICES.get(driver)
        if dc_class is None:
            raise BenchError(f"no virtual DC source speaks the {driver!r} dialect")
        device = dc_class(role, plant, Behaviour())
        return device
    raise BenchError(f"the virtual bench has no SCPI instrument for the role {role!r}")


def _analyser_behaviour(faults: FaultSet) -> Behaviour:
    if faults.active(F.ANALYSER_SCPI_ERROR):
        return Behaviour(error_after_command=(-222, "Data out of range"))
    if faults.active(F.ANALYSER_DROPS_SOCKET):
        return Behaviour(drop_after_queries=DROP_AFTER_QUERIES)
    if faults.active(F.ANALYSER_SLOW_RESPONSE):
        return Behaviour(reply_delay_s=SLOW_REPLY_S)
    return Behaviour()


class VirtualBench:
    """The running virtual instruments of one station process."""

    def __init__(self, request: BenchRequest, plant: Plant, faults: FaultSet, station_port: Any) -> None:
        self.request, self.plant, self.faults, self.station_port = request, plant, faults, station_port
        self.journal = Journal(request.journal)
        self.resources: dict[str, str] = {}
        self._services: list[Service] = []

    async def start(self) -> dict[str, str]:
        """Start every requested instrument; returns role -> resource string for the harness's drivers."""
        try:
            for role, driver in self.request.drivers.items():
                if role in SCPI_ROLES:
                    server = ScpiServer(
                        scpi_device(role, driver, self.plant, self.faults), self.journal, self.request.host
                    )
                    await server.start()
                    self._services.append(server)
                    self.resources[role] = server.resource
                elif role == "ev_emulator":
                    self.resources[role] = await self._start_ev_emulator()
                elif role == "can":
                    continue  # served together with the EV emulator: the same bus
                else:
                    raise BenchError(f"the virtual bench has no instrument for the role {role!r}")
        except OSError as exc:
            await self.stop()
            raise BenchError(f"cannot listen on {self.request.host}: {exc.strerror or exc}") from None
        if "can" in self.request.drivers:
            if "ev_emulator" not in self.resources:
                raise BenchError("the virtual CAN bus exists only together with the virtual EV emulator")
            self.resources["can"] = self.resources["ev_emulator"]
        for role, resource in self.resources.items():
            log.info("virtual %s serving %s", role, resource)
        return self.resources

    async def _start_ev_emulator(self) -> str:
        from harness.virtual.bench.ev_emulator import SAMPLE_DBC, VirtualEvEmulator

        dbc = self.request.ev_dbc or SAMPLE_DBC
        try:
            emulator = VirtualEvEmulator("ev_emulator", self.station_port, dbc, self.request.ev_evse_id)
        except Exception as exc:  # an unreadable or unsuitable DBC is the lab file's problem: say which
            raise BenchError(f"the virtual EV emulator cannot use {dbc}: {exc}") from None
        await emulator.start(self.request.host)
        self._services.append(emulator)
        return emulator.resource

    async def stop(self) -> None:
        for service in reversed(self._services):
            await service.stop()
        self._services.clear()
        self.journal.close()
