"""Drivers chosen by name: the built-in table plus the `harness.instruments` entry-point group.

A third party ships a driver by declaring, in its own package,
    [project.entry-points."harness.instruments"]
    acme-gs3000 = "acme_harness.gs3000:open_driver"
where `open_driver(spec: DriverSpec)` returns an object satisfying the role's capability protocol.
Drivers are imported lazily: a missing vendor library fails only for the lab that chose that driver.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Literal

from instruments.errors import DriverNotFound
from instruments.scpi import Journal

Role = Literal["grid", "analyser", "dc_source", "ev_emulator", "can"]
ENTRY_POINT_GROUP = "harness.instruments"


@dataclass(frozen=True)
class DriverSpec:
    """What the lab file says about one instrument, handed to its driver's factory."""

    role: Role
    driver: str
    resource: str
    name: str = ""
    backend: str = "@py"
    timeout_s: float = 2.0
    options: Mapping[str, Any] = field(default_factory=dict)
    journal: Journal | None = None

    @property
    def label(self) -> str:
        return self.name or self.role


Factory = Callable[[DriverSpec], Any]

# name -> (role, "module:function"); imported only when a lab chooses the driver.
BUILT_IN: dict[str, tuple[Role, str]] = {
    "chroma-61800": ("grid", "instruments.drivers.grid.chroma:open_driver"),
    "chroma-61845": ("grid", "instruments.drivers.grid.chroma:open_driver"),
    "keysight-ac6900": ("grid", "instruments.drivers.grid.keysight_ac6900:open_driver"),
    "ametek-ci": ("grid", "instruments.drivers.grid.ametek:open_driver"),
    "yokogawa-wt5000": ("analyser", "instruments.drivers.analyser.yokogawa:open_driver"),
    "yokogawa-wt1800": ("analyser", "instruments.drivers.analyser.yokogawa:open_driver"),
    "zes-lmg600": ("analyser", "instruments.drivers.analyser.zes_lmg:open_driver"),
    "hioki-pw8001": ("analyser", "instruments.drivers.analyser.hioki:open_driver"),
    "scpi-dc-source": ("dc_source", "instruments.drivers.dc.generic_scpi:open_driver"),
    "can-ev-emulator": ("ev_emulator", "instruments.drivers.ev.can_emulator:open_driver"),
    "python-can": ("can", "instruments.can_bus:open_driver"),
}


def known_drivers() -> dict[str, Role | None]:
    """Every driver name a lab file may use: built in (with its role) and from entry points (role unknown)."""
    names: dict[str, Role | None] = {name: role for name, (role, _) in BUILT_IN.items()}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        names.setdefault(entry.name, None)
    return names


def factory_for(driver: str) -> Factory:
    if driver in BUILT_IN:
        module_name, _, function = BUILT_IN[driver][1].partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise DriverNotFound(f"driver {driver!r} cannot be loaded: {exc}") from None
        factory: Factory = getattr(module, function)
        return factory
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name == driver:
            try:
                loaded: Factory = entry.load()
            except Exception as exc:  # a broken third-party package must not take the harness down
                raise DriverNotFound(f"driver {driver!r} ({entry.value}) cannot be loaded: {exc}") from None
            return loaded
    raise DriverNotFound(f"no instrument driver named {driver!r} (built in: {', '.join(sorted(BUILT_IN))})")


def open_instrument(spec: DriverSpec) -> Any:
    """Build the driver and open its connection; the caller checks the capability and applies the envelope."""
    return factory_for(spec.driver)(spec)
