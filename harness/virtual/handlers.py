"""Answers to the CALLs a CSMS sends to the station (B05-B07, B11/B12, F01-F06, G03/G04, K01, K08-K10)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual import summary_inventory
from harness.virtual.connector_lock import unlock_connector
from harness.virtual.data_transfer import carries_custom_data, data_transfer
from harness.virtual.device_model import VariableKey
from harness.virtual.metering import meter_value
from harness.virtual.reports import CustomReports
from harness.virtual.rpc import Reply
from harness.virtual.transaction_status import transaction_status

if TYPE_CHECKING:
    from harness.virtual.evse import Evse
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual")

Action = Callable[[dict[str, Any]], Reply]
SMART_CHARGING_ACTIONS = ("SetChargingProfile", "ClearChargingProfile", "GetChargingProfiles", "GetCompositeSchedule")
# A TriggerMessage handler: given the target EVSEs, what to send after the response (None: Rejected).
Trigger = Callable[[list["Evse"], dict[str, Any] | None], Callable[[], None] | None]


class CsmsRequests:
    """Routes an incoming CALL to the part of the station that owns the behaviour."""

    def __init__(self, station: Station) -> None:
        self._station = station
        self._routes: dict[str, Action] = {
            "GetVariables": self.get_variables,
            "SetVariables": self.set_variables,
            "GetBaseReport": self.get_base_report,
            "Reset": self.reset,
            "ChangeAvailability": self.change_availability,
            "RequestStartTransaction": self.request_start,
            "RequestStopTransaction": self.request_stop,
            "TriggerMessage": self.trigger_message,
            "SetChargingProfile": self.set_charging_profile,
            "ClearChargingProfile": self.clear_charging_profile,
            "GetChargingProfiles": self.get_charging_profiles,
            "GetCompositeSchedule": self.get_composite_schedule,
            "SetNetworkProfile": lambda payload: Reply(self._station.network.set_profile(payload)),
            "ReserveNow": self.reserve_now,
            "CancelReservation": self.cancel_reservation,
            # >>> RESERVATION (block H): add above this line
            # >>> SMART CHARGING (block K): add above this line
            "InstallCertificate": lambda p: Reply(self._station.certificates.install(p)),
            "GetInstalledCertificateIds": lambda p: Reply(self._station.certificates.installed_ids(p)),
            "DeleteCertificate": lambda p: Reply(self._station.certificates.delete(p)),
            "CertificateSigned": lambda p: self._station.signing.certificate_signed(p),
            # >>> CERTIFICATES (block M): add above this line
            "UnlockConnector": self.unlock_connector,
            "DataTransfer": lambda p: Reply(data_transfer(p, self._station.faults)),
            # >>> REMOTE CONTROL (blocks F, P): add above this line
            "SendLocalList": self.send_local_list,
            "GetLocalListVersion": lambda p: Reply(self._station.local_list.version()),
            "ClearCache": lambda p: Reply(self._station.auth_cache.clear()),
            # >>> AUTHORIZATION (blocks C, D): add above this line
            "GetTransactionStatus": lambda p: transaction_status(
                p, self._station.evses, self._station.outbox, self._station.faults
            ),
            # >>> TRANSACTIONS (blocks E, G, J): add above this line
            "UpdateFirmware": lambda p: self._station.firmware.request(p),
            "GetLog": lambda p: self._station.logs.request(p),
            "SetVariableMonitoring": lambda p: self._station.monitoring.set_variable_monitoring(p),
            "ClearVariableMonitoring": lambda p: self._station.monitoring.clear_variable_monitoring(p),
            "SetMonitoringBase": lambda p: self._station.monitoring.set_monitoring_base(p),
            "SetMonitoringLevel": lambda p: self._station.monitoring.set_monitoring_level(p),
            "GetMonitoringReport": lambda p: self._station.monitoring.get_monitoring_report(p),
            "CustomerInformation": lambda p: self._station.customer.request(p),
            # >>> FIRMWARE AND DIAGNOSTICS (blocks L, N): add above this line
            "SetDisplayMessage": lambda p: self._station.display.set(p),
            "GetDisplayMessages": lambda p: self._station.display.get(p),
            "ClearDisplayMessage": lambda p: self._station.display.clear(p),
            "GetReport": CustomReports(station.dm, station.outbox, station.clock.stamp, station.faults).get_report,
            "CostUpdated": lambda p: self._station.tariff_cost.cost_updated(p),
            # >>> PROVISIONING AND DISPLAY (blocks B, O): add above this line
        }
        if not station.config.features.smart_charging:
            # K01.FR.29: a station without Smart Charging answers its messages with CALLERROR NotSupported.
            for action in SMART_CHARGING_ACTIONS:
                self._routes[action] = self._smart_charging_absent
            if station.faults.active(F.SC_UNSUPPORTED_PROFILE_REJECTED):
                self._routes["SetChargingProfile"] = lambda p: Reply({"status": "Rejected"})

    @staticmethod
    def _smart_charging_absent(payload: dict[str, Any]) -> Reply:
        return Reply(error=("NotSupported", "this station does not support Smart Charging"))

    async def handle(self, action: str, payload: dict[str, Any]) -> Reply:
        """Entry point for the RPC layer; the payload is already schema-valid."""
        rejected = self._station.boot.registration == "Rejected"
        if rejected and not self._station.faults.active(F.REJECTED_STATION_SERVES_REQUESTS):
            # B03.FR.08 / TC_B_30_CS: a Rejected station does not act on CSMS requests.
            return Reply(error=("SecurityError", "the station is not accepted by the CSMS"))
        route = self._routes.get(action)
        if route is None:
            return Reply(error=("NotSupported", f"{action} is not supported by this station"))
        if self._station.faults.active(F.CUSTOM_DATA_REJECTED) and carries_custom_data(payload):
            return Reply(error=("FormatViolation", "customData is not understood"))
        return route(payload)

    def _too_big(
        self, payload: dict[str, Any], items: str, items_key: VariableKey, bytes_key: VariableKey
    ) -> Reply | None:
        dm = self._station.dm
        if len(payload[items]) > dm.get_int(items_key):
            return Reply(error=("OccurrenceConstraintViolation", f"more than ItemsPerMessage {items}"))
        if len(json.dumps(payload)) > dm.get_int(bytes_key):
            return Reply(error=("FormatViolation", "message longer than BytesPerMessage"))
        return None

    def get_variables(self, payload: dict[str, Any]) -> Reply:
        refusal = self._too_big(payload, "getVariableData", dmc.ITEMS_PER_GET, dmc.BYTES_PER_GET)
        if refusal is not None:
            return refusal
        return Reply({"getVariableResult": self._station.dm.get_variables(payload["getVariableData"])})

    def set_variables(self, payload: dict[str, Any]) -> Reply:
        refusal = self._too_big(payload, "setVariableData", dmc.ITEMS_PER_SET, dmc.BYTES_PER_SET)
        if refusal is not None:
            return refusal
        return Reply({"setVariableResult": self._station.dm.set_variables(payload["setVariableData"])})

    def get_base_report(self, payload: dict[str, Any]) -> Reply:
        station = self._station
        unsupported = summary_inventory.refusal(station.config.claims, station.faults, payload)
        if unsupported is not None:
            return unsupported
        entries = station.dm.report(payload["reportBase"])
        if not entries:
            return Reply({"status": "EmptyResultSet"})
        size = station.dm.get_int(dmc.ITEMS_PER_REPORT)
        chunks = [entries[i : i + size] for i in range(0, len(entries), size)]
        request_id = payload["requestId"]

        def send_report() -> None:
            generated = station.clock.stamp()
            for seq_no, chunk in enumerate(chunks):
                station.outbox.put(
                    "NotifyReport",
                    {
                        "requestId": request_id,
                        "generatedAt": generated,
                        "seqNo": seq_no,
                        "tbc": seq_no < len(chunks) - 1,
                        "reportData": chunk,
                    },
                )

        return Reply({"status": "Accepted"}, then=send_report)

    def reset(self, payload: dict[str, Any]) -> Reply:
        station = self._station
        if "evseId" in payload and station.evse_reset.offered:
            return station.evse_reset.request(payload)
        if "evseId" in payload and station.faults.active(F.RESET_EVSE_ACCEPTED):
            return Reply({"status": "Accepted"})
        if "evseId" in payload:
            # Resetting a single EVSE is not offered (EVSE.AllowReset is not implemented).
            return Reply({"status": "Rejected", "statusInfo": {"reasonCode": "UnsupportedRequest"}})
        if station.faults.active(F.RESET_NOT_PERFORMED):
            return Reply({"status": "Accepted"})
        busy = any(evse.tx is not None for evse in station.evses)
        on_idle = payload["type"] == "OnIdle" and not station.faults.active(F.RESET_ONIDLE_INTERRUPTS_TRANSACTION)
        if busy and on_idle:
            log.info("Reset OnIdle scheduled until the transactions end")
            station.reset_scheduled = True
            return Reply({"status": "Scheduled"})
        return Reply({"status": "Accepted"}, then=lambda: station.spawn(station.reset_now()))

    def send_local_list(self, payload: dict[str, Any]) -> Reply:
        local_list = self._station.local_list
        refusal = local_list.too_big(payload)
        return Reply(error=refusal) if refusal is not None else Reply(local_list.send(payload))

    def unlock_connector(self, payload: dict[str, Any]) -> Reply:
        return Reply({"status": unlock_connector(self._station.evses, payload, self._station.faults)})

    def change_availability(self, payload: dict[str, Any]) -> Reply:
        status, then = self._station.availability.change(payload)
        return Reply({"status": status}, then=then)

    def request_start(self, payload: dict[str, Any]) -> Reply:
        station = self._station
        refusal = station.smart_charging.check_remote_start(payload)
        absent = not station.config.features.smart_charging
        if absent and "chargingProfile" in payload and station.faults.active(F.SC_UNSUPPORTED_PROFILE_REJECTED):
            refusal = "UnsupportedRequest"  # the fault: a profile it cannot use refuses the start (F01.FR.12)
        if refusal is not None:
            return Reply({"status": "Rejected", "statusInfo": {"reasonCode": refusal}})
        registered = station.boot.registration == "Accepted"
        answer = station.authorizer.remote_start(station.evses, payload, registered)
        if answer["status"] == "Accepted" and "chargingProfile" in payload:
            station.smart_charging.await_remote_start(int(payload["remoteStartId"]), payload["chargingProfile"])
        return Reply(answer)

    def reserve_now(self, payload: dict[str, Any]) -> Reply:
        status, then = self._station.reservations.reserve_now(payload)
        return Reply({"status": status}, then=then)

    def cancel_reservation(self, payload: dict[str, Any]) -> Reply:
        status, then = self._station.reservations.cancel(payload)
        return Reply({"status": status}, then=then)

    def request_stop(self, payload: dict[str, Any]) -> Reply:
        status, then = self._station.authorizer.remote_stop(self._station.evses, payload["transactionId"])
        return Reply({"status": status}, then=then)

    def set_charging_profile(self, payload: dict[str, Any]) -> Reply:
        """K01: the new limit takes effect as soon as the answer is out, not only on the next tick."""
        smart = self._station.smart_charging
        return Reply(smart.set_profile(payload), then=self._apply_limits)

    def clear_charging_profile(self, payload: dict[str, Any]) -> Reply:
        return Reply(self._station.smart_charging.clear(payload), then=self._apply_limits)

    def _apply_limits(self) -> None:
        self._station.smart_charging.tick(self._station.clock.epoch())

    def get_charging_profiles(self, payload: dict[str, Any]) -> Reply:
        """K09: answer first, then one ReportChargingProfiles per EVSE."""
        answer, reports = self._station.smart_charging.report(payload)
        outbox = self._station.outbox

        def send_reports() -> None:
            for report in reports:
                outbox.put("ReportChargingProfiles", report)

        return Reply(answer, then=send_reports if reports else None)

    def get_composite_schedule(self, payload: dict[str, Any]) -> Reply:
        return Reply(self._station.smart_charging.composite(payload))

    def trigger_message(self, payload: dict[str, Any]) -> Reply:
        """F06: answer first, then send the requested message."""
        requested = payload["requestedMessage"]
        target = payload.get("evse")
        evses = self._station.evses
        if target is not None and target.get("id", 0) != 0:
            evses = [evse for evse in evses if evse.id == target["id"]]
            if not evses:
                return Reply({"status": "Rejected"})
        if requested == "BootNotification":
            boot = self._station.boot
            if boot.registration == "Accepted":
                wrong = self._station.faults.active(F.TRIGGER_BOOT_ACCEPTED_AGAIN)
                return Reply({"status": "Accepted" if wrong else "Rejected"})  # F06.FR.17
            return Reply({"status": "Accepted"}, then=boot.trigger)
        if self._station.boot.registration != "Accepted":
            # Accepted but still sending its post-boot reports: the triggered message queues behind them.
            return Reply({"status": "Rejected"})
        trigger = self._triggers().get(requested)
        if trigger is None:
            wrong = self._station.faults.active(F.TRIGGER_UNKNOWN_MESSAGE_ACCEPTED)
            return Reply({"status": "Accepted" if wrong else "NotImplemented"})  # F06.FR.08
        then = trigger(evses, target)
        return Reply({"status": "Rejected"}) if then is None else Reply({"status": "Accepted"}, then=then)

    def _triggers(self) -> dict[str, Trigger]:
        # A firmware update or log upload in progress reports its status, else Idle (F06.FR.14-16).
        return {
            "Heartbeat": self._trigger_simple("Heartbeat", {}),
            "FirmwareStatusNotification": self._trigger_simple(
                "FirmwareStatusNotification", self._station.firmware.trigger_status()
            ),
            "LogStatusNotification": self._trigger_simple("LogStatusNotification", self._station.logs.trigger_status()),
            "StatusNotification": self._trigger_status,
            "MeterValues": self._trigger_meter_values,
            "TransactionEvent": self._trigger_transaction,
            "SignV2GCertificate": self._station.v2g_renewal.trigger,
            "SignChargingStationCertificate": self._station.station_certificate.trigger,
            **self._station.combined_certificate.triggers(),  # ISO-3 only, else NotImplemented (F06.FR.08)
        }

    def _trigger_simple(self, action: str, body: dict[str, Any]) -> Trigger:
        outbox = self._station.outbox

        def send() -> None:
            outbox.put(action, dict(body))

        if self._station.faults.active(F.TRIGGER_EVSE_NOT_IGNORED):
            return lambda evses, target: None if target is not None else send
        return lambda evses, target: send  # F06.FR.03: an EVSE named for a station-wide message is ignored

    def _trigger_status(self, evses: list[Evse], target: dict[str, Any] | None) -> Callable[[], None] | None:
        if target is None or "connectorId" not in target or len(evses) != 1:
            return None
        evse = evses[0]
        connector = evse.connector(target["connectorId"])
        if connector is None:
            return None
        station = self._station
        if station.faults.active(F.TRIGGER_STATUS_NOTIFICATION_NOT_SENT):
            return lambda: None

        def send() -> None:
            station.outbox.put("StatusNotification", station.availability.payload(evse, connector))

        return send

    def _trigger_meter_values(self, evses: list[Evse], target: dict[str, Any] | None) -> Callable[[], None] | None:
        station = self._station
        context = "Sample.Periodic" if station.faults.active(F.TRIGGER_METER_VALUES_WRONG_CONTEXT) else "Trigger"

        def send() -> None:
            measurands = station.dm.get_list(dmc.ALIGNED_MEASURANDS) or ["Energy.Active.Import.Register"]
            for evse in evses:
                sample = meter_value(evse.meter, measurands, context, station.clock.stamp())
                if sample is not None:
                    station.outbox.put("MeterValues", {"evseId": evse.id, "meterValue": [sample]})

        return send

    def _trigger_transaction(self, evses: list[Evse], target: dict[str, Any] | None) -> Callable[[], None] | None:
        running = [evse for evse in evses if evse.tx is not None]
        if not running:
            return None
        engine = self._station.engine

        def send() -> None:
            for evse in running:
                engine.trigger(evse)

        return send
