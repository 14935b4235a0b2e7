"""N09/N10 customer information on the virtual station: what the Authorization Cache holds about an idToken.

The local authorization list is the CSMS's own data and is neither reported as customer data nor cleared (N10.FR.03
reading); the cache entry is. A request naming no customer is Invalid: there is nothing to look for.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from harness.virtual import faults as F
from harness.virtual.rpc import Reply

if TYPE_CHECKING:
    from harness.virtual.station import Station

IDENTIFIERS = ("idToken", "customerCertificate", "customerIdentifier")
DATA_LIMIT = 512  # NotifyCustomerInformationRequest.data maxLength


class CustomerInformation:
    def __init__(self, station: Station) -> None:
        self._station = station

    def request(self, payload: dict[str, Any]) -> Reply:
        if not any(name in payload for name in IDENTIFIERS):
            return Reply({"status": "Invalid", "statusInfo": {"reasonCode": "MissingParam"}})
        if self._station.faults.active(F.CUSTOMER_INFORMATION_REJECTED):
            return Reply({"status": "Rejected"})
        return Reply({"status": "Accepted"}, then=lambda: self._answer(payload))

    def _answer(self, payload: dict[str, Any]) -> None:
        station, token = self._station, payload.get("idToken")
        held = station.auth_cache.held(token) if token is not None else None
        lines = []
        if payload["report"]:
            lines.append(f"authorization cache: {json.dumps(held)}" if held else "no data held for this customer")
        if payload["clear"]:
            if token is not None:
                station.auth_cache.forget(token)
            lines.append("customer data cleared" if held else "no customer data to clear")
        station.outbox.put(
            "NotifyCustomerInformation",
            {
                "data": "; ".join(lines)[:DATA_LIMIT], "seqNo": 0,
                # The fault: the report of a customer with data announces a further part that never comes.
                "tbc": bool(held) and payload["report"] and station.faults.active(F.CUSTOMER_REPORT_UNFINISHED),
                "generatedAt": station.clock.stamp(), "requestId": payload["requestId"],
            },
        )  # fmt: skip
