"""The inventory of Part 6's Charging-Station cases stays true: real IDs only, and `implemented` matches the
catalogue, so the list of what is not covered yet (and why: automation manual/hardware, or not written) is honest."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

INVENTORY = Path(__file__).resolve().parent.parent / "harness/ocpp/v201/part6_cs.yaml"
CS_ID = re.compile(r"^TC_([A-P])_[0-9]+_CS$")
PROFILES = {
    "core", "advanced_security", "local_auth_list", "smart_charging", "advanced_device_management",
    "advanced_user_interface", "reservation", "iso15118",
}  # fmt: skip


def _entries() -> list[dict[str, Any]]:
    return list(yaml.safe_load(INVENTORY.read_text()))


def test_entries_are_well_formed() -> None:
    entries = _entries()
    ids = [entry["id"] for entry in entries]
    assert len(ids) == len(set(ids)) >= 400
    for entry in entries:
        match = CS_ID.match(entry["id"])
        assert match is not None and match.group(1) == entry["block"], entry["id"]
        assert entry["profile"] in PROFILES or entry["profile"].startswith("other:"), entry["id"]
        assert entry["automation"] in ("auto", "manual", "hardware"), entry["id"]
        assert entry["title"] and len(entry["title"]) <= 100, entry["id"]


def test_implemented_flags_match_the_catalogue(catalogue: list[dict[str, Any]]) -> None:
    listed = {case["id"] for case in catalogue if CS_ID.match(case["id"])}
    inventory = {entry["id"]: entry for entry in _entries()}
    assert listed <= set(inventory), f"cases whose IDs Part 6 does not define: {sorted(listed - set(inventory))}"
    stale = sorted(i for i, entry in inventory.items() if bool(entry["implemented"]) != (i in listed))
    assert not stale, f"update `implemented` in {INVENTORY.name} for {stale}"
