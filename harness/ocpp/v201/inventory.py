"""The project's inventory of OCPP 2.0.1 Part 6 Charging-Station cases (part6_cs.yaml), read once.

Applicability and the report use it for what Part 5 says about a case: the certification profile that lists it
(Core or an optional one) and the optional features and PICS answers it depends on.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

INVENTORY_FILE = Path(__file__).with_name("part6_cs.yaml")
CERTIFICATION_PROFILES = (
    "core",
    "advanced_security",
    "local_auth_list",
    "smart_charging",
    "advanced_device_management",
    "advanced_user_interface",
    "reservation",
    "iso15118",
)
# How an official certificate abbreviates the profiles ("Core + S + L ..."), our reading of Part 5's list.
PROFILE_LABELS = {
    "core": "Core",
    "advanced_security": "Advanced Security",
    "local_auth_list": "Local Authorization List Management",
    "smart_charging": "Smart Charging",
    "advanced_device_management": "Advanced Device Management",
    "advanced_user_interface": "Advanced User Interface",
    "reservation": "Reservation",
    "iso15118": "ISO 15118 support",
}


@dataclass(frozen=True)
class InventoryEntry:
    id: str
    profile: str
    conditions: tuple[str, ...]
    automation: str


@functools.cache
def inventory() -> dict[str, InventoryEntry]:
    # Every run reads the whole inventory: libyaml's parser (when PyYAML has it) takes milliseconds, the pure-Python
    # one about a second.
    loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    entries = yaml.load(INVENTORY_FILE.read_text(encoding="utf-8"), Loader=loader)
    return {
        str(e["id"]): InventoryEntry(
            str(e["id"]), str(e["profile"]), tuple(str(c) for c in e.get("conditions") or ()), str(e["automation"])
        )
        for e in entries
    }


def certification_profile(case_id: str) -> str | None:
    """The Part 5 certification profile of an OCPP CS case, None for cases outside Part 6."""
    entry = inventory().get(case_id)
    return entry.profile if entry is not None else None
