"""The power-analyser drivers against pyvisa-sim: the exact strings they send, and where the answers land."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from instruments.capabilities import ElementReading, PowerAnalyzer
from instruments.drivers.analyser.common import PolledEnergy, trapezoid_wh
from instruments.drivers.analyser.yokogawa import ENERGY_FUNCTIONS, item_layout
from instruments.errors import DriverNotFound, ScpiError
from instruments.registry import DriverSpec, factory_for
from tests.instruments.bench_helpers import sim_resource

OK = '0,"No error"'
Line = tuple[str, str]
CLEAR_STATUS: list[Line] = [("tx", "*CLS"), ("tx", "*OPC?"), ("rx", "1")]


def checked(command: str) -> list[Line]:
    """The discipline of `ScpiInstrument.command`: write, *OPC?, drain the error queue."""
    return [("tx", command), ("tx", "*OPC?"), ("rx", "1"), ("tx", "SYST:ERR?"), ("rx", OK)]


def checked_short(command: str) -> list[Line]:
    """The LMG's variant: the error queue is read in the SCPI language, then back to SHORT."""
    scpi_errors = [("tx", "*ZLANG SCPI"), ("tx", "SYST:ERR?"), ("rx", OK), ("tx", "*ZLANG SHORT")]
    return [("tx", command), ("tx", "*OPC?"), ("rx", "1"), *scpi_errors]


def read(query: str, reply: str | None = None) -> list[Line]:
    lines = [("tx", "*OPC?"), ("rx", "1"), ("tx", query)]
    return lines + ([("rx", reply)] if reply is not None else [])


class Clock:
    """The software integration's time base, moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Wire:
    """Collects what the driver journals; `take()` returns the transactions since the last call."""

    def __init__(self) -> None:
        self.lines: list[Line] = []

    def __call__(self, instrument: str, direction: str, text: str) -> None:
        if direction in ("tx", "rx"):
            self.lines.append((direction, text))

    def take(self) -> list[Line]:
        lines, self.lines = self.lines, []
        return lines


@pytest.fixture
def wire() -> Wire:
    return Wire()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def opened(driver: str, sim: str, wire: Wire, clock: Clock, **options: Any) -> Iterator[Any]:
    resource, backend = sim_resource(sim)
    spec = DriverSpec(
        "analyser",
        driver,
        resource,
        backend=backend,
        timeout_s=0.5,
        journal=wire,
        options={
            "clock": clock,
            **options,
        },
    )
    instrument = factory_for(driver)(spec)
    try:
        yield instrument
    finally:
        instrument.close()


@pytest.fixture
def wt5000(wire: Wire, clock: Clock) -> Iterator[Any]:
    yield from opened("yokogawa-wt5000", "yokogawa_wt5000", wire, clock)


@pytest.fixture
def lmg(wire: Wire, clock: Clock) -> Iterator[Any]:
    yield from opened("zes-lmg600", "zes_lmg600", wire, clock)


@pytest.fixture
def pw8001(wire: Wire, clock: Clock) -> Iterator[Any]:
    yield from opened("hioki-pw8001", "hioki_pw8001", wire, clock)


# The readings every pyvisa-sim device file answers for element 1 (see the comments in the YAML files).
ELEMENT_1 = ElementReading(
    voltage_v=230.1,
    current_a=11.0,
    active_power_w=3001.0,
    reactive_power_var=-501.0,
    apparent_power_va=3101.0,
    power_factor=0.961,
    frequency_hz=50.01,
    voltage_thd_pct=1.5,
    current_thd_pct=5.0,
)
WT_GROUPS = [
    ":NUM:NORM:ITEM1 URMS,1;ITEM2 IRMS,1;ITEM3 P,1;ITEM4 S,1;ITEM5 Q,1;ITEM6 LAMB,1;ITEM7 FU,1;ITEM8 UTHD,1;"
    "ITEM9 ITHD,1;ITEM10 WPP,1;ITEM11 WPM,1",
    ":NUM:NORM:ITEM12 URMS,2;ITEM13 IRMS,2;ITEM14 P,2;ITEM15 S,2;ITEM16 Q,2;ITEM17 LAMB,2;ITEM18 FU,2;ITEM19 UTHD,2;"
    "ITEM20 ITHD,2;ITEM21 WPP,2;ITEM22 WPM,2",
    ":NUM:NORM:ITEM23 URMS,3;ITEM24 IRMS,3;ITEM25 P,3;ITEM26 S,3;ITEM27 Q,3;ITEM28 LAMB,3;ITEM29 FU,3;ITEM30 UTHD,3;"
    "ITEM31 ITHD,3;ITEM32 WPP,3;ITEM33 WPM,3",
    ":NUM:NORM:ITEM34 URMS,SIGMA;ITEM35 IRMS,SIGMA;ITEM36 P,SIGMA;ITEM37 S,SIGMA;ITEM38 Q,SIGMA;ITEM39 LAMB,SIGMA;"
    "ITEM40 WPP,SIGMA;ITEM41 WPM,SIGMA;ITEM42 TIME,1",
]
LMG_ONE = "INIM;UTRMS1?;ITRMS1?;P1?;S1?;Q1?;PF1?;FCYC1?;HUHD1?;HIHD1?"
LMG_ALL = "INIM;" + ";".join(
    f"{name}{k}?" for k in (1, 2, 3) for name in ("UTRMS", "ITRMS", "P", "S", "Q", "PF", "FCYC", "HUHD", "HIHD")
)
PW_ONE = ":MEAS? U1,I1,P1,S1,Q1,PF1,FREQU1,UTHD1,ITHD1"
PW_ALL = ":MEAS? " + ",".join(
    f"{item}{k}" for k in (1, 2, 3) for item in ("U", "I", "P", "S", "Q", "PF", "FREQU", "UTHD", "ITHD")
)


def transactions(lines: list[Line]) -> list[str]:
    return [text for direction, text in lines if direction == "tx"]


# ------------------------------------------------------------------ Yokogawa WT5000


def test_wt5000_open_lays_out_the_numeric_list_once(wt5000: Any, wire: Wire) -> None:
    expected = CLEAR_STATUS + checked(":COMM:HEAD OFF") + checked(":NUM:FORM ASC") + checked(":NUM:NORM:NUMB 42")
    for group in WT_GROUPS:
        expected += checked(group)
    assert wire.take() == expected
    assert isinstance(wt5000, PowerAnalyzer)
    assert wt5000.elements() == 3


def test_wt5000_measure_element_reads_the_list_after_opc(wt5000: Any, wire: Wire) -> None:
    wire.take()
    assert wt5000.measure(1) == ELEMENT_1
    assert transactions(wire.take()) == ["*OPC?", ":NUM:NORM:VAL?"]


def test_wt5000_sigma_comes_from_the_sigma_items(wt5000: Any, wire: Wire) -> None:
    wire.take()
    sigma = wt5000.measure("sigma")
    assert transactions(wire.take()) == ["*OPC?", ":NUM:NORM:VAL?"]
    assert (sigma.voltage_v, sigma.current_a, sigma.active_power_w) == (230.2, 12.0, 9006.0)
    assert (sigma.apparent_power_va, sigma.reactive_power_var, sigma.power_factor) == (9306.0, -1506.0, 0.968)
    # No Σ item for f and THD: element 1's f, the mean of the elements' THD.
    assert sigma.frequency_hz == 50.01
    assert sigma.voltage_thd_pct == pytest.approx(2.5)
    assert sigma.current_thd_pct == pytest.approx(6.0)


def test_wt5000_start_integration_resets_then_starts(wt5000: Any, wire: Wire) -> None:
    wire.take()
    wt5000.start_integration()
    assert wire.take() == [("tx", ":INTEG:STAT?"), ("rx", "RES"), *checked(":INTEG:RES"), *checked(":INTEG:STAR")]


def test_wt5000_energy_reads_the_watt_hour_items(wt5000: Any, wire: Wire) -> None:
    wire.take()
    total = wt5000.energy()
    element_2 = wt5000.energy(2)
    assert transactions(wire.take()) == ["*OPC?", ":NUM:NORM:VAL?"] * 2
    assert (total.import_wh, total.export_wh, total.elapsed_s) == (102.0, 6.0, 36.0)
    assert (element_2.import_wh, element_2.export_wh, element_2.net_wh) == (33.0, 2.0, 31.0)


def test_wt5000_safe_state_leaves_a_stopped_integrator_alone(wt5000: Any, wire: Wire) -> None:
    wire.take()
    wt5000.safe_state()
    assert wire.take() == [("tx", ":INTEG:STAT?"), ("rx", "RES")]


def test_a_misspelt_setting_surfaces_as_a_scpi_error(wt5000: Any) -> None:
    with pytest.raises(ScpiError) as caught:
        wt5000.command(":NUM:FORM BINARY")
    assert caught.value.errors == ['-113,"Undefined header"']


def test_wt1800_uses_its_own_watt_hour_symbols() -> None:
    layout = item_layout(2, ENERGY_FUNCTIONS["yokogawa-wt1800"])
    assert ("WHP", "1") in layout and ("WHM", "SIGMA") in layout
    assert layout[-1] == ("TIME", "1") and len(layout) == 2 * 11 + 9


def test_an_unknown_yokogawa_model_is_refused() -> None:
    from instruments.drivers.analyser import yokogawa

    with pytest.raises(DriverNotFound, match="wt9000"):
        yokogawa.open_driver(DriverSpec("analyser", "yokogawa-wt9000", "TCPIP::sim::INSTR"))


# ------------------------------------------------------------------ ZES LMG600


def test_lmg_open_switches_to_short_and_sets_the_cycle(lmg: Any, wire: Wire) -> None:
    expected = CLEAR_STATUS + checked_short("*ZLANG SHORT") + checked_short("FRMT ASC")
    expected += checked_short("CYCLMOD 0") + checked_short("CYCL 0.1")
    assert wire.take() == expected
    assert isinstance(lmg, PowerAnalyzer)


def test_lmg_measure_element_is_one_program_message(lmg: Any, wire: Wire) -> None:
    wire.take()
    assert lmg.measure(1) == ELEMENT_1
    assert transactions(wire.take()) == ["*OPC?", LMG_ONE]


def test_lmg_sigma_is_computed_from_the_channels(lmg: Any, wire: Wire) -> None:
    wire.take()
    sigma = lmg.measure("sigma")
    assert transactions(wire.take()) == ["*OPC?", LMG_ALL]
    assert sigma.active_power_w == pytest.approx(9006.0)
    assert sigma.apparent_power_va == pytest.approx(9306.0)
    assert sigma.reactive_power_var == pytest.approx(-1506.0)
    assert sigma.voltage_v == pytest.approx(230.2) and sigma.current_a == pytest.approx(12.0)
    assert sigma.power_factor == pytest.approx(9006.0 / 9306.0)


def test_lmg_energy_integrates_polled_power(lmg: Any, wire: Wire, clock: Clock) -> None:
    wire.take()
    lmg.start_integration()
    assert wire.take() == read("INIM;P1?;P2?;P3?", "3.001000E+03;3.002000E+03;3.003000E+03")
    clock.now = 36.0
    total, element_3 = lmg.energy(), lmg.energy(3)
    assert transactions(wire.take()) == ["*OPC?", "INIM;P1?;P2?;P3?"] * 2
    assert (total.import_wh, total.export_wh, total.elapsed_s) == (pytest.approx(90.06), 0.0, 36.0)
    assert element_3.import_wh == pytest.approx(30.03)


# ------------------------------------------------------------------ HIOKI PW8001


def test_pw8001_open_turns_headers_off(pw8001: Any, wire: Wire) -> None:
    assert wire.take() == CLEAR_STATUS + checked(":HEAD OFF")
    assert isinstance(pw8001, PowerAnalyzer)


def test_pw8001_measure_names_the_items(pw8001: Any, wire: Wire) -> None:
    wire.take()
    assert pw8001.measure(1) == ELEMENT_1
    assert transactions(wire.take()) == ["*OPC?", PW_ONE]


def test_pw8001_error_data_becomes_nan(pw8001: Any) -> None:
    reading = pw8001.measure(2)
    assert math.isnan(reading.current_thd_pct)
    assert reading.active_power_w == 3002.0


def test_pw8001_sigma_and_energy(pw8001: Any, wire: Wire, clock: Clock) -> None:
    wire.take()
    assert pw8001.measure("sigma").active_power_w == pytest.approx(9006.0)
    pw8001.start_integration()
    clock.now = 36.0
    assert pw8001.energy().import_wh == pytest.approx(90.06)
    assert transactions(wire.take()) == ["*OPC?", PW_ALL] + ["*OPC?", ":MEAS? P1,P2,P3"] * 2


# ------------------------------------------------------------------ shared


@pytest.mark.parametrize("fixture", ["wt5000", "lmg", "pw8001"])
@pytest.mark.parametrize("element", [0, 4, "all", True])
def test_a_wrong_element_is_the_callers_bug(fixture: str, element: Any, request: pytest.FixtureRequest) -> None:
    driver = request.getfixturevalue(fixture)
    with pytest.raises(ValueError, match="element"):
        driver.measure(element)


def test_polled_energy_keeps_import_and_export_apart_across_a_sign_change() -> None:
    assert trapezoid_wh(3600.0, -3600.0, 2.0) == pytest.approx((0.5, 0.5))
    assert trapezoid_wh(-1800.0, -1800.0, 2.0) == pytest.approx((0.0, 1.0))
    now = [0.0]
    energy = PolledEnergy(1, lambda: now[0])
    energy.start([7200.0])
    now[0] = 3.0
    energy.sample([-3600.0])  # crosses zero at t = 2 s: 2 Wh in, 0.5 Wh out
    reading = energy.reading(1)
    assert (reading.import_wh, reading.export_wh, reading.elapsed_s) == (pytest.approx(2.0), pytest.approx(0.5), 3.0)
    assert energy.reading(None) == reading


def test_drivers_are_reached_by_their_registry_names() -> None:
    names: dict[str, Callable[[DriverSpec], Any]] = {
        name: factory_for(name) for name in ("yokogawa-wt5000", "yokogawa-wt1800", "zes-lmg600", "hioki-pw8001")
    }
    assert {f.__module__.rsplit(".", 1)[-1] for f in names.values()} == {"yokogawa", "zes_lmg", "hioki"}
