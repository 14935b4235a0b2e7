"""The virtual station's optional behaviours follow its Part 5 claims; started on its own it claims what the shipped
DUT profile declares, so `harness virtual-station` without --features is the station CI tests."""

from __future__ import annotations

import yaml

from harness.virtual.claims import (
    CANCEL_FIRMWARE_UPDATE,
    CANCEL_LOG_UPLOAD,
    DEFAULT_CLAIMS,
    DOWNLOAD_DURING_TRANSACTION,
    INSTALL_DURING_TRANSACTION,
    parse_claims,
)
from tests.conftest import PROJECT


def test_parse_claims() -> None:
    assert parse_claims("C-60, AQ-7,,") == frozenset({"C-60", "AQ-7"})
    assert parse_claims("") == frozenset()


def test_default_claims_are_the_shipped_profiles() -> None:
    shipped = yaml.safe_load((PROJECT / "profiles/dut/virtual-station.yaml").read_text())
    features = set(shipped["certification"]["features"])
    for claim in (CANCEL_LOG_UPLOAD, CANCEL_FIRMWARE_UPDATE, DOWNLOAD_DURING_TRANSACTION, INSTALL_DURING_TRANSACTION):
        assert (claim in DEFAULT_CLAIMS) == (claim in features), claim
