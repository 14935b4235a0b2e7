"""Default CSMS answers to every station-initiated OCPP 2.0.1 action; a test case overrides what it needs.

The defaults behave like a plain, accepting CSMS, so a case only states what is special about its scenario.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from harness.config import Dut
from harness.ocpp.channel import Responder
from harness.ocpp.messages import Received


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TokenBook:
    """The authorization answers the CSMS gives, from the DUT profile's configured tokens."""

    def __init__(self, dut: Dut) -> None:
        tc = dut.test_configuration
        self._status = {
            tc.valid_id_token.id_token: "Accepted",
            tc.invalid_id_token.id_token: "Invalid",
            tc.blocked_id_token.id_token: "Blocked",
            tc.expired_id_token.id_token: "Expired",
        }
        if tc.second_valid_id_token is not None:
            self._status[tc.second_valid_id_token.id_token] = "Accepted"

    def status_of(self, id_token: dict[str, Any] | None) -> str:
        if not isinstance(id_token, dict):
            return "Unknown"
        return self._status.get(str(id_token.get("idToken")), "Unknown")

    def info(self, id_token: dict[str, Any] | None) -> dict[str, Any]:
        return {"status": self.status_of(id_token)}


def default_responders(dut: Dut) -> dict[str, Responder]:
    tokens = TokenBook(dut)
    heartbeat = dut.test_configuration.heartbeat_interval_s

    def boot(_: Received) -> dict[str, Any]:
        return {"currentTime": utc_now(), "interval": heartbeat, "status": "Accepted"}

    def authorize(received: Received) -> dict[str, Any]:
        return {"idTokenInfo": tokens.info(received.payload.get("idToken"))}

    def transaction_event(received: Received) -> dict[str, Any]:
        id_token = received.payload.get("idToken")
        return {"idTokenInfo": tokens.info(id_token)} if id_token is not None else {}

    def heartbeat_answer(_: Received) -> dict[str, Any]:
        return {"currentTime": utc_now()}

    def empty(_: Received) -> dict[str, Any]:
        return {}

    def accepted(_: Received) -> dict[str, Any]:
        return {"status": "Accepted"}

    def data_transfer(_: Received) -> dict[str, Any]:
        return {"status": "UnknownVendorId"}

    def certificate_status(_: Received) -> dict[str, Any]:
        return {"status": "Failed"}

    def ev_certificate(_: Received) -> dict[str, Any]:
        return {"status": "Failed", "exiResponse": ""}

    return {
        "BootNotification": boot,
        "Authorize": authorize,
        "TransactionEvent": transaction_event,
        "Heartbeat": heartbeat_answer,
        "StatusNotification": empty,
        "NotifyEvent": empty,
        "NotifyReport": empty,
        "MeterValues": empty,
        "SecurityEventNotification": empty,
        "FirmwareStatusNotification": empty,
        "LogStatusNotification": empty,
        "NotifyMonitoringReport": empty,
        "NotifyChargingLimit": empty,
        "ClearedChargingLimit": empty,
        "NotifyCustomerInformation": empty,
        "NotifyDisplayMessages": empty,
        "NotifyEVChargingSchedule": accepted,
        "NotifyEVChargingNeeds": accepted,
        "ReportChargingProfiles": empty,
        "ReservationStatusUpdate": empty,
        "PublishFirmwareStatusNotification": empty,
        "SignCertificate": accepted,
        "DataTransfer": data_transfer,
        "GetCertificateStatus": certificate_status,
        "Get15118EVCertificate": ev_certificate,
    }
