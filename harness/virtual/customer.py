"""N09/N10 customer information on the virtual station: what it holds about an idToken or a customerIdentifier.

About an idToken it holds the Authorization Cache entry; the local authorization list is the CSMS's own data and is
neither reported as customer data nor cleared (N10.FR.03 reading). About a customerIdentifier it holds what a
technician stored there (the control API's /customer-identifier, as a payment terminal would keep a customer
reference). A request naming no customer is Invalid: there is nothing to look for. While its customer data store is
unavailable (the control API's /customer-data, a storage the station cannot read) it cannot process a request and
answers Rejected (N09.FR.03, N10.FR.05).
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from harness.virtual import faults as F
from harness.virtual.rpc import Reply

if TYPE_CHECKING:
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual")

IDENTIFIERS = ("idToken", "customerCertificate", "customerIdentifier")
DATA_LIMIT = 512  # NotifyCustomerInformationRequest.data maxLength
IDENTIFIER_LIMIT = 64  # CustomerInformationRequest.customerIdentifier maxLength


class CustomerInformation:
    def __init__(self, station: Station) -> None:
        self._station = station
        self.identifiers: dict[str, dict[str, str]] = {}  # customerIdentifier -> the record stored about it
        self.unavailable = False

    def forget(self) -> None:
        """Factory reset: no stored customer records, the data store readable again."""
        self.identifiers.clear()
        self.unavailable = False

    def store_identifier(self, identifier: str) -> None:
        """What a technician stores at the station about a customer (TC_N_62_CS's memory state)."""
        self.identifiers[identifier] = {"customerIdentifier": identifier, "storedAt": self._station.clock.stamp()}
        log.info("customer record stored for customerIdentifier %s", identifier)

    def set_unavailable(self, unavailable: bool) -> None:
        self.unavailable = unavailable
        log.info("customer data store %s", "unavailable" if unavailable else "available again")

    def request(self, payload: dict[str, Any]) -> Reply:
        if not any(name in payload for name in IDENTIFIERS):
            return Reply({"status": "Invalid", "statusInfo": {"reasonCode": "MissingParam"}})
        faults = self._station.faults
        if faults.active(F.CUSTOMER_INFORMATION_REJECTED):
            return Reply({"status": "Rejected"})
        if self.unavailable and not faults.active(F.CUSTOMER_INFORMATION_WHILE_UNAVAILABLE):
            return Reply({"status": "Rejected", "statusInfo": {"reasonCode": "InternalError"}})
        return Reply({"status": "Accepted"}, then=lambda: self._answer(payload))

    def _held(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        token, identifier = payload.get("idToken"), payload.get("customerIdentifier")
        if token is not None:
            return self._station.auth_cache.held(token)
        if identifier is not None:
            return self.identifiers.get(identifier)
        return None

    def _clear(self, payload: dict[str, Any]) -> None:
        token, identifier = payload.get("idToken"), payload.get("customerIdentifier")
        if token is not None:
            self._station.auth_cache.forget(token)
        if identifier is not None and not self._station.faults.active(F.CUSTOMER_IDENTIFIER_KEPT):
            self.identifiers.pop(identifier, None)

    def _answer(self, payload: dict[str, Any]) -> None:
        station = self._station
        held = self._held(payload)
        lines = []
        if payload["report"]:
            lines.append(f"customer data: {json.dumps(held)}" if held else "no data held for this customer")
        if payload["clear"]:
            self._clear(payload)
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
