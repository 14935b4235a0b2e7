"""Part 5 conditions: the expressions of the inventory decided against what a DUT profile declares."""

from __future__ import annotations

import pytest

from harness.ocpp.v201.conditions import Declared, Undecidable, holds
from harness.ocpp.v201.inventory import inventory

DECLARED = Declared(frozenset({"C-31", "C-10.3", "HFS-1"}), frozenset({"core", "iso15118"}), evse_count=2)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("C-30 or C-31 or C-32 (local RFID/KeyCode auth)", True),
        ("C-30 or C-32 (local RFID/KeyCode auth)", False),
        ("not AQ-2 (PICS: no cable lock blocking plug-in before auth)", True),
        ("any of C-30..C-35 or ISO 15118 support (some local start auth)", True),
        ("any of C-36..C-39 (some remote start auth option)", False),
        ("C-52 or not (C-10.2 or C-10.3 or C-10.4)", False),
        ("C-52 or not (C-10.2 or C-10.4)", True),
        ("HFS-8 > 1 (more than one EVSE)", True),
        ("not (SC-2.1 and SC-2.2) (only one of A / W supported)", True),
        ("Local Authorization List Management profile or C-49", False),
    ],
)
def test_expressions(condition: str, expected: bool) -> None:
    assert holds(condition, DECLARED) is expected


@pytest.mark.parametrize(
    "condition",
    ["not Product Subtype 'Mode 1/2-only'", "PICS: at least 2 network connection profile slots", "C-30 or"],
)
def test_free_text_is_never_guessed(condition: str) -> None:
    with pytest.raises(Undecidable):
        holds(condition, DECLARED)


def test_most_inventory_conditions_are_expressions() -> None:
    conditions = {c for entry in inventory().values() for c in entry.conditions}
    readable = set()
    for condition in conditions:
        try:
            holds(condition, DECLARED)
            readable.add(condition)
        except Undecidable:
            pass
    assert len(readable) >= 0.8 * len(conditions), sorted(conditions - readable)
