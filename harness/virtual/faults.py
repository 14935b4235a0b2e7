"""Named faults of the virtual charging station: each one breaks exactly one conformant behaviour.

The catalogue is data; the behaviour switches live next to the behaviour they change and test
`faults.active(NAME)` with the module constants below, so a misspelt name fails loudly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    """One way the station can be made non-conformant."""

    name: str
    description: str
    lab: bool = False  # a fault of the virtual lab, not of the station: test cases must answer `error`, never `fail`


BOOT_PENDING_ALLOWS_START = "boot-pending-allows-start"
BOOT_REJECTED_RETRIES_EARLY = "boot-rejected-retries-early"
NO_STATUS_AFTER_BOOT = "no-status-after-boot"
GETVARIABLES_UNKNOWN_COMPONENT_AS_VARIABLE = "getvariables-unknown-component-as-variable"
SETVARIABLES_NOT_APPLIED = "setvariables-not-applied"
SETVARIABLES_READONLY_ACCEPTED = "setvariables-readonly-accepted"
RESET_NOT_PERFORMED = "reset-not-performed"
RESET_ONIDLE_INTERRUPTS_TRANSACTION = "reset-onidle-interrupts-transaction"
AUTHORIZE_IGNORED = "authorize-ignored"
SEQNO_GAP = "seqno-gap"
WRONG_TRIGGER_REASON_ON_PLUG = "wrong-trigger-reason-on-plug"
NO_METER_VALUES_IN_TRANSACTION = "no-meter-values-in-transaction"
ENERGY_REGISTER_RESETS = "energy-register-resets"
REMOTE_START_IGNORED = "remote-start-ignored"
REMOTE_STOP_IGNORED = "remote-stop-ignored"
REMOTE_STOP_UNKNOWN_ACCEPTED = "remote-stop-unknown-accepted"
AVAILABILITY_NO_STATUS = "availability-no-status"
AVAILABILITY_NOT_APPLIED = "availability-not-applied"
STATUS_NOT_SENT_ON_PLUG = "status-not-sent-on-plug"
TIMESTAMP_WITHOUT_TIMEZONE = "timestamp-without-timezone"
MALFORMED_FRAME = "malformed-frame"
TWO_CALLS_IN_FLIGHT = "two-calls-in-flight"
SLOW_RESPONSE = "slow-response"
HEARTBEAT_INTERVAL_IGNORED = "heartbeat-interval-ignored"
DEVICE_MODEL_ERRORS_REJECTED = "device-model-errors-rejected"
SETVARIABLES_BATCH_ONLY_FIRST = "setvariables-batch-only-first"
ENERGY_REGISTER_DRIFTS = "energy-register-drifts"
IGNORES_GRID = "ignores-grid"
# Faults of the ISO 15118-20 SECC inside the station.
SECC_SLOW_RESPONSE = "secc-slow-response"
SECC_SLOW_CHARGE_LOOP = "secc-slow-charge-loop"
SECC_GENERAL_TIMEOUT_AFTER_CHARGE_LOOP = "secc-general-timeout-after-charge-loop"
SECC_IGNORES_SEQUENCE_TIMEOUT = "secc-ignores-sequence-timeout"
SECC_ACCEPTS_OUT_OF_SEQUENCE = "secc-accepts-out-of-sequence"
SECC_IGNORES_SESSION_ID = "secc-ignores-session-id"
SECC_REFUSES_DISCHARGE = "secc-refuses-discharge"
SECC_WRONG_EVSE_ID = "secc-wrong-evse-id"
SECC_SESSION_SETUP_PLAIN_OK = "secc-session-setup-plain-ok"
SECC_ADOPTS_EV_SESSION_ID = "secc-adopts-ev-session-id"
SECC_NO_SESSION_RESUME = "secc-no-session-resume"
SECC_ACCEPTS_MALFORMED_V2GTP = "secc-accepts-malformed-v2gtp"
SECC_ACCEPTS_WRONG_PAYLOAD_TYPE = "secc-accepts-wrong-payload-type"
SECC_ANSWERS_MALFORMED_EXI = "secc-answers-malformed-exi"
SECC_ACCEPTS_INVALID_PARAMETERS = "secc-accepts-invalid-parameters"
SECC_IGNORES_CHARGING_LIMIT = "secc-ignores-charging-limit"
SECC_AUTHORIZES_WITHOUT_IDENTIFICATION = "secc-authorizes-without-identification"
SECC_ONGOING_FAILS_EARLY = "secc-ongoing-fails-early"
SECC_STAYS_AFTER_FAILED = "secc-stays-after-failed"
SECC_PRECHARGE_NO_VOLTAGE = "secc-precharge-no-voltage"
SECC_IGNORES_TCP_RESET = "secc-ignores-tcp-reset"
SECC_AUTHORIZATION_SETUP_WITHOUT_EIM = "secc-authorization-setup-without-eim"
SECC_SERVICE_LIST_MISSING_BPT = "secc-service-list-missing-bpt"
SECC_SERVICE_DETAIL_NO_DYNAMIC = "secc-service-detail-no-dynamic"
SECC_SCHEDULE_IGNORES_SUPPORTING_POINTS = "secc-schedule-ignores-supporting-points"
SECC_DYNAMIC_MODE_IGNORED = "secc-dynamic-mode-ignored"
SECC_CABLE_CHECK_NEVER_FINISHES = "secc-cable-check-never-finishes"
SECC_CONTACTOR_ERROR = "secc-contactor-error"
SECC_IGNORES_POWER_DELIVERY_STOP = "secc-ignores-power-delivery-stop"
SECC_NO_METER_INFO = "secc-no-meter-info"
SECC_WELDING_VOLTAGE_STUCK = "secc-welding-voltage-stuck"
SECC_SESSION_STOP_FAILED = "secc-session-stop-failed"
SECC_SAP_PICKS_FIRST_OFFER = "secc-sap-picks-first-offer"
SECC_SDP_WRONG_SECURITY = "secc-sdp-wrong-security"
SECC_SDP_WRONG_PORT = "secc-sdp-wrong-port"
SECC_SDP_ANSWERS_INVALID = "secc-sdp-answers-invalid"
SECC_DELIVERS_HALF_POWER = "secc-delivers-half-power"
TLS_ACCEPTS_UNKNOWN_CA = "tls-accepts-unknown-ca"
TLS_ACCEPTS_EXPIRED = "tls-accepts-expired"
TLS_IGNORES_HOST_NAME = "tls-ignores-host-name"
TLS_ACCEPTS_OLD_VERSION = "tls-accepts-old-version"
TLS_NO_SECURITY_EVENT = "tls-no-security-event"
TLS_CLIENT_CERTIFICATE_WRONG_CN = "tls-client-certificate-wrong-cn"
NETWORK_PROFILE_ALLOWS_DOWNGRADE = "network-profile-allows-downgrade"
NETWORK_PROFILE_ANY_SLOT = "network-profile-any-slot"
NETWORK_PRIORITY_IGNORED = "network-priority-ignored"
NETWORK_NO_FALLBACK = "network-no-fallback"
BASIC_AUTH_WRONG_USER = "basic-auth-wrong-user"
SECC_TLS_ACCEPTS_TLS12 = "secc-tls-accepts-tls12"
SECC_TLS_UNTRUSTED_CERTIFICATE = "secc-tls-untrusted-certificate"
SECC_TLS_EXPIRED_CERTIFICATE = "secc-tls-expired-certificate"
SECC_TLS_WEAK_KEY = "secc-tls-weak-key"
SECC_TLS_WEAK_CIPHER = "secc-tls-weak-cipher"
SECC_TLS_CLOSES_AFTER_HANDSHAKE = "secc-tls-closes-after-handshake"
RESERVE_NOW_ALWAYS_ACCEPTED = "reserve-now-always-accepted"
RESERVATION_NOT_REPORTED = "reservation-not-reported"
RESERVATION_IGNORES_IDTOKEN = "reservation-ignores-idtoken"
RESERVATION_GROUP_IGNORED = "reservation-group-ignored"
RESERVATION_NEVER_EXPIRES = "reservation-never-expires"
RESERVATION_KEPT_WHEN_UNAVAILABLE = "reservation-kept-when-unavailable"
RESERVATION_NOT_REPLACED = "reservation-not-replaced"
CANCEL_RESERVATION_IGNORED = "cancel-reservation-ignored"
CANCEL_UNKNOWN_ACCEPTED = "cancel-unknown-reservation-accepted"
# >>> RESERVATION (block H): add above this line
SC_ACCEPTS_INVALID_PROFILE = "sc-accepts-invalid-profile"
SC_SAME_ID_NOT_REPLACED = "sc-same-id-not-replaced"
SC_PROFILES_LOST_ON_REBOOT = "sc-profiles-lost-on-reboot"
SC_CLEAR_NO_OP = "sc-clear-no-op"
SC_CLEAR_UNKNOWN_ACCEPTED = "sc-clear-unknown-accepted"
SC_REPORT_IGNORES_CRITERIA = "sc-report-ignores-criteria"
SC_REPORT_EVSE_ZERO = "sc-report-evse-zero"
SC_REPORT_DROPS_PHASES = "sc-report-drops-phases"
SC_IGNORES_VALIDITY = "sc-ignores-validity"
SC_IGNORES_START_SCHEDULE = "sc-ignores-start-schedule"
SC_IGNORES_STACK_LEVEL = "sc-ignores-stack-level"
SC_TX_PROFILE_NO_PRECEDENCE = "sc-tx-profile-no-precedence"
SC_COMPOSITE_DURATION_TRUNCATED = "sc-composite-duration-truncated"
SC_COMPOSITE_UNKNOWN_EVSE = "sc-composite-unknown-evse-accepted"
SC_REMOTE_START_PROFILE_DROPPED = "sc-remote-start-profile-dropped"
SC_DEFAULT_IGNORED_MID_TRANSACTION = "sc-default-ignored-mid-transaction"
SC_LIMIT_NOT_APPLIED = "sc-limit-not-applied"
SC_RECURRING_REJECTED = "sc-recurring-rejected"
SC_UNSUPPORTED_PROFILE_REJECTED = "sc-unsupported-profile-rejected"
SC_RATE_UNIT_NOT_CHECKED = "sc-rate-unit-not-checked"
SC_CLEAR_FIRST_EVSE_ONLY = "sc-clear-first-evse-only"
SC_EXTERNAL_LIMIT_UNREPORTED = "sc-external-limit-unreported"
# >>> SMART CHARGING (block K): add above this line
CERTIFICATE_INSTALL_NOT_STORED = "certificate-install-not-stored"
CERTIFICATE_INSTALL_ACCEPTS_EXPIRED = "certificate-install-accepts-expired"
CERTIFICATE_IDS_WRONG_KEY_HASH = "certificate-ids-wrong-key-hash"
CERTIFICATE_IDS_TYPE_FILTER_IGNORED = "certificate-ids-type-filter-ignored"
CERTIFICATE_CHAIN_WITHOUT_CHILDREN = "certificate-chain-without-children"
CERTIFICATE_DELETE_NOT_PERFORMED = "certificate-delete-not-performed"
CERTIFICATE_DELETE_UNKNOWN_ACCEPTED = "certificate-delete-unknown-accepted"
CERTIFICATE_STATUS_NEVER_REQUESTED = "certificate-status-never-requested"
STATION_CERTIFICATE_TRIGGER_REJECTED = "station-certificate-trigger-rejected"
CSR_WRONG_COMMON_NAME = "csr-wrong-common-name"
STATION_ACCEPTS_FOREIGN_CHAIN = "station-accepts-foreign-chain"
STATION_IGNORES_SIGNED_CERTIFICATE = "station-ignores-signed-certificate"
CSR_NOT_RESENT = "csr-not-resent"
STATION_CERTIFICATE_DELETABLE = "station-certificate-deletable"
COMBINED_CERTIFICATE_CSMS_ROOT_ONLY = "combined-certificate-csms-root-only"
PROFILE_UPGRADE_WITHOUT_CSMS_ROOT = "profile-upgrade-without-csms-root"
PROFILE_UPGRADE_WITHOUT_STATION_CERTIFICATE = "profile-upgrade-without-station-certificate"
# >>> CERTIFICATES (block M): add above this line
REMOTE_START_ALWAYS_AUTHORIZES = "remote-start-always-authorizes"
EV_CONNECTION_TIMEOUT_IGNORED = "ev-connection-timeout-ignored"
UNLOCK_DURING_TRANSACTION = "unlock-during-transaction"
UNLOCK_CONNECTOR_FAILS = "unlock-connector-fails"
UNLOCK_UNKNOWN_CONNECTOR_FAILED = "unlock-unknown-connector-failed"
TRIGGER_BOOT_ACCEPTED_AGAIN = "trigger-boot-accepted-again"
TRIGGER_METER_VALUES_WRONG_CONTEXT = "trigger-meter-values-wrong-context"
TRIGGER_TRANSACTION_EVENT_WRONG_REASON = "trigger-transaction-event-wrong-reason"
TRIGGER_STATUS_NOTIFICATION_NOT_SENT = "trigger-status-notification-not-sent"
TRIGGER_EVSE_NOT_IGNORED = "trigger-evse-not-ignored"
TRIGGER_REPORTS_LAST_STATUS = "trigger-reports-last-status"
TRIGGER_UNKNOWN_MESSAGE_ACCEPTED = "trigger-unknown-message-accepted"
DATA_TRANSFER_UNKNOWN_VENDOR_ACCEPTED = "data-transfer-unknown-vendor-accepted"
CUSTOM_DATA_REJECTED = "custom-data-rejected"
RESET_EVSE_REJECTED = "reset-evse-rejected"
RESET_ONIDLE_FIRST_TRANSACTION = "reset-onidle-first-transaction"
TX_EVENT_TIMEOUT_NOT_RETRIED = "tx-event-timeout-not-retried"
# >>> REMOTE CONTROL (blocks F, P): add above this line
LOCAL_LIST_VERSION_ZERO = "local-list-version-zero"
LOCAL_LIST_ACCEPTS_OLD_VERSION = "local-list-accepts-old-version"
LOCAL_LIST_ENABLED_IGNORED = "local-list-enabled-ignored"
LOCAL_LIST_NOT_USED = "local-list-not-used"
LOCAL_LIST_NO_POST_AUTHORIZE = "local-list-no-post-authorize"
OTHER_TOKEN_STOPS = "other-token-stops"
GROUP_STOP_IGNORED = "group-stop-ignored"
AUTH_CACHE_NOT_USED = "auth-cache-not-used"
AUTH_CACHE_NO_POST_AUTHORIZE = "auth-cache-no-post-authorize"
AUTH_CACHE_ALWAYS_PREAUTHORIZES = "auth-cache-always-preauthorizes"
AUTH_CACHE_NEVER_EXPIRES = "auth-cache-never-expires"
CLEAR_CACHE_IGNORED = "clear-cache-ignored"
AUTH_CACHE_IGNORES_TRANSACTION_RESPONSE = "auth-cache-ignores-transaction-response"
MASTER_PASS_IGNORED = "master-pass-ignored"
INVALID_ID_IN_TRANSACTION_IGNORED = "invalid-id-in-transaction-ignored"
OFFLINE_LOCAL_AUTHORIZATION_REFUSED = "offline-local-authorization-refused"
OFFLINE_LIST_STATUS_IGNORED = "offline-list-status-ignored"
DISABLE_REMOTE_AUTHORIZATION_IGNORED = "disable-remote-authorization-ignored"
CUSTOMER_REPORT_UNFINISHED = "customer-report-unfinished"
INVALID_ID_AUTHORIZES_WITHOUT_EV = "invalid-id-authorizes-without-ev"
MASTER_PASS_UI_WRONG_REASON = "master-pass-ui-wrong-reason"
MASTER_PASS_UI_STOPS_ALL = "master-pass-ui-stops-all"
# >>> AUTHORIZATION (blocks C, D): add above this line
AVAILABILITY_SAME_STATE_REJECTED = "availability-same-state-rejected"
AVAILABILITY_NOT_SCHEDULED = "availability-not-scheduled"
AVAILABILITY_LOST_ON_REBOOT = "availability-lost-on-reboot"
TRANSACTION_STATUS_UNSUPPORTED = "transaction-status-unsupported"
TRANSACTION_STATUS_NEVER_ONGOING = "transaction-status-never-ongoing"
TX_ENDED_SAMPLES_DROPPED = "tx-ended-samples-dropped"
TX_START_POINT_IGNORED = "tx-start-point-ignored"
STOPPED_REASON_ALWAYS_OTHER = "stopped-reason-always-other"
OFFLINE_FLAG_MISSING = "offline-flag-missing"
ALIGNED_SEND_DURING_IDLE_IGNORED = "aligned-send-during-idle-ignored"
TX_EVENT_ERROR_NOT_RETRIED = "tx-event-error-not-retried"
ENERGY_TRANSFER_STOP_POINT_IGNORED = "energy-transfer-stop-point-ignored"
EV_SIDE_DISCONNECT_UNNOTICED = "ev-side-disconnect-unnoticed"
SIGN_READINGS_IGNORED = "sign-readings-ignored"
EV_SIDE_TIMEOUT_NOT_STARTED = "ev-side-disconnect-timeout-not-started"
EV_NOT_READY_UNREPORTED = "ev-not-ready-unreported"
EV_SIDE_DISCONNECT_KEEPS_AUTHORIZATION = "ev-side-disconnect-keeps-authorization"
PARKING_BAY_SENSOR_UNREAD = "parking-bay-sensor-unread"
CONNECTOR_LOCK_FAILURE_IGNORED = "connector-lock-failure-ignored"
# >>> TRANSACTIONS (blocks E, G, J): add above this line
FIRMWARE_SIGNATURE_NOT_VERIFIED = "firmware-signature-not-verified"
FIRMWARE_SIGNER_NOT_CHECKED = "firmware-signing-certificate-not-checked"
FIRMWARE_SCHEDULE_IGNORED = "firmware-schedule-ignored"
FIRMWARE_UPDATED_EVENT_MISSING = "firmware-updated-event-missing"
FIRMWARE_DOWNLOAD_FAILURE_UNREPORTED = "firmware-download-failure-unreported"
LOG_STATUS_WRONG_REQUEST_ID = "log-status-wrong-request-id"
MONITOR_REQUEST_UNCHECKED = "monitor-request-unchecked"
MONITOR_DUPLICATE_IGNORES_SEVERITY = "monitor-duplicate-ignores-severity"
MONITOR_CLEAR_ALWAYS_ACCEPTED = "monitor-clear-always-accepted"
MONITORING_LEVEL_UNCHECKED = "monitoring-level-unchecked"
MONITOR_REPORT_WRONG_REQUEST_ID = "monitor-report-wrong-request-id"
MONITORING_BASE_HARDWIRED_REJECTED = "monitoring-base-hardwired-rejected"
MONITOR_ID_NOT_REPLACED = "monitor-id-not-replaced"
MONITOR_EVENTS_IGNORE_LEVEL = "monitor-events-ignore-level"
MONITOR_DELTA_SILENT = "monitor-delta-silent"
MONITOR_PERIODIC_HALF_RATE = "monitor-periodic-half-rate"
FIRMWARE_UPDATE_NOT_CANCELLED = "firmware-update-not-cancelled"
CUSTOMER_INFORMATION_REJECTED = "customer-information-rejected"
LOG_UPLOAD_NOT_CANCELLED = "log-upload-not-cancelled"
TRANSFER_TRIGGER_REPORTS_IDLE = "transfer-trigger-reports-idle"
FIRMWARE_INSTALL_NOT_VERIFIED = "firmware-install-not-verified"
FIRMWARE_SECOND_UPDATE_ACCEPTED = "firmware-second-update-accepted"
FIRMWARE_INSTALL_WAITS_FOR_TRANSACTION = "firmware-install-waits-for-transaction"
FIRMWARE_DOWNLOAD_DURING_TRANSACTION = "firmware-download-during-transaction"
FIRMWARE_PENDING_SESSIONS_ALLOWED = "firmware-pending-sessions-allowed"
FIRMWARE_INSTALL_AFTER_FIRST_TRANSACTION = "firmware-install-after-first-transaction"
FIRMWARE_ACTIVATED_DURING_TRANSACTION = "firmware-activated-during-transaction"
ENUM_VALUES_UNCHECKED = "enum-values-unchecked"
MONITOR_REPORT_CRITERIA_IGNORED = "monitor-report-criteria-ignored"
MONITOR_ID_TARGET_UNCHECKED = "monitor-id-target-unchecked"
MONITORING_BASE_KEEPS_OVERRULED = "monitoring-base-keeps-overruled"
MONITOR_THRESHOLD_CLEAR_SILENT = "monitor-threshold-clear-silent"
MONITORS_LOST_ON_REBOOT = "monitors-lost-on-reboot"
MONITOR_EVENT_SHOWS_SECRET = "monitor-event-shows-secret"
MONITOR_DELTA_FROM_LAST_SAMPLE = "monitor-delta-from-last-sample"
OFFLINE_QUEUING_SEVERITY_INVERTED = "offline-queuing-severity-inverted"
CUSTOMER_IDENTIFIER_KEPT = "customer-identifier-kept"
CUSTOMER_INFORMATION_WHILE_UNAVAILABLE = "customer-information-while-unavailable"
LOG_EMPTY_ACCEPTED = "log-empty-accepted"
HARDWIRED_NOTIFICATION_AS_MONITOR = "hardwired-notification-as-monitor"
# >>> FIRMWARE AND DIAGNOSTICS (blocks L, N): add above this line
DISPLAY_MESSAGE_OPTIONS_UNCHECKED = "display-message-options-unchecked"
DISPLAY_MESSAGE_FILTERS_IGNORED = "display-message-filters-ignored"
DISPLAY_MESSAGES_UNKNOWN_ACCEPTED = "display-messages-unknown-accepted"
DISPLAY_MESSAGE_CLEAR_IGNORED = "display-message-clear-ignored"
DISPLAY_MESSAGES_VOLATILE = "display-messages-volatile"
DISPLAY_MESSAGE_REPORT_TRUNCATED = "display-message-report-truncated"
DISPLAY_MESSAGE_NOT_REPLACED = "display-message-not-replaced"
SETVARIABLES_NO_TYPE_CHECK = "setvariables-no-type-check"
REPORT_WITHOUT_CHARACTERISTICS = "report-without-characteristics"
REJECTED_STATION_SERVES_REQUESTS = "rejected-station-serves-requests"
RESET_EVSE_ACCEPTED = "reset-evse-accepted"
CUSTOM_REPORT_IGNORES_FILTERS = "custom-report-ignores-filters"
OFFLINE_STATUS_NOT_REPORTED = "offline-status-not-reported"
RECONNECT_BACKOFF_FLAT = "reconnect-backoff-flat"
RESERVATION_LOST_ON_RESET = "reservation-lost-on-reset"
BASIC_AUTH_PASSWORD_IGNORED = "basic-auth-password-ignored"
BASIC_AUTH_PASSWORD_UNCHECKED = "basic-auth-password-unchecked"
NETWORK_FALLBACK_SKIPS_BACKOFF = "network-fallback-skips-backoff"
INSTALLED_CSMS_ROOT_NOT_TRUSTED = "installed-csms-root-not-trusted"
ADDITIONAL_ROOT_CHECK_IGNORED = "additional-root-check-ignored"
NO_FALLBACK_TO_OLD_ROOT = "no-fallback-to-old-root"
FALLBACK_ROOT_KEPT = "fallback-root-kept"
COST_UPDATED_UNSUPPORTED = "cost-updated-unsupported"
COST_IN_TRANSACTION_RESPONSE_REFUSED = "cost-in-transaction-response-refused"
SUMMARY_INVENTORY_UNCLAIMED_ACCEPTED = "summary-inventory-unclaimed-accepted"
# >>> PROVISIONING AND DISPLAY (blocks B, O): add above this line
# Faults of the virtual bench (the instruments), not of the station.
ANALYSER_STALE_READING = "analyser-stale-reading"
ANALYSER_SCPI_ERROR = "analyser-scpi-error"
ANALYSER_DROPS_SOCKET = "analyser-drops-socket"
ANALYSER_SLOW_RESPONSE = "analyser-slow-response"
GRID_SCPI_ERROR = "grid-scpi-error"

CATALOGUE: tuple[Fault, ...] = (
    Fault(BOOT_PENDING_ALLOWS_START, "RequestStartTransaction is Accepted while the boot is Pending"),
    Fault(BOOT_REJECTED_RETRIES_EARLY, "after a Rejected boot it retries after 1 s, ignoring the interval"),
    Fault(NO_STATUS_AFTER_BOOT, "no StatusNotification for the connectors after an Accepted boot"),
    Fault(GETVARIABLES_UNKNOWN_COMPONENT_AS_VARIABLE, "GetVariables answers UnknownVariable for an unknown component"),
    Fault(SETVARIABLES_NOT_APPLIED, "SetVariables answers Accepted but keeps the old value"),
    Fault(SETVARIABLES_READONLY_ACCEPTED, "SetVariables on a ReadOnly variable is Accepted and applied"),
    Fault(RESET_NOT_PERFORMED, "Reset answers Accepted but the station does not reboot"),
    Fault(RESET_ONIDLE_INTERRUPTS_TRANSACTION, "Reset OnIdle during a transaction is handled like Immediate"),
    Fault(AUTHORIZE_IGNORED, "a rejected idToken is treated as Accepted"),
    Fault(SEQNO_GAP, "the second TransactionEvent of each transaction skips one seqNo"),
    Fault(WRONG_TRIGGER_REASON_ON_PLUG, "TransactionEvents caused by plugging in report triggerReason Authorized"),
    Fault(NO_METER_VALUES_IN_TRANSACTION, "no meterValue in TransactionEvents, no clock-aligned data during one"),
    Fault(ENERGY_REGISTER_RESETS, "the energy register restarts at 0 per transaction and drops 100 Wh once"),
    Fault(REMOTE_START_IGNORED, "RequestStartTransaction is Accepted but nothing follows"),
    Fault(REMOTE_STOP_IGNORED, "RequestStopTransaction is Accepted but the transaction keeps running"),
    Fault(REMOTE_STOP_UNKNOWN_ACCEPTED, "RequestStopTransaction for an unknown transactionId is Accepted"),
    Fault(AVAILABILITY_NO_STATUS, "ChangeAvailability is applied but no StatusNotification reports it"),
    Fault(AVAILABILITY_NOT_APPLIED, "ChangeAvailability answers Accepted but nothing changes"),
    Fault(STATUS_NOT_SENT_ON_PLUG, "plugging in an EV sends no StatusNotification Occupied"),
    Fault(TIMESTAMP_WITHOUT_TIMEZONE, "every timestamp the station sends lacks the UTC offset"),
    Fault(MALFORMED_FRAME, "the first StatusNotification after each boot is truncated, invalid JSON"),
    Fault(TWO_CALLS_IN_FLIGHT, "post-boot StatusNotifications and Heartbeats do not wait for the previous response"),
    Fault(SLOW_RESPONSE, "every CSMS CALL is answered after 12 s"),
    Fault(HEARTBEAT_INTERVAL_IGNORED, "Heartbeat every 2 s, whatever interval the CSMS configures"),
    Fault(
        DEVICE_MODEL_ERRORS_REJECTED,
        "Get/SetVariables answer Rejected instead of UnknownComponent, UnknownVariable or NotSupportedAttributeType",
    ),
    Fault(SETVARIABLES_BATCH_ONLY_FIRST, "SetVariables with several entries applies the first and rejects the rest"),
    Fault(ENERGY_REGISTER_DRIFTS, "the station's energy register reads 3 % more than the energy that flowed"),
    Fault(IGNORES_GRID, "the station ignores grid voltage and frequency: no droop, no Q(U)"),
    Fault(SECC_SLOW_RESPONSE, "the SECC answers every request 2 s late (performance time 1.5 s)"),
    Fault(SECC_SLOW_CHARGE_LOOP, "the SECC answers each ChargeLoopReq after 350 ms (performance time 250 ms)"),
    Fault(
        SECC_GENERAL_TIMEOUT_AFTER_CHARGE_LOOP,
        "after a ChargeLoopRes the SECC waits the general sequence timeout instead of 0.5 s",
    ),
    Fault(SECC_IGNORES_SEQUENCE_TIMEOUT, "the SECC never closes a silent session"),
    Fault(SECC_ACCEPTS_OUT_OF_SEQUENCE, "requests out of sequence are answered OK"),
    Fault(SECC_IGNORES_SESSION_ID, "a wrong SessionID in the header is not refused"),
    Fault(SECC_REFUSES_DISCHARGE, "BPT: no discharge power offered, discharge requests get 0 W"),
    Fault(SECC_WRONG_EVSE_ID, "SessionSetupRes carries an EVSEID of the wrong format"),
    Fault(SECC_SESSION_SETUP_PLAIN_OK, "a new session is answered OK instead of OK_NewSessionEstablished"),
    Fault(SECC_ADOPTS_EV_SESSION_ID, "an unknown SessionID from the EV becomes the session's ID"),
    Fault(SECC_NO_SESSION_RESUME, "a paused session cannot be resumed: always a new session"),
    Fault(SECC_ACCEPTS_MALFORMED_V2GTP, "a malformed V2GTP header does not close the connection"),
    Fault(SECC_ACCEPTS_WRONG_PAYLOAD_TYPE, "a message under a payload type that does not fit is processed"),
    Fault(SECC_ANSWERS_MALFORMED_EXI, "undecodable EXI gets an answer and the session goes on"),
    Fault(
        SECC_ACCEPTS_INVALID_PARAMETERS,
        "invalid service IDs, parameter sets, schedule IDs and charge parameters are answered OK",
    ),
    Fault(
        SECC_IGNORES_CHARGING_LIMIT,
        "the OCPP charging limit reaches neither the -20 schedule and limits nor the power delivered",
    ),
    Fault(SECC_AUTHORIZES_WITHOUT_IDENTIFICATION, "EIM authorization is Finished at once, without an identification"),
    Fault(SECC_ONGOING_FAILS_EARLY, "after four Ongoing authorization answers the SECC answers FAILED"),
    Fault(SECC_STAYS_AFTER_FAILED, "after a FAILED response code the connection stays open"),
    Fault(SECC_PRECHARGE_NO_VOLTAGE, "PreCharge never raises the output voltage"),
    Fault(SECC_IGNORES_TCP_RESET, "power keeps flowing after the EV's TCP connection is reset"),
    Fault(SECC_AUTHORIZATION_SETUP_WITHOUT_EIM, "AuthorizationSetupRes offers PnC only"),
    Fault(SECC_SERVICE_LIST_MISSING_BPT, "ServiceDiscoveryRes lists no bidirectional service"),
    Fault(SECC_SERVICE_DETAIL_NO_DYNAMIC, "ServiceDetailRes offers the Scheduled control mode only"),
    Fault(
        SECC_SCHEDULE_IGNORES_SUPPORTING_POINTS,
        "ScheduleExchangeRes sends 24 schedule entries whatever MaximumSupportingPoints says",
    ),
    Fault(SECC_DYNAMIC_MODE_IGNORED, "a Dynamic session gets a Scheduled ScheduleExchangeRes"),
    Fault(SECC_CABLE_CHECK_NEVER_FINISHES, "DC_CableCheckRes stays Ongoing"),
    Fault(SECC_CONTACTOR_ERROR, "PowerDelivery Start is answered FAILED_ContactorError"),
    Fault(SECC_IGNORES_POWER_DELIVERY_STOP, "power keeps flowing after PowerDelivery Stop"),
    Fault(SECC_NO_METER_INFO, "ChargeLoopRes carries no MeterInfo even when the EV asks for it"),
    Fault(SECC_WELDING_VOLTAGE_STUCK, "WeldingDetectionRes keeps reporting the battery voltage"),
    Fault(SECC_SESSION_STOP_FAILED, "SessionStopReq is answered FAILED"),
    Fault(
        SECC_SAP_PICKS_FIRST_OFFER, "supportedAppProtocolRes accepts the first offered protocol, whatever its namespace"
    ),
    Fault(SECC_SDP_WRONG_SECURITY, "SDP announces TLS to an EV that asked for no TLS"),
    Fault(SECC_SDP_WRONG_PORT, "SDP announces a TCP port nobody listens on"),
    Fault(SECC_DELIVERS_HALF_POWER, "the power path delivers half the power the charge loop sets"),
    Fault(SECC_SDP_ANSWERS_INVALID, "SDP answers requests with invalid field values"),
    Fault(TLS_ACCEPTS_UNKNOWN_CA, "the station's TLS client accepts any CSMS certificate (no verification)"),
    Fault(TLS_ACCEPTS_EXPIRED, "the station's TLS client does not check the CSMS certificate's validity period"),
    Fault(TLS_IGNORES_HOST_NAME, "the station's TLS client does not match the CSMS certificate to its host name"),
    Fault(TLS_ACCEPTS_OLD_VERSION, "the station's TLS client accepts TLS 1.0 and 1.1"),
    Fault(TLS_NO_SECURITY_EVENT, "a refused CSMS certificate or TLS version is never reported as a security event"),
    Fault(TLS_CLIENT_CERTIFICATE_WRONG_CN, "the station's client certificate names its identity, not its serial"),
    Fault(NETWORK_PROFILE_ALLOWS_DOWNGRADE, "SetNetworkProfile accepts a lower security profile than the active one"),
    Fault(NETWORK_PROFILE_ANY_SLOT, "SetNetworkProfile accepts any configuration slot number"),
    Fault(NETWORK_PRIORITY_IGNORED, "a new NetworkConfigurationPriority is never used: the station stays on slot 1"),
    Fault(NETWORK_NO_FALLBACK, "the station keeps trying the first network profile, never the next one"),
    Fault(BASIC_AUTH_WRONG_USER, "the HTTP Basic user name is the serial number instead of the station identity"),
    Fault(SECC_TLS_ACCEPTS_TLS12, "the TLS server also accepts TLS 1.2"),
    Fault(SECC_TLS_UNTRUSTED_CERTIFICATE, "the SECC certificate chains to a root that is not the V2G root"),
    Fault(SECC_TLS_EXPIRED_CERTIFICATE, "the SECC certificate expired yesterday"),
    Fault(SECC_TLS_WEAK_KEY, "the SECC certificate has a P-256 key instead of secp521r1 or Ed448"),
    Fault(SECC_TLS_WEAK_CIPHER, "the TLS server negotiates TLS_AES_128_GCM_SHA256 only"),
    Fault(SECC_TLS_CLOSES_AFTER_HANDSHAKE, "the SECC closes a TLS connection right after the handshake"),
    Fault(ANALYSER_STALE_READING, "the virtual power analyser keeps answering its first reading", lab=True),
    Fault(ANALYSER_SCPI_ERROR, "the virtual analyser queues -222 'Data out of range' after each command", lab=True),
    Fault(ANALYSER_DROPS_SOCKET, "the virtual power analyser closes every connection after its 20th query", lab=True),
    Fault(ANALYSER_SLOW_RESPONSE, "the virtual power analyser answers each query after 5 s", lab=True),
    Fault(GRID_SCPI_ERROR, "the virtual grid simulator rejects every frequency setting with -221", lab=True),
    Fault(RESERVE_NOW_ALWAYS_ACCEPTED, "ReserveNow is Accepted whatever the EVSE's state and the configuration"),
    Fault(RESERVATION_NOT_REPORTED, "a reserved EVSE keeps reporting its connectors Available, never Reserved"),
    Fault(RESERVATION_IGNORES_IDTOKEN, "any idToken may charge at a reserved EVSE"),
    Fault(RESERVATION_GROUP_IGNORED, "only the reservation's own idToken may use it, not others of its group"),
    Fault(RESERVATION_NEVER_EXPIRES, "a reservation outlives its expiryDateTime"),
    Fault(RESERVATION_KEPT_WHEN_UNAVAILABLE, "a reservation stays when its EVSE is made Inoperative"),
    Fault(RESERVATION_NOT_REPLACED, "ReserveNow with the id of an existing reservation answers Occupied"),
    Fault(CANCEL_RESERVATION_IGNORED, "CancelReservation is Accepted but the reservation stays"),
    Fault(CANCEL_UNKNOWN_ACCEPTED, "CancelReservation for an unknown reservationId is Accepted"),
    # >>> RESERVATION (block H): add above this line
    Fault(SC_ACCEPTS_INVALID_PROFILE, "SetChargingProfile is Accepted without any validation of the profile"),
    Fault(SC_SAME_ID_NOT_REPLACED, "a profile with an installed id is Accepted but the old one stays"),
    Fault(SC_PROFILES_LOST_ON_REBOOT, "charging profiles are kept in volatile memory: a reboot loses them"),
    Fault(SC_CLEAR_NO_OP, "ClearChargingProfile answers Accepted when something matches but clears nothing"),
    Fault(SC_CLEAR_UNKNOWN_ACCEPTED, "ClearChargingProfile answers Accepted even when no profile matches"),
    Fault(SC_REPORT_IGNORES_CRITERIA, "GetChargingProfiles reports every profile, whatever evseId and criteria ask"),
    Fault(SC_REPORT_EVSE_ZERO, "ReportChargingProfiles puts every profile under evseId 0"),
    Fault(SC_REPORT_DROPS_PHASES, "ReportChargingProfiles omits numberPhases from the schedule periods"),
    Fault(SC_IGNORES_VALIDITY, "validFrom and validTo of charging profiles are ignored"),
    Fault(SC_IGNORES_START_SCHEDULE, "an Absolute schedule starts when it is evaluated, not at its startSchedule"),
    Fault(SC_IGNORES_STACK_LEVEL, "within a purpose the first installed profile wins, whatever the stackLevel"),
    Fault(SC_TX_PROFILE_NO_PRECEDENCE, "a TxProfile does not replace the TxDefaultProfile: the lower limit wins"),
    Fault(SC_COMPOSITE_DURATION_TRUNCATED, "the composite schedule's duration ends at its last period's start"),
    Fault(SC_COMPOSITE_UNKNOWN_EVSE, "GetCompositeSchedule for an unknown EVSE answers the station's"),
    Fault(SC_REMOTE_START_PROFILE_DROPPED, "the TxProfile of a RequestStartTransaction is never installed"),
    Fault(SC_DEFAULT_IGNORED_MID_TRANSACTION, "a TxDefaultProfile set during a transaction applies to the next one"),
    Fault(SC_LIMIT_NOT_APPLIED, "the composite schedule is right but the power path never follows the limit"),
    Fault(SC_RECURRING_REJECTED, "a Recurring charging profile is Rejected (only Absolute and Relative are taken)"),
    Fault(
        SC_UNSUPPORTED_PROFILE_REJECTED,
        "without Smart Charging, SetChargingProfile is Rejected (not NotSupported) and a remote start carrying a "
        "profile is Rejected instead of ignoring it",
    ),
    Fault(SC_RATE_UNIT_NOT_CHECKED, "profiles and composite schedules in a unit not in RateUnit are Accepted"),
    Fault(SC_CLEAR_FIRST_EVSE_ONLY, "ClearChargingProfile by criteria without evseId clears the lowest EVSE only"),
    Fault(SC_EXTERNAL_LIMIT_UNREPORTED, "GetChargingProfiles leaves out the limits of an external system (they apply)"),
    # >>> SMART CHARGING (block K): add above this line
    Fault(CERTIFICATE_INSTALL_NOT_STORED, "InstallCertificate answers Accepted but the certificate is not stored"),
    Fault(CERTIFICATE_INSTALL_ACCEPTS_EXPIRED, "InstallCertificate accepts and stores an expired CA certificate"),
    Fault(
        CERTIFICATE_IDS_WRONG_KEY_HASH,
        "issuerKeyHash is computed over the issuer's whole SubjectPublicKeyInfo instead of its key bits",
    ),
    Fault(
        CERTIFICATE_IDS_TYPE_FILTER_IGNORED,
        "GetInstalledCertificateIds lists every certificate, whatever certificateType asks for",
    ),
    Fault(CERTIFICATE_CHAIN_WITHOUT_CHILDREN, "a V2GCertificateChain is listed without childCertificateHashData"),
    Fault(CERTIFICATE_DELETE_NOT_PERFORMED, "DeleteCertificate answers Accepted but keeps the certificate"),
    Fault(CERTIFICATE_DELETE_UNKNOWN_ACCEPTED, "DeleteCertificate for an unknown certificate answers Accepted"),
    Fault(CERTIFICATE_STATUS_NEVER_REQUESTED, "a renewed V2G certificate's OCSP status is never asked for"),
    Fault(STATION_CERTIFICATE_TRIGGER_REJECTED, "TriggerMessage SignChargingStationCertificate is Rejected"),
    Fault(CSR_WRONG_COMMON_NAME, "a CSR's commonName is the OCPP identity or organization, not the serial / seccId"),
    Fault(STATION_ACCEPTS_FOREIGN_CHAIN, "CertificateSigned is not checked against the installed roots"),
    Fault(STATION_IGNORES_SIGNED_CERTIFICATE, "a renewed station certificate is stored but never used for TLS"),
    Fault(CSR_NOT_RESENT, "a SignCertificateRequest is never resent when no CertificateSigned comes"),
    Fault(STATION_CERTIFICATE_DELETABLE, "DeleteCertificate removes the station's own certificate"),
    Fault(
        COMBINED_CERTIFICATE_CSMS_ROOT_ONLY,
        "a combined (ISO-3) certificate must lead to a CSMS root, so one from the V2G chain is Rejected",
    ),
    Fault(
        PROFILE_UPGRADE_WITHOUT_CSMS_ROOT,
        "NetworkConfigurationPriority may name a TLS profile though no valid CSMS root is installed",
    ),
    Fault(
        PROFILE_UPGRADE_WITHOUT_STATION_CERTIFICATE,
        "NetworkConfigurationPriority may name a security profile 3 slot though no station certificate is installed",
    ),
    # >>> CERTIFICATES (block M): add above this line
    Fault(REMOTE_START_ALWAYS_AUTHORIZES, "a remote start sends AuthorizeRequest even with AuthorizeRemoteStart false"),
    Fault(EV_CONNECTION_TIMEOUT_IGNORED, "an authorization without a cable never lapses (EVConnectionTimeOut ignored)"),
    Fault(UNLOCK_DURING_TRANSACTION, "UnlockConnector during an authorized transaction answers Unlocked"),
    Fault(UNLOCK_CONNECTOR_FAILS, "every UnlockConnector on a known connector answers UnlockFailed"),
    Fault(UNLOCK_UNKNOWN_CONNECTOR_FAILED, "UnlockConnector for an unknown connector answers UnlockFailed"),
    Fault(TRIGGER_BOOT_ACCEPTED_AGAIN, "TriggerMessage(BootNotification) is Accepted although the boot was Accepted"),
    Fault(TRIGGER_METER_VALUES_WRONG_CONTEXT, "triggered MeterValues carry context Sample.Periodic, not Trigger"),
    Fault(TRIGGER_TRANSACTION_EVENT_WRONG_REASON, "a triggered TransactionEvent says MeterValuePeriodic, not Trigger"),
    Fault(TRIGGER_STATUS_NOTIFICATION_NOT_SENT, "TriggerMessage(StatusNotification) is Accepted but nothing is sent"),
    Fault(TRIGGER_EVSE_NOT_IGNORED, "a TriggerMessage naming an EVSE for a station-wide message is Rejected"),
    Fault(TRIGGER_REPORTS_LAST_STATUS, "triggered Log/FirmwareStatusNotifications report Uploaded/Installed, not Idle"),
    Fault(TRIGGER_UNKNOWN_MESSAGE_ACCEPTED, "TriggerMessage for a message the station cannot send is Accepted"),
    Fault(DATA_TRANSFER_UNKNOWN_VENDOR_ACCEPTED, "DataTransfer for any vendorId is Accepted"),
    Fault(CUSTOM_DATA_REJECTED, "a CSMS request carrying customData is answered with CALLERROR FormatViolation"),
    Fault(RESET_EVSE_REJECTED, "a Reset naming one EVSE is Rejected although EVSE.AllowReset says it can (C-13)"),
    Fault(RESET_ONIDLE_FIRST_TRANSACTION, "a Scheduled Reset OnIdle reboots once any transaction ends, not the last"),
    Fault(TX_EVENT_TIMEOUT_NOT_RETRIED, "a TransactionEvent the CSMS did not answer within MessageTimeout is dropped"),
    # >>> REMOTE CONTROL (blocks F, P): add above this line
    Fault(LOCAL_LIST_VERSION_ZERO, "GetLocalListVersion answers 0 whatever list is installed"),
    Fault(LOCAL_LIST_ACCEPTS_OLD_VERSION, "a Differential SendLocalList with an outdated version is Accepted"),
    Fault(LOCAL_LIST_ENABLED_IGNORED, "the local list stays in use (and its version reported) when disabled"),
    Fault(LOCAL_LIST_NOT_USED, "idTokens in the local list are still sent to the CSMS in an AuthorizeRequest"),
    Fault(LOCAL_LIST_NO_POST_AUTHORIZE, "a local-list idToken that is not Accepted is refused without asking the CSMS"),
    Fault(OTHER_TOKEN_STOPS, "any Accepted idToken stops a transaction, whatever its group"),
    Fault(GROUP_STOP_IGNORED, "an idToken of the same GroupId as the one that started cannot stop the transaction"),
    Fault(AUTH_CACHE_NOT_USED, "idTokens Accepted in the authorization cache are still sent in an AuthorizeRequest"),
    Fault(AUTH_CACHE_NO_POST_AUTHORIZE, "a cached idToken that is not Accepted is refused without asking the CSMS"),
    Fault(AUTH_CACHE_ALWAYS_PREAUTHORIZES, "cached Accepted idTokens skip Authorize even with LocalPreAuthorize false"),
    Fault(AUTH_CACHE_NEVER_EXPIRES, "authorization cache entries outlive AuthCacheCtrlr.LifeTime"),
    Fault(CLEAR_CACHE_IGNORED, "ClearCache is Accepted but empties nothing, even while the cache is disabled"),
    Fault(AUTH_CACHE_IGNORES_TRANSACTION_RESPONSE, "a TransactionEventResponse idTokenInfo leaves the cache unchanged"),
    Fault(MASTER_PASS_IGNORED, "an idToken of the MasterPassGroupId is treated like any other idToken"),
    Fault(INVALID_ID_IN_TRANSACTION_IGNORED, "a TransactionEventResponse saying the idToken is Invalid is ignored"),
    Fault(OFFLINE_LOCAL_AUTHORIZATION_REFUSED, "offline, idTokens in the local list or the cache are refused"),
    Fault(OFFLINE_LIST_STATUS_IGNORED, "offline, any idToken in the local list is accepted, whatever its status"),
    Fault(DISABLE_REMOTE_AUTHORIZATION_IGNORED, "AuthorizeRequests are sent with DisableRemoteAuthorization true"),
    Fault(CUSTOMER_REPORT_UNFINISHED, "a customer information report with data ends on a part with tbc true"),
    Fault(INVALID_ID_AUTHORIZES_WITHOUT_EV, "with no EV plugged in, an idToken is authorized whatever the CSMS says"),
    Fault(MASTER_PASS_UI_WRONG_REASON, "transactions stopped on the master pass menu end with stoppedReason Local"),
    Fault(MASTER_PASS_UI_STOPS_ALL, "the master pass menu stops every transaction, whichever one was chosen"),
    # >>> AUTHORIZATION (blocks C, D): add above this line
    Fault(AVAILABILITY_SAME_STATE_REJECTED, "ChangeAvailability to the state already in force answers Rejected"),
    Fault(AVAILABILITY_NOT_SCHEDULED, "ChangeAvailability during a transaction answers Accepted, not Scheduled"),
    Fault(AVAILABILITY_LOST_ON_REBOOT, "Inoperative requests live in volatile memory: a reboot makes all Operative"),
    Fault(TRANSACTION_STATUS_UNSUPPORTED, "GetTransactionStatus is answered with CALLERROR NotSupported"),
    Fault(TRANSACTION_STATUS_NEVER_ONGOING, "GetTransactionStatus never sets ongoingIndicator true"),
    Fault(TX_ENDED_SAMPLES_DROPPED, "the Ended event carries only the Transaction.End value, no TxEnded samples"),
    Fault(TX_START_POINT_IGNORED, "TxStartPoint is accepted but every transaction starts at PowerPathClosed"),
    Fault(STOPPED_REASON_ALWAYS_OTHER, "every Ended TransactionEvent says stoppedReason Other"),
    Fault(OFFLINE_FLAG_MISSING, "TransactionEvents queued while offline are delivered without offline true"),
    Fault(ALIGNED_SEND_DURING_IDLE_IGNORED, "AlignedDataCtrlr.SendDuringIdle true still sends aligned data in a tx"),
    Fault(TX_EVENT_ERROR_NOT_RETRIED, "a TransactionEvent answered with a CALLERROR is dropped, never sent again"),
    Fault(ENERGY_TRANSFER_STOP_POINT_IGNORED, "TxStopPoint EnergyTransfer is accepted but never ends a transaction"),
    Fault(EV_SIDE_DISCONNECT_UNNOTICED, "only the socket's plug is watched: a cable pulled out at the EV goes unseen"),
    Fault(SIGN_READINGS_IGNORED, "SignReadings true is accepted but every reading goes out unsigned"),
    Fault(EV_SIDE_TIMEOUT_NOT_STARTED, "a fixed cable pulled out of the EV keeps the transaction authorized forever"),
    Fault(EV_NOT_READY_UNREPORTED, "an EV that never takes the offered energy stays EVConnected, never SuspendedEV"),
    Fault(
        EV_SIDE_DISCONNECT_KEEPS_AUTHORIZATION,
        "StopTxOnEVSideDisconnect true is accepted but a cable pulled out at the EV leaves the transaction authorized",
    ),
    Fault(PARKING_BAY_SENSOR_UNREAD, "the parking bay sensor is fitted but never read: ParkingBayOccupancy never true"),
    Fault(
        CONNECTOR_LOCK_FAILURE_IGNORED,
        "the plug retention lock sensor is never read: a cable that cannot lock is neither reported nor kept from "
        "charging",
    ),
    # >>> TRANSACTIONS (blocks E, G, J): add above this line
    Fault(FIRMWARE_SIGNATURE_NOT_VERIFIED, "a downloaded firmware image is installed whatever its signature"),
    Fault(FIRMWARE_SIGNER_NOT_CHECKED, "UpdateFirmware is accepted with any signing certificate, or none"),
    Fault(FIRMWARE_SCHEDULE_IGNORED, "firmware is fetched and installed at once, ignoring retrieve/installDateTime"),
    Fault(FIRMWARE_UPDATED_EVENT_MISSING, "no FirmwareUpdated security event after a firmware was installed"),
    Fault(FIRMWARE_DOWNLOAD_FAILURE_UNREPORTED, "a failed firmware download is never reported: DownloadFailed missing"),
    Fault(LOG_STATUS_WRONG_REQUEST_ID, "LogStatusNotification carries requestId 0 instead of the GetLog's"),
    Fault(MONITOR_REQUEST_UNCHECKED, "SetVariableMonitoring accepts any monitor: unknown variable, bad value, twin"),
    Fault(MONITOR_DUPLICATE_IGNORES_SEVERITY, "a second monitor of one type is a Duplicate whatever its severity"),
    Fault(MONITOR_CLEAR_ALWAYS_ACCEPTED, "ClearVariableMonitoring answers Accepted for every id and removes nothing"),
    Fault(MONITORING_LEVEL_UNCHECKED, "SetMonitoringLevel accepts severities outside 0-9"),
    Fault(MONITOR_REPORT_WRONG_REQUEST_ID, "NotifyMonitoringReport carries requestId 0 instead of the request's"),
    Fault(MONITORING_BASE_HARDWIRED_REJECTED, "SetMonitoringBase HardWiredOnly is rejected"),
    Fault(MONITOR_ID_NOT_REPLACED, "SetVariableMonitoring with the id of a monitor adds a new one instead"),
    Fault(MONITOR_EVENTS_IGNORE_LEVEL, "monitor events are sent whatever SetMonitoringLevel set"),
    Fault(MONITOR_DELTA_SILENT, "Delta monitors never raise a NotifyEvent"),
    Fault(MONITOR_PERIODIC_HALF_RATE, "Periodic monitors raise their NotifyEvent every two intervals"),
    Fault(FIRMWARE_UPDATE_NOT_CANCELLED, "a new UpdateFirmware during an update is Rejected, though C-60 is claimed"),
    Fault(CUSTOMER_INFORMATION_REJECTED, "every CustomerInformation request is answered Rejected"),
    Fault(LOG_UPLOAD_NOT_CANCELLED, "a second GetLog during an upload is Rejected, though C-57 is claimed"),
    Fault(TRANSFER_TRIGGER_REPORTS_IDLE, "triggered Firmware/LogStatusNotifications say Idle even mid-transfer"),
    Fault(FIRMWARE_INSTALL_NOT_VERIFIED, "an image that is no firmware for this station is installed anyway"),
    Fault(FIRMWARE_SECOND_UPDATE_ACCEPTED, "without C-60, a second UpdateFirmware is Accepted and then dropped"),
    Fault(FIRMWARE_INSTALL_WAITS_FOR_TRANSACTION, "firmware waits for transactions to end, though C-43 is claimed"),
    Fault(FIRMWARE_DOWNLOAD_DURING_TRANSACTION, "firmware is downloaded during a transaction, though AQ-7 is denied"),
    Fault(FIRMWARE_PENDING_SESSIONS_ALLOWED, "AllowNewSessionsPendingFirmwareUpdate false is ignored"),
    Fault(FIRMWARE_INSTALL_AFTER_FIRST_TRANSACTION, "a pending install waits for the first transaction only"),
    Fault(FIRMWARE_ACTIVATED_DURING_TRANSACTION, "without C-43, firmware is installed at once and rebooted into"),
    Fault(ENUM_VALUES_UNCHECKED, "the request parser lets values outside a schema enumeration through"),
    Fault(MONITOR_REPORT_CRITERIA_IGNORED, "GetMonitoringReport ignores monitoringCriteria and reports every type"),
    Fault(MONITOR_ID_TARGET_UNCHECKED, "a monitor id given with another component/variable moves that monitor"),
    Fault(MONITORING_BASE_KEEPS_OVERRULED, "SetMonitoringBase FactoryDefault keeps a changed preconfigured monitor"),
    Fault(MONITOR_THRESHOLD_CLEAR_SILENT, "a value back within a threshold raises no cleared NotifyEvent"),
    Fault(MONITORS_LOST_ON_REBOOT, "custom monitors are forgotten when the station reboots"),
    Fault(MONITOR_EVENT_SHOWS_SECRET, "a monitor on a WriteOnly variable reports its value in actualValue"),
    Fault(MONITOR_DELTA_FROM_LAST_SAMPLE, "a numeric Delta is measured from the last sample, not the last event"),
    Fault(OFFLINE_QUEUING_SEVERITY_INVERTED, "offline, events above OfflineQueuingSeverity are queued, not the rest"),
    Fault(CUSTOMER_IDENTIFIER_KEPT, "clearing the data of a customerIdentifier leaves that data in place"),
    Fault(
        CUSTOMER_INFORMATION_WHILE_UNAVAILABLE,
        "CustomerInformation is Accepted (and answered) while the customer data store is unavailable",
    ),
    Fault(LOG_EMPTY_ACCEPTED, "GetLog for a log that holds nothing is Accepted and an empty file uploaded"),
    Fault(HARDWIRED_NOTIFICATION_AS_MONITOR, "a hardware fault the firmware reports is typed HardWiredMonitor"),
    # >>> FIRMWARE AND DIAGNOSTICS (blocks L, N): add above this line
    Fault(DISPLAY_MESSAGE_OPTIONS_UNCHECKED, "SetDisplayMessage accepts any priority, state, format, transactionId"),
    Fault(DISPLAY_MESSAGE_FILTERS_IGNORED, "GetDisplayMessages reports every message whatever id, priority, state"),
    Fault(DISPLAY_MESSAGES_UNKNOWN_ACCEPTED, "GetDisplayMessages is Accepted (empty report) when nothing matches"),
    Fault(DISPLAY_MESSAGE_CLEAR_IGNORED, "ClearDisplayMessage is Accepted for any id but removes nothing"),
    Fault(DISPLAY_MESSAGES_VOLATILE, "display messages are lost at every reboot"),
    Fault(DISPLAY_MESSAGE_REPORT_TRUNCATED, "NotifyDisplayMessages reports only the first matching message"),
    Fault(DISPLAY_MESSAGE_NOT_REPLACED, "SetDisplayMessage with a known id is Accepted but the old message stays"),
    Fault(SETVARIABLES_NO_TYPE_CHECK, "a SetVariables value of the wrong data type is Accepted (and ignored)"),
    Fault(REPORT_WITHOUT_CHARACTERISTICS, "NotifyReport entries of a base report carry no variableCharacteristics"),
    Fault(REJECTED_STATION_SERVES_REQUESTS, "after a Rejected boot the station still answers CSMS requests normally"),
    Fault(RESET_EVSE_ACCEPTED, "a Reset for one EVSE is Accepted although the station cannot reset an EVSE alone"),
    Fault(CUSTOM_REPORT_IGNORES_FILTERS, "GetReport is Accepted and reports every variable whatever it asked for"),
    Fault(OFFLINE_STATUS_NOT_REPORTED, "connector changes made while offline are not reported after reconnecting"),
    Fault(RECONNECT_BACKOFF_FLAT, "every reconnect waits RetryBackOffWaitMinimum; the wait never doubles"),
    Fault(RESERVATION_LOST_ON_RESET, "a Reset forgets every reservation (they live in volatile memory)"),
    Fault(BASIC_AUTH_PASSWORD_IGNORED, "a new BasicAuthPassword is Accepted but the station keeps the old one"),
    Fault(BASIC_AUTH_PASSWORD_UNCHECKED, "a BasicAuthPassword shorter than 16 characters is Accepted and used"),
    Fault(NETWORK_FALLBACK_SKIPS_BACKOFF, "after falling back to another network profile it retries at once"),
    Fault(INSTALLED_CSMS_ROOT_NOT_TRUSTED, "TLS trusts only the CSMS root it was provisioned with, no installed one"),
    Fault(ADDITIONAL_ROOT_CHECK_IGNORED, "AdditionalRootCertificateCheck true, yet any new CSMS root is Accepted"),
    Fault(NO_FALLBACK_TO_OLD_ROOT, "a new CSMS root replaces the old one at once: no fallback when it fails"),
    Fault(FALLBACK_ROOT_KEPT, "the old CSMS root stays after the station connected with the new one"),
    Fault(COST_UPDATED_UNSUPPORTED, "CostUpdated is answered with CALLERROR NotImplemented"),
    Fault(COST_IN_TRANSACTION_RESPONSE_REFUSED, "a TransactionEventResponse with a cost is taken as broken: resent"),
    Fault(SUMMARY_INVENTORY_UNCLAIMED_ACCEPTED, "without C-56 a SummaryInventory base report is still Accepted"),
    # >>> PROVISIONING AND DISPLAY (blocks B, O): add above this line
)

FAULTS_BY_NAME: dict[str, Fault] = {fault.name: fault for fault in CATALOGUE}


class UnknownFault(ValueError):
    """A fault name that is not in the catalogue."""


class FaultSet:
    """The faults switched on for one station run."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        chosen: list[str] = []
        for name in names:
            if name not in FAULTS_BY_NAME:
                raise UnknownFault(f"unknown fault {name!r} (see --list-faults)")
            if name not in chosen:
                chosen.append(name)
        self._names = tuple(chosen)

    def active(self, name: str) -> bool:
        """True when fault `name` is switched on; raises for a name outside the catalogue."""
        if name not in FAULTS_BY_NAME:
            raise UnknownFault(f"unknown fault {name!r}")
        return name in self._names

    @property
    def names(self) -> list[str]:
        return list(self._names)
