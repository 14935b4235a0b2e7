"""Drivers by name: built-ins import lazily, third parties extend through the `harness.instruments` entry points."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest

from harness.config import ConfigError, load_lab
from instruments import registry
from instruments.errors import DriverNotFound
from instruments.registry import DriverSpec, factory_for, known_drivers


def third_party_driver(spec: DriverSpec) -> dict[str, Any]:
    """Stands in for a vendor package's factory."""
    return {"opened": spec.resource}


def fake_entry_points(*entries: EntryPoint) -> Any:
    def select(group: str) -> list[EntryPoint]:
        return list(entries) if group == registry.ENTRY_POINT_GROUP else []

    return select


def test_every_built_in_driver_module_imports() -> None:
    for name in registry.BUILT_IN:
        assert callable(factory_for(name)), name


def test_unknown_driver_names_the_built_ins() -> None:
    with pytest.raises(DriverNotFound, match=r"no instrument driver named 'acme-1'.*chroma-61845"):
        factory_for("acme-1")


def test_an_entry_point_adds_a_driver(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    entry = EntryPoint("acme-gs3000", f"{__name__}:third_party_driver", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", fake_entry_points(entry))
    assert known_drivers()["acme-gs3000"] is None  # its role is checked on the object it builds
    factory = factory_for("acme-gs3000")
    assert factory(DriverSpec("grid", "acme-gs3000", "TCPIP::h::1::SOCKET")) == {"opened": "TCPIP::h::1::SOCKET"}
    lab = tmp_path / "lab.yaml"
    lab.write_text(
        "name: x\nkind: real\ncsms: {port: 9000}\n"
        "instruments: {grid: {driver: acme-gs3000, resource: 'TCPIP::10.0.0.9::5025::SOCKET'}}\n"
        "envelope: {voltage_v: [184, 276], frequency_hz: [47, 52], current_a: 32, power_w: 12000,"
        " voltage_slew_v_per_s: 100, frequency_slew_hz_per_s: 5}\n"
    )
    assert load_lab(lab).instruments["grid"].driver == "acme-gs3000"


def test_a_broken_entry_point_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    entry = EntryPoint("acme-broken", "no_such_module_anywhere:open_driver", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", fake_entry_points(entry))
    with pytest.raises(DriverNotFound, match=r"acme-broken.*cannot be loaded"):
        factory_for("acme-broken")


def test_lab_file_with_unknown_driver_is_refused(tmp_path: Any) -> None:
    lab = tmp_path / "lab.yaml"
    lab.write_text(
        "name: x\nkind: real\ncsms: {port: 9000}\n"
        "instruments: {grid: {driver: acme-gs3000, resource: 'TCPIP::10.0.0.9::5025::SOCKET'}}\n"
        "envelope: {voltage_v: [184, 276], frequency_hz: [47, 52], current_a: 32, power_w: 12000,"
        " voltage_slew_v_per_s: 100, frequency_slew_hz_per_s: 5}\n"
    )
    with pytest.raises(ConfigError, match="unknown driver 'acme-gs3000'"):
        load_lab(lab)
