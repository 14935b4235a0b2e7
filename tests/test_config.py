"""Lab, DUT and profile files: the shipped ones load; broken ones give one line naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import (
    ConfigError,
    all_profiles,
    load_dut,
    load_lab,
    load_profile,
    resolve_default_dut,
)
from harness.paths import CERTIFICATION_DIR, DEFAULT_LAB, DUT_DIR, LAB_DIR


def test_shipped_files_load() -> None:
    lab = load_lab(DEFAULT_LAB)
    assert lab.kind == "virtual"
    dut = load_dut(resolve_default_dut(lab, DEFAULT_LAB))
    assert dut.ocpp.station_identity
    for path in DUT_DIR.glob("*.yaml"):
        load_dut(path)
    for path in LAB_DIR.glob("*.yaml"):
        load_lab(path)
    assert {p.name for p in all_profiles()} >= {"core"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "file.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("name: x\nkind: virtual\ncsms: {port: abc}\nvirtual_station: {}\n", "csms.port"),
        ("name: x\nkind: virtual\nextra_key: 1\nvirtual_station: {}\n", "extra_key: unknown key"),
        ("name: x\nkind: virtual\n", "virtual_station"),
        ("name: x\nkind: real\n", "csms.port"),
        ("kind: virtual\nvirtual_station: {}\n", "name: required but missing"),
        ("name: [x\n", "YAML syntax error"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_bad_lab_is_one_line_naming_the_field(tmp_path: Path, text: str, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_lab(_write(tmp_path, text))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(tmp_path / "file.yaml")) or "file.yaml" in message
    assert field in message


def test_bad_dut_fields(tmp_path: Path) -> None:
    shipped = (DUT_DIR / "virtual-station.yaml").read_text()
    cases = {
        "password": shipped.replace("virtual-station-secret-01", "short"),
        "security_profile": shipped.replace("security_profile: 2", "security_profile: 4"),
        "evse_id": shipped.replace("  evse_id: 1", "  evse_id: 4"),
        "capabilities": shipped.replace("  - reset\n", "  - teleport\n"),
    }
    for field, text in cases.items():
        with pytest.raises(ConfigError) as caught:
            load_dut(_write(tmp_path, text))
        assert field in str(caught.value), str(caught.value)


def test_profile_selects_by_glob(tmp_path: Path) -> None:
    profile = load_profile(_write(tmp_path, "name: p\ninclude: ['TC_B_*']\nexclude: ['TC_B_02_CS']\n"))
    assert profile.selects("TC_B_01_CS")
    assert not profile.selects("TC_B_02_CS")
    assert not profile.selects("TC_E_01_CS")
    assert load_profile(CERTIFICATION_DIR / "core.yaml").selects("TC_J_01_CS")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_lab(tmp_path / "nope.yaml")


ENVELOPE = (
    "envelope: {voltage_v: [184, 276], frequency_hz: [47, 52], current_a: 32, power_w: 12000,"
    " voltage_slew_v_per_s: 100, frequency_slew_hz_per_s: 5}\n"
)
VIRTUAL = "name: x\nkind: virtual\nvirtual_station: {}\n"
REAL = "name: x\nkind: real\ncsms: {port: 9000}\n"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (VIRTUAL + "instruments: {grid: {driver: acme-9000, resource: virtual}}\n" + ENVELOPE,
         "instruments.grid.driver: unknown driver 'acme-9000'"),
        (VIRTUAL + "instruments: {grid: {driver: yokogawa-wt5000, resource: virtual}}\n" + ENVELOPE,
         "is a analyser driver"),
        (VIRTUAL + "instruments: {grid: {driver: chroma-61845, resource: 'TCPIP::10.0.0.5::2101::SOCKET'}}\n"
         + ENVELOPE, "a virtual lab only takes 'virtual' instruments"),
        (REAL + "instruments: {grid: {driver: chroma-61845, resource: virtual}}\n" + ENVELOPE,
         "'virtual' needs a virtual lab"),
        (VIRTUAL + "instruments: {grid: {driver: chroma-61845, resource: virtual}}\n",
         "envelope: a lab with instruments"),
        (VIRTUAL + "instruments: {analyser: {driver: yokogawa-wt5000, resource: virtual}}\n" + ENVELOPE,
         "accuracy_pct"),
        (VIRTUAL + "instruments: {scope: {driver: chroma-61845, resource: virtual}}\n" + ENVELOPE, "instruments.scope"),
        (VIRTUAL + ENVELOPE.replace("[47, 52]", "[52, 47]"), "envelope.frequency_hz"),
        (VIRTUAL + ENVELOPE.replace("[184, 276]", "[240, 276]"), "nominal_voltage_v"),
    ],
)  # fmt: skip
def test_bad_instrument_sections(tmp_path: Path, text: str, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_lab(_write(tmp_path, text))
    assert "\n" not in str(caught.value)
    assert field in str(caught.value)


def test_shipped_labs_declare_instruments_and_envelopes() -> None:
    for path in LAB_DIR.glob("*.yaml"):
        lab = load_lab(path)
        assert lab.instruments, path
        assert lab.envelope is not None, path
