"""The EV's timers: the defaults are the -20 table's values, a PIXIT performance time stretches the EV's patience."""

from __future__ import annotations

import pytest

from harness.iso15118.timing import MessageTiming, Timers


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("DC_ChargeLoop", MessageTiming(0.25, 0.5)),
        ("AC_ChargeLoop", MessageTiming(0.25, 0.5)),
        ("DC_CableCheck", MessageTiming(1.5, 2.0)),
        ("SessionSetup", MessageTiming(1.5, 2.0)),
        ("ServiceDetail", MessageTiming(4.5, 5.0)),
    ],
)
def test_defaults_are_the_tables_values(message: str, expected: MessageTiming) -> None:
    assert Timers().for_message(message) == expected


def test_a_longer_performance_time_keeps_the_tables_margin() -> None:
    timers = Timers(performance_overrides={"DC_ChargeLoop": 0.4, "SessionSetup": 3.0, "DC_PreCharge": 1.0})
    loop = timers.for_message("DC_ChargeLoop")
    assert loop.performance_s == 0.4
    assert loop.evcc_timeout_s == pytest.approx(0.65)
    assert timers.for_message("SessionSetup") == MessageTiming(3.0, 3.5)
    assert timers.for_message("DC_PreCharge") == MessageTiming(1.0, 2.0)  # never below the table's timeout
