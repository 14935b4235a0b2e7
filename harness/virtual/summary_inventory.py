"""Whether the station offers the optional SummaryInventory base report (Part 5 C-56, B07.FR.02).

A station that does not claim it answers GetBaseReport for a SummaryInventory with NotSupported (reason
UnsupportedParam) and sends no NotifyReport; FullInventory and ConfigurationInventory are mandatory and unaffected.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from harness.virtual import faults as F
from harness.virtual.claims import SUMMARY_INVENTORY
from harness.virtual.faults import FaultSet
from harness.virtual.rpc import Reply

REPORT_BASE = "SummaryInventory"


def refusal(claims: Set[str], faults: FaultSet, payload: dict[str, Any]) -> Reply | None:
    """NotSupported for a SummaryInventory this station does not offer; None when the report is to be made."""
    if payload.get("reportBase") != REPORT_BASE or SUMMARY_INVENTORY in claims:
        return None
    if faults.active(F.SUMMARY_INVENTORY_UNCLAIMED_ACCEPTED):
        return None  # the fault: reported all the same, as if C-56 were claimed
    return Reply({"status": "NotSupported", "statusInfo": {"reasonCode": "UnsupportedParam"}})
