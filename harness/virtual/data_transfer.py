"""Vendor-specific data (P01) and customData (Part 6 TC_P_03/04): what the station makes of either.

The virtual station implements no vendor extension: every DataTransfer names a vendor it does not know, and the
customData objects the schemas allow on any request are accepted and ignored.
"""

from __future__ import annotations

from typing import Any

from harness.virtual import faults as F
from harness.virtual.faults import FaultSet


def data_transfer(request: dict[str, Any], faults: FaultSet) -> dict[str, Any]:
    """The DataTransferResponse to a CSMS's DataTransferRequest (P01.FR.05/06)."""
    if faults.active(F.DATA_TRANSFER_UNKNOWN_VENDOR_ACCEPTED):
        return {"status": "Accepted"}
    return {"status": "UnknownVendorId", "statusInfo": {"reasonCode": "UnknownVendor"}}


def carries_custom_data(value: Any) -> bool:
    """Whether a payload has a customData object anywhere in it."""
    if isinstance(value, dict):
        return "customData" in value or any(carries_custom_data(v) for v in value.values())
    if isinstance(value, list):
        return any(carries_custom_data(v) for v in value)
    return False
