"""Variants of the shipped virtual DUT profile for the cases Part 5 keeps for other stations: two EVSEs with Reset
of one EVSE (C-13), no Smart Charging profile, charging profiles in amperes only (SC-2.1 without SC-2.2).

The harness starts the virtual station as the profile describes it (harness/virtual/features.py, claims.py), so a
variant gives a station that really offers less or more; nothing here switches a behaviour on by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import PROJECT

SHIPPED_DUT = PROJECT / "profiles/dut/virtual-station.yaml"

Data = dict[str, Any]


def _two_evses_evse_reset(data: Data) -> None:
    data["evses"] = [{"id": evse_id, "connectors": [{"id": 1, "type": "cType2"}]} for evse_id in (1, 2)]
    data["certification"]["features"].append("C-13")


def _without_smart_charging(data: Data) -> None:
    data["certification"]["profiles"].remove("smart_charging")
    data["capabilities"].remove("smart_charging")


def _amperes_only(data: Data) -> None:
    data["certification"]["features"].remove("SC-2.2")


def _two_evses_firmware_waits(data: Data) -> None:
    """Block L: an update can be neither cancelled (no C-60) nor downloaded during a transaction (no AQ-7)."""
    data["evses"] = [{"id": evse_id, "connectors": [{"id": 1, "type": "cType2"}]} for evse_id in (1, 2)]
    for claim in ("C-60", "AQ-7"):
        data["certification"]["features"].remove(claim)


def _installs_while_charging(data: Data) -> None:
    """Block L: firmware is installed and activated while a transaction goes on (C-43)."""
    data["certification"]["features"].append("C-43")


def _fixed_cable(data: Data) -> None:
    """Block E: a permanently attached cable (HFS-2) instead of a socket (HFS-1): TC_E_27_CS."""
    features = data["certification"]["features"]
    features.remove("HFS-1")
    features.append("HFS-2")


def _no_energy_transfer_start(data: Data) -> None:
    """Block E: a station that does not claim TxStartPoint EnergyTransfer (no C-09.5): TC_E_38_CS."""
    data["certification"]["features"].remove("C-09.5")


def _cable_lock_before_authorization(data: Data) -> None:
    """Block C: the socket stays locked until an idToken is authorized (AQ-2): TC_C_05_CS."""
    data["certification"]["features"].append("AQ-2")


def _without_summary_inventory(data: Data) -> None:
    """Block B: no SummaryInventory base report (no C-56): TC_B_15_CS."""
    data["certification"]["features"].remove("C-56")


def _combined_certificate(data: Data) -> None:
    """Block A: one certificate for the CSMS connection and ISO 15118 (ISO-3): TC_A_13_CS."""
    data["certification"]["features"].append("ISO-3")


def _two_evses_master_pass_ui(data: Data) -> None:
    """Block C: two EVSEs and a user interface where the master pass holder chooses what to stop (C-07 instead of
    C-08): TC_C_47_CS, TC_C_48_CS."""
    data["evses"] = [{"id": evse_id, "connectors": [{"id": 1, "type": "cType2"}]} for evse_id in (1, 2)]
    features = data["certification"]["features"]
    features.remove("C-08")
    features.append("C-07")


def _profile_1_without_csms_root(data: Data) -> None:
    """Block A: HTTP Basic without TLS (security profile 1); the station is started without a CSMS root, so the last
    one is gone (AQ-1): TC_A_20_CS."""
    data["ocpp"]["security_profile"] = 1
    data["certification"]["features"].append("AQ-1")


VARIANTS: dict[str, Callable[[Data], None]] = {
    "profile-1-without-csms-root": _profile_1_without_csms_root,
    "two-evses-master-pass-ui": _two_evses_master_pass_ui,
    "two-evses-evse-reset": _two_evses_evse_reset,
    "without-smart-charging": _without_smart_charging,
    "amperes-only": _amperes_only,
    "two-evses-firmware-waits": _two_evses_firmware_waits,
    "installs-while-charging": _installs_while_charging,
    "fixed-cable": _fixed_cable,
    "no-energy-transfer-start": _no_energy_transfer_start,
    "cable-lock-before-authorization": _cable_lock_before_authorization,
    "without-summary-inventory": _without_summary_inventory,
    "combined-certificate": _combined_certificate,
}


def write_variant(name: str, directory: Path, prefix: str = "dut") -> Path:
    """The shipped DUT profile changed as variant `name` says, written to `directory` (`prefix` keeps parallel
    writers apart)."""
    data: Data = yaml.safe_load(SHIPPED_DUT.read_text())
    VARIANTS[name](data)
    path = directory / f"{prefix}-{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path
