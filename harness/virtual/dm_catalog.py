"""The variables the virtual station implements, as data (names from the 2.0.1 Part 2 appendix dm_components_vars).

The constants name the variables the station's behaviour reads, so code never spells a component by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.virtual import display_messages as dm
from harness.virtual.device_model import VariableKey, VariableSpec, key

MEASURANDS = ("Energy.Active.Import.Register", "Power.Active.Import", "Current.Import", "Voltage")
TX_POINTS = ("EVConnected", "Authorized", "PowerPathClosed", "EnergyTransfer", "ParkingBayOccupancy")
AVAILABILITY_STATES = ("Available", "Occupied", "Reserved", "Unavailable", "Faulted")
TIME_SOURCES = ("Heartbeat", "NTP", "GPS", "RealTimeClock", "MobileNetwork", "RadioTimeTransmitter")

HEARTBEAT_INTERVAL = key("OCPPCommCtrlr", "HeartbeatInterval")
OFFLINE_THRESHOLD = key("OCPPCommCtrlr", "OfflineThreshold")
MESSAGE_TIMEOUT = key("OCPPCommCtrlr", "MessageTimeout", "Default")
MESSAGE_ATTEMPTS_TX = key("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent")
MESSAGE_ATTEMPT_INTERVAL_TX = key("OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent")
RETRY_WAIT_MINIMUM = key("OCPPCommCtrlr", "RetryBackOffWaitMinimum")
RETRY_RANDOM_RANGE = key("OCPPCommCtrlr", "RetryBackOffRandomRange")
RETRY_REPEAT_TIMES = key("OCPPCommCtrlr", "RetryBackOffRepeatTimes")
AUTH_ENABLED = key("AuthCtrlr", "Enabled")
AUTHORIZE_REMOTE_START = key("AuthCtrlr", "AuthorizeRemoteStart")
TX_START_POINT = key("TxCtrlr", "TxStartPoint")
TX_STOP_POINT = key("TxCtrlr", "TxStopPoint")
EV_CONNECTION_TIMEOUT = key("TxCtrlr", "EVConnectionTimeOut")
STOP_TX_ON_INVALID_ID = key("TxCtrlr", "StopTxOnInvalidId")
STOP_TX_ON_EV_SIDE_DISCONNECT = key("TxCtrlr", "StopTxOnEVSideDisconnect")
UNLOCK_ON_EV_SIDE_DISCONNECT = key("OCPPCommCtrlr", "UnlockOnEVSideDisconnect")
SAMPLED_SIGN_READINGS = key("SampledDataCtrlr", "SignReadings")
ALIGNED_SIGN_READINGS = key("AlignedDataCtrlr", "SignReadings")
PUBLIC_KEY_WITH_SIGNED_METER_VALUE = key("OCPPCommCtrlr", "PublicKeyWithSignedMeterValue")
PUBLIC_KEY_POLICIES = ("Never", "OncePerTransaction", "EveryMeterValue")
TX_STARTED_MEASURANDS = key("SampledDataCtrlr", "TxStartedMeasurands")
TX_UPDATED_MEASURANDS = key("SampledDataCtrlr", "TxUpdatedMeasurands")
TX_ENDED_MEASURANDS = key("SampledDataCtrlr", "TxEndedMeasurands")
TX_UPDATED_INTERVAL = key("SampledDataCtrlr", "TxUpdatedInterval")
TX_ENDED_INTERVAL = key("SampledDataCtrlr", "TxEndedInterval")
ALIGNED_MEASURANDS = key("AlignedDataCtrlr", "Measurands")
ALIGNED_INTERVAL = key("AlignedDataCtrlr", "Interval")
ALIGNED_TX_ENDED_MEASURANDS = key("AlignedDataCtrlr", "TxEndedMeasurands")
ALIGNED_TX_ENDED_INTERVAL = key("AlignedDataCtrlr", "TxEndedInterval")
ALIGNED_SEND_DURING_IDLE = key("AlignedDataCtrlr", "SendDuringIdle")
ITEMS_PER_REPORT = key("DeviceDataCtrlr", "ItemsPerMessage", "GetReport")
ITEMS_PER_GET = key("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables")
ITEMS_PER_SET = key("DeviceDataCtrlr", "ItemsPerMessage", "SetVariables")
BYTES_PER_GET = key("DeviceDataCtrlr", "BytesPerMessage", "GetVariables")
BYTES_PER_SET = key("DeviceDataCtrlr", "BytesPerMessage", "SetVariables")
CLOCK_DATETIME = key("ClockCtrlr", "DateTime")
STATION_AVAILABILITY = key("ChargingStation", "AvailabilityState")
STATION_SUPPLY_PHASES = key("ChargingStation", "SupplyPhases")
SMART_CHARGING_ENABLED = key("SmartChargingCtrlr", "Enabled")
SMART_CHARGING_AVAILABLE = key("SmartChargingCtrlr", "Available")
PROFILE_STACK_LEVEL = key("SmartChargingCtrlr", "ProfileStackLevel")  # ChargingProfileMaxStackLevel in the use cases
RATE_UNIT = key("SmartChargingCtrlr", "RateUnit")  # ChargingScheduleChargingRateUnit in the use cases
PERIODS_PER_SCHEDULE = key("SmartChargingCtrlr", "PeriodsPerSchedule")
CHARGING_PROFILE_ENTRIES = key("SmartChargingCtrlr", "Entries", "ChargingProfiles")  # its maxLimit caps them
LIMIT_CHANGE_SIGNIFICANCE = key("SmartChargingCtrlr", "LimitChangeSignificance")
MAX_CHARGING_PROFILES = 32


def evse_availability(evse_id: int) -> VariableKey:
    return key("EVSE", "AvailabilityState", evse=evse_id)


def evse_power(evse_id: int) -> VariableKey:
    return key("EVSE", "Power", evse=evse_id)


def connector_availability(evse_id: int, connector_id: int) -> VariableKey:
    return key("Connector", "AvailabilityState", evse=evse_id, connector=connector_id)


@dataclass(frozen=True)
class StationIdentity:
    """What the station says about itself in BootNotification and the device model."""

    identity: str
    vendor: str
    model: str
    serial: str
    firmware: str


def _integer(
    variable: VariableKey, default: int, low: int, high: int, *, unit: str | None = None, mutability: str = "ReadWrite"
) -> VariableSpec:
    return VariableSpec(variable, "integer", mutability, str(default), unit, low, high)


def _boolean(
    variable: VariableKey, default: bool, *, mutability: str = "ReadWrite", values: tuple[str, ...] = ()
) -> VariableSpec:
    return VariableSpec(variable, "boolean", mutability, "true" if default else "false", values=values)


def _members(variable: VariableKey, default: str, values: tuple[str, ...], *, allow_empty: bool) -> VariableSpec:
    return VariableSpec(variable, "MemberList", "ReadWrite", default, values=values, allow_empty=allow_empty)


def _readonly(variable: VariableKey, data_type: str, default: str) -> VariableSpec:
    return VariableSpec(variable, data_type, "ReadOnly", default)


def _communication() -> list[VariableSpec]:
    return [
        _integer(HEARTBEAT_INTERVAL, 60, 1, 86400, unit="s"),
        _integer(OFFLINE_THRESHOLD, 180, 0, 86400, unit="s"),
        # ReadOnly: TC_B_39_CS expects a set of MessageTimeout(Default) to be Rejected.
        _integer(MESSAGE_TIMEOUT, 10, 1, 300, unit="s", mutability="ReadOnly"),
        _integer(MESSAGE_ATTEMPTS_TX, 3, 1, 10),
        _integer(MESSAGE_ATTEMPT_INTERVAL_TX, 5, 0, 600, unit="s"),
        _integer(RETRY_WAIT_MINIMUM, 1, 0, 3600, unit="s"),
        _integer(RETRY_RANDOM_RANGE, 1, 0, 3600, unit="s"),
        _integer(RETRY_REPEAT_TIMES, 3, 0, 20),
        _integer(CONNECTION_ATTEMPTS, 3, 1, 100),
        VariableSpec(NETWORK_PRIORITY, "string", "ReadWrite", "1"),  # checked against the slots (B10)
        _integer(key("OCPPCommCtrlr", "ResetRetries"), 1, 0, 10),
        VariableSpec(
            key("OCPPCommCtrlr", "FileTransferProtocols"),
            "MemberList",
            "ReadOnly",
            "HTTP,HTTPS",  # firmware download and log upload (harness/virtual/http_transfer.py)
            values=("HTTP", "HTTPS", "FTP", "FTPS", "SFTP"),
        ),
        _boolean(UNLOCK_ON_EV_SIDE_DISCONNECT, True),  # C-12.1 and C-12.2 (harness/virtual/ev_side.py)
    ]


def _authorization() -> list[VariableSpec]:
    return [
        _boolean(AUTH_ENABLED, True),
        _boolean(AUTHORIZE_REMOTE_START, True),
        _boolean(key("AuthCtrlr", "LocalAuthorizeOffline"), True),
        _boolean(key("AuthCtrlr", "LocalPreAuthorize"), False),
    ]


def _transactions() -> list[VariableSpec]:
    return [
        _members(TX_START_POINT, "PowerPathClosed", (*TX_POINTS, "DataSigned"), allow_empty=False),
        _members(TX_STOP_POINT, "EVConnected,Authorized", TX_POINTS, allow_empty=False),
        _integer(EV_CONNECTION_TIMEOUT, 30, 1, 3600, unit="s"),
        _boolean(STOP_TX_ON_INVALID_ID, True),
        _boolean(STOP_TX_ON_EV_SIDE_DISCONNECT, True),  # C-06.1 and C-06.2 (harness/virtual/ev_side.py)
    ]


def _metering() -> list[VariableSpec]:
    energy = "Energy.Active.Import.Register"
    return [
        _members(TX_STARTED_MEASURANDS, energy, MEASURANDS, allow_empty=True),
        _members(TX_UPDATED_MEASURANDS, f"{energy},Power.Active.Import", MEASURANDS, allow_empty=True),
        _members(TX_ENDED_MEASURANDS, energy, MEASURANDS, allow_empty=True),
        _integer(TX_UPDATED_INTERVAL, 0, 0, 86400, unit="s"),
        _integer(TX_ENDED_INTERVAL, 0, 0, 86400, unit="s"),
        _members(ALIGNED_MEASURANDS, energy, MEASURANDS, allow_empty=True),
        _integer(ALIGNED_INTERVAL, 0, 0, 86400, unit="s"),
        _members(ALIGNED_TX_ENDED_MEASURANDS, energy, MEASURANDS, allow_empty=True),
        _integer(ALIGNED_TX_ENDED_INTERVAL, 0, 0, 86400, unit="s"),
        _boolean(ALIGNED_SEND_DURING_IDLE, False),
    ]


def _device_data() -> list[VariableSpec]:
    return [
        _integer(ITEMS_PER_REPORT, 10, 1, 10, mutability="ReadOnly"),
        _integer(ITEMS_PER_GET, 50, 1, 50, mutability="ReadOnly"),
        _integer(ITEMS_PER_SET, 50, 1, 50, mutability="ReadOnly"),
        _integer(key("DeviceDataCtrlr", "BytesPerMessage", "GetReport"), 65000, 1, 65000, mutability="ReadOnly"),
        _integer(BYTES_PER_GET, 65000, 1, 65000, mutability="ReadOnly"),
        _integer(BYTES_PER_SET, 65000, 1, 65000, mutability="ReadOnly"),
        VariableSpec(CLOCK_DATETIME, "dateTime", "ReadOnly", dynamic=True),
        VariableSpec(key("ClockCtrlr", "TimeSource"), "SequenceList", "ReadWrite", "Heartbeat", values=TIME_SOURCES),
    ]


def _smart_charging() -> list[VariableSpec]:
    return [
        _boolean(SMART_CHARGING_ENABLED, True),
        _boolean(SMART_CHARGING_AVAILABLE, True, mutability="ReadOnly"),
        _integer(PROFILE_STACK_LEVEL, 8, 0, 8, mutability="ReadOnly"),
        VariableSpec(RATE_UNIT, "MemberList", "ReadOnly", "A,W", values=("A", "W")),
        _integer(PERIODS_PER_SCHEDULE, 24, 1, 24, mutability="ReadOnly"),
        VariableSpec(
            CHARGING_PROFILE_ENTRIES,
            "integer",
            "ReadOnly",
            min_limit=0,
            max_limit=MAX_CHARGING_PROFILES,
            dynamic=True,
        ),
        VariableSpec(
            LIMIT_CHANGE_SIGNIFICANCE, "decimal", "ReadWrite", "1.0", unit="Percent", min_limit=0.0, max_limit=100.0
        ),
    ]


def _security(ident: StationIdentity) -> list[VariableSpec]:
    return [
        VariableSpec(SECURITY_PROFILE, "integer", "ReadOnly", "1", min_limit=0, max_limit=3, dynamic=True),
        VariableSpec(key("SecurityCtrlr", "Identity"), "string", "ReadWrite", ident.identity, max_limit=48),
        VariableSpec(key("SecurityCtrlr", "OrganizationName"), "string", "ReadWrite", ident.vendor, max_limit=64),
    ]


CERTIFICATE_ENTRIES = key("SecurityCtrlr", "CertificateEntries")
SECURITY_PROFILE = key("SecurityCtrlr", "SecurityProfile")
NETWORK_PRIORITY = key("OCPPCommCtrlr", "NetworkConfigurationPriority")
CONNECTION_ATTEMPTS = key("OCPPCommCtrlr", "NetworkProfileConnectionAttempts")
MAX_CERTIFICATE_ENTRIES = 20
ADDITIONAL_ROOT_CHECK = key("SecurityCtrlr", "AdditionalRootCertificateCheck")


def _certificates() -> list[VariableSpec]:
    """M03-M05: the count follows the certificate store. AdditionalRootCertificateCheck (AS-2, root_check.py) is
    off as shipped; ReadWrite so that one lab station can run the cases for either setting (Part 2 has it
    ReadOnly: a real station comes with one of them)."""
    return [
        VariableSpec(
            CERTIFICATE_ENTRIES, "integer", "ReadOnly", min_limit=0, max_limit=MAX_CERTIFICATE_ENTRIES, dynamic=True
        ),
        _boolean(ADDITIONAL_ROOT_CHECK, False),
    ]


CERT_SIGNING_WAIT_MINIMUM = key("SecurityCtrlr", "CertSigningWaitMinimum")
CERT_SIGNING_REPEAT_TIMES = key("SecurityCtrlr", "CertSigningRepeatTimes")


def secc_variables(secc_id: str | None) -> list[VariableSpec]:
    """ISO15118Ctrlr of the EVSE with the SECC (the first): its seccId, which a V2G CSR names as CN (A02), and the
    certificate settings RenewV2GChargingStationCertificate configures. None: no SECC, no such variables."""
    if secc_id is None:
        return []
    return [
        _readonly(key("ISO15118Ctrlr", "SeccId", evse=1), "string", secc_id),
        _boolean(key("ISO15118Ctrlr", "V2GCertificateInstallationEnabled"), True),
        VariableSpec(key("ISO15118Ctrlr", "CountryName"), "string", "ReadWrite", "NL", max_limit=2),
    ]


def _certificate_signing() -> list[VariableSpec]:
    """A02.FR.17/18 (AS-3): how long to wait for CertificateSigned before resending a CSR, and how often."""
    return [
        _integer(CERT_SIGNING_WAIT_MINIMUM, 60, 1, 3600, unit="s"),
        _integer(CERT_SIGNING_REPEAT_TIMES, 2, 0, 10),
    ]


def _topology(ident: StationIdentity, evse_ids: list[int], rated_power_w: float) -> list[VariableSpec]:
    specs = [
        VariableSpec(STATION_AVAILABILITY, "OptionList", "ReadOnly", values=AVAILABILITY_STATES, dynamic=True),
        _boolean(key("ChargingStation", "Available"), True, mutability="ReadOnly"),
        _readonly(key("ChargingStation", "Model"), "string", ident.model),
        _readonly(key("ChargingStation", "VendorName"), "string", ident.vendor),
        _integer(STATION_SUPPLY_PHASES, 3, 0, 3, mutability="ReadOnly"),
    ]
    for evse_id in evse_ids:
        specs += [
            VariableSpec(
                evse_availability(evse_id), "OptionList", "ReadOnly", values=AVAILABILITY_STATES, dynamic=True
            ),
            _boolean(key("EVSE", "Available", evse=evse_id), True, mutability="ReadOnly"),
            VariableSpec(
                evse_power(evse_id),
                "decimal",
                "ReadOnly",
                unit="W",
                min_limit=0.0,
                max_limit=rated_power_w,
                dynamic=True,
            ),
            _integer(key("EVSE", "SupplyPhases", evse=evse_id), 3, 0, 3, mutability="ReadOnly"),
            VariableSpec(
                connector_availability(evse_id, 1), "OptionList", "ReadOnly", values=AVAILABILITY_STATES, dynamic=True
            ),
            _boolean(key("Connector", "Available", evse=evse_id, connector=1), True, mutability="ReadOnly"),
            _readonly(key("Connector", "ConnectorType", evse=evse_id, connector=1), "string", "cType2"),
            _integer(key("Connector", "SupplyPhases", evse=evse_id, connector=1), 3, 0, 3, mutability="ReadOnly"),
        ]
    return specs


RESERVATION_AVAILABLE = key("ReservationCtrlr", "Available")
RESERVATION_ENABLED = key("ReservationCtrlr", "Enabled")
RESERVATION_NON_EVSE_SPECIFIC = key("ReservationCtrlr", "NonEvseSpecific")


DISPLAY_MESSAGES = key("DisplayMessageCtrlr", "DisplayMessages")


def _display() -> list[VariableSpec]:
    """O01-O06: the message store's size and what the display supports (harness/virtual/display_messages.py)."""
    return [
        _boolean(key("DisplayMessageCtrlr", "Available"), True, mutability="ReadOnly"),
        _boolean(key("DisplayMessageCtrlr", "Enabled"), True),
        VariableSpec(DISPLAY_MESSAGES, "integer", "ReadOnly", max_limit=dm.MAX_MESSAGES, dynamic=True),
        _readonly(key("DisplayMessageCtrlr", "PersonalMessageSize"), "integer", "0"),
        _supported("SupportedFormats", dm.SUPPORTED_FORMATS),
        _supported("SupportedPriorities", dm.SUPPORTED_PRIORITIES),
        # Part 5 §5 puts TariffCostCtrlr beside DisplayMessageCtrlr in Advanced UI; its required texts are plain.
        VariableSpec(key("TariffCostCtrlr", "Currency"), "string", "ReadWrite", "EUR"),
        VariableSpec(key("TariffCostCtrlr", "TariffFallbackMessage"), "string", "ReadWrite", "See the price list"),
        VariableSpec(key("TariffCostCtrlr", "TotalCostFallbackMessage"), "string", "ReadWrite", "Cost unknown"),
    ]


def _provisioning_extras() -> list[VariableSpec]:
    """Required variables B07's inventories look for that no behaviour reads (TC_B_11_CS sets the date one)."""
    return [
        VariableSpec(key("ClockCtrlr", "NextTimeOffsetTransitionDateTime"), "dateTime", "ReadWrite",
                     "2026-10-25T01:00:00Z"),
        _boolean(key("ISO15118Ctrlr", "ContractValidationOffline"), True),
        # Required by Part 2 for Advanced Device Management; the same limits as the other requests' here.
        _integer(key("MonitoringCtrlr", "ItemsPerMessage", "SetVariableMonitoring"), 50, 1, 50, mutability="ReadOnly"),
        _integer(key("MonitoringCtrlr", "BytesPerMessage", "SetVariableMonitoring"), 65000, 1, 65000,
                 mutability="ReadOnly"),
    ]  # fmt: skip


BASIC_AUTH_PASSWORD = key("SecurityCtrlr", "BasicAuthPassword")


def _basic_auth() -> list[VariableSpec]:
    """A01: the HTTP Basic password the CSMS may change (basic_auth.py). WriteOnly, so never read back; ""
    stands for the password the station was started with."""
    return [VariableSpec(BASIC_AUTH_PASSWORD, "string", "WriteOnly", "", max_limit=40)]


def _supported(name: str, values: tuple[str, ...]) -> VariableSpec:
    return VariableSpec(key("DisplayMessageCtrlr", name), "MemberList", "ReadOnly", ",".join(values), values=values)


def _reservation() -> list[VariableSpec]:
    """H01: reservations are offered, switched on, and may name no EVSE; the last two the CSMS may change."""
    return [
        _boolean(RESERVATION_AVAILABLE, True, mutability="ReadOnly"),
        _boolean(RESERVATION_ENABLED, True),
        _boolean(RESERVATION_NON_EVSE_SPECIFIC, True),
    ]


LOCAL_PRE_AUTHORIZE = key("AuthCtrlr", "LocalPreAuthorize")
LOCAL_AUTHORIZE_OFFLINE = key("AuthCtrlr", "LocalAuthorizeOffline")
LOCAL_LIST_ENABLED = key("LocalAuthListCtrlr", "Enabled")
LOCAL_LIST_ENTRIES = key("LocalAuthListCtrlr", "Entries")
LOCAL_LIST_STORAGE = key("LocalAuthListCtrlr", "Storage")
LOCAL_LIST_ITEMS_PER_MESSAGE = key("LocalAuthListCtrlr", "ItemsPerMessage")
LOCAL_LIST_BYTES_PER_MESSAGE = key("LocalAuthListCtrlr", "BytesPerMessage")
LOCAL_LIST_DISABLE_POST_AUTHORIZE = key("LocalAuthListCtrlr", "DisablePostAuthorize")
MAX_LOCAL_LIST_ENTRIES = 100
MAX_LOCAL_LIST_STORAGE = 64000


def _local_auth_list() -> list[VariableSpec]:
    """D01/D02, C13/C14: a local list of up to 100 idTokens, switched on by the CSMS (LA-1, LA-3)."""
    return [
        _boolean(key("LocalAuthListCtrlr", "Available"), True, mutability="ReadOnly"),
        _boolean(LOCAL_LIST_ENABLED, True),
        VariableSpec(
            LOCAL_LIST_ENTRIES, "integer", "ReadOnly", min_limit=0, max_limit=MAX_LOCAL_LIST_ENTRIES, dynamic=True
        ),
        VariableSpec(
            LOCAL_LIST_STORAGE, "integer", "ReadOnly", min_limit=0, max_limit=MAX_LOCAL_LIST_STORAGE, dynamic=True
        ),
        _integer(LOCAL_LIST_ITEMS_PER_MESSAGE, 50, 1, 50, mutability="ReadOnly"),
        _integer(LOCAL_LIST_BYTES_PER_MESSAGE, 65000, 1, 65000, mutability="ReadOnly"),
        _boolean(LOCAL_LIST_DISABLE_POST_AUTHORIZE, False),
    ]


AUTH_CACHE_ENABLED = key("AuthCacheCtrlr", "Enabled")
AUTH_CACHE_LIFETIME = key("AuthCacheCtrlr", "LifeTime")
AUTH_CACHE_STORAGE = key("AuthCacheCtrlr", "Storage")
AUTH_CACHE_DISABLE_POST_AUTHORIZE = key("AuthCacheCtrlr", "DisablePostAuthorize")


def _auth_cache() -> list[VariableSpec]:
    """C10-C12 (C-49, C-53, C-59): off until the CSMS switches it on, so offline behaviour elsewhere is unchanged."""
    return [
        _boolean(key("AuthCacheCtrlr", "Available"), True, mutability="ReadOnly"),
        _boolean(AUTH_CACHE_ENABLED, False),
        _integer(AUTH_CACHE_LIFETIME, 86400, 1, 31536000, unit="s"),
        VariableSpec(key("AuthCacheCtrlr", "Policy"), "OptionList", "ReadOnly", "LRU", values=("LRU",)),
        VariableSpec(AUTH_CACHE_STORAGE, "integer", "ReadOnly", min_limit=0, max_limit=64000, dynamic=True),
        _boolean(AUTH_CACHE_DISABLE_POST_AUTHORIZE, False),
    ]


MASTER_PASS_GROUP_ID = key("AuthCtrlr", "MasterPassGroupId")
OFFLINE_TX_FOR_UNKNOWN_ID = key("AuthCtrlr", "OfflineTxForUnknownIdEnabled")


def _master_pass() -> list[VariableSpec]:
    """C16 without a user interface (C-08): empty until the CSMS names the master pass group. C15 (C-02): off."""
    return [
        VariableSpec(MASTER_PASS_GROUP_ID, "string", "ReadWrite", "", max_limit=36),
        _boolean(OFFLINE_TX_FOR_UNKNOWN_ID, False),
    ]


ALLOW_NEW_SESSIONS_PENDING_FIRMWARE = key("ChargingStation", "AllowNewSessionsPendingFirmwareUpdate")


def _firmware() -> list[VariableSpec]:
    """L01.FR.07 (C-20): whether idle EVSEs take new sessions while an update waits for transactions to end."""
    return [_boolean(ALLOW_NEW_SESSIONS_PENDING_FIRMWARE, True)]


STATION_POWER = key("ChargingStation", "Power")
STATION_PROBLEM = key("ChargingStation", "Problem")
ACTIVE_MONITORING_BASE = key("MonitoringCtrlr", "ActiveMonitoringBase")
ACTIVE_MONITORING_LEVEL = key("MonitoringCtrlr", "ActiveMonitoringLevel")
OFFLINE_QUEUING_SEVERITY = key("MonitoringCtrlr", "OfflineQueuingSeverity")
MONITORING_BASES = ("All", "FactoryDefault", "HardWiredOnly")


def _monitoring(evse_count: int, rated_power_w: float) -> list[VariableSpec]:
    """N02-N07 (harness/virtual/monitoring.py): the controller's state and the station-level variables that
    the shipped and the Part 6 monitors watch (the hard-wired one is on Problem, true while a hardware fault
    raised through the control API lasts)."""
    return [
        _boolean(key("MonitoringCtrlr", "Available"), True, mutability="ReadOnly"),
        _boolean(key("MonitoringCtrlr", "Enabled"), True, mutability="ReadOnly"),
        VariableSpec(ACTIVE_MONITORING_BASE, "OptionList", "ReadOnly", values=MONITORING_BASES, dynamic=True),
        VariableSpec(ACTIVE_MONITORING_LEVEL, "integer", "ReadOnly", min_limit=0, max_limit=9, dynamic=True),
        _integer(OFFLINE_QUEUING_SEVERITY, 9, 0, 9),  # DM-3; 9: every event waits for the connection
        VariableSpec(STATION_POWER, "decimal", "ReadOnly", unit="W", min_limit=0.0,
                     max_limit=rated_power_w * evse_count, dynamic=True),
        _boolean(STATION_PROBLEM, False, mutability="ReadOnly"),
    ]  # fmt: skip


def _signed_meter_values() -> list[VariableSpec]:
    """J01.FR.21 / J02.FR.21 (C-42): the meter signs its readings on request (harness/virtual/meter_signing.py)."""
    return [
        _boolean(SAMPLED_SIGN_READINGS, False),
        _boolean(ALIGNED_SIGN_READINGS, False),
        VariableSpec(
            PUBLIC_KEY_WITH_SIGNED_METER_VALUE, "OptionList", "ReadWrite", "EveryMeterValue", values=PUBLIC_KEY_POLICIES
        ),
    ]


def plug_lock_problem(evse_id: int) -> VariableKey:
    """True while the cable in this EVSE's socket cannot be locked (G05, harness/virtual/plug_lock.py)."""
    return key("ConnectorPlugRetentionLock", "Problem", evse=evse_id, connector=1)


def _plug_retention_locks(evse_ids: list[int]) -> list[VariableSpec]:
    """G05: every socket has a retention lock whose Problem the station reports (TC_G_20_CS prerequisite)."""
    return [_boolean(plug_lock_problem(evse_id), False, mutability="ReadOnly") for evse_id in evse_ids]


MAX_ENERGY_ON_INVALID_ID = key("TxCtrlr", "MaxEnergyOnInvalidId")
DISABLE_REMOTE_AUTHORIZATION = key("AuthCtrlr", "DisableRemoteAuthorization")


def _invalid_id_handling() -> list[VariableSpec]:
    """C-03: energy still allowed after the CSMS deauthorizes a running transaction (0: none); C-58: the cache and
    the local list alone decide, no AuthorizeRequest."""
    return [
        _integer(MAX_ENERGY_ON_INVALID_ID, 0, 0, 1000000, unit="Wh"),
        _boolean(DISABLE_REMOTE_AUTHORIZATION, False),
    ]


def build_catalog(ident: StationIdentity, evse_ids: list[int], rated_power_w: float) -> list[VariableSpec]:
    """Every variable of a station with the given identity and EVSEs (one connector each)."""
    return (
        _communication()
        + _authorization()
        + _transactions()
        + _metering()
        + _device_data()
        + _smart_charging()
        + _security(ident)
        + _topology(ident, evse_ids, rated_power_w)
        + _reservation()
        # >>> RESERVATION (block H): add above this line
        # >>> SMART CHARGING (block K): add above this line
        + _certificates()
        + _certificate_signing()
        # >>> CERTIFICATES (block M): add above this line
        # >>> REMOTE CONTROL (blocks F, P): add above this line
        + _local_auth_list()
        + _auth_cache()
        + _master_pass()
        + _invalid_id_handling()
        # >>> AUTHORIZATION (blocks C, D): add above this line
        + _signed_meter_values()
        + _plug_retention_locks(evse_ids)
        # >>> TRANSACTIONS (blocks E, G, J): add above this line
        + _firmware()
        + _monitoring(len(evse_ids), rated_power_w)
        # >>> FIRMWARE AND DIAGNOSTICS (blocks L, N): add above this line
        + _display()
        + _provisioning_extras()
        + _basic_auth()
        # >>> PROVISIONING AND DISPLAY (blocks B, O): add above this line
    )
