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
BASIC_AUTH_WRONG_USER = "basic-auth-wrong-user"
SECC_TLS_ACCEPTS_TLS12 = "secc-tls-accepts-tls12"
SECC_TLS_UNTRUSTED_CERTIFICATE = "secc-tls-untrusted-certificate"
SECC_TLS_EXPIRED_CERTIFICATE = "secc-tls-expired-certificate"
SECC_TLS_WEAK_KEY = "secc-tls-weak-key"
SECC_TLS_WEAK_CIPHER = "secc-tls-weak-cipher"
SECC_TLS_CLOSES_AFTER_HANDSHAKE = "secc-tls-closes-after-handshake"
# >>> RESERVATION (block H): add above this line
# >>> SMART CHARGING (block K): add above this line
# >>> CERTIFICATES (block M): add above this line
# >>> REMOTE CONTROL (blocks F, P): add above this line
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
    # >>> RESERVATION (block H): add above this line
    # >>> SMART CHARGING (block K): add above this line
    # >>> CERTIFICATES (block M): add above this line
    # >>> REMOTE CONTROL (blocks F, P): add above this line
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
