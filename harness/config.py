"""Lab, DUT and certification-profile files: pydantic models and the one place that loads and validates them.

Every problem in a file becomes a ConfigError whose message is one line naming the file, the field and the problem.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from harness.paths import CERTIFICATION_DIR, display

OcppSubprotocol = Literal["ocpp2.0.1", "ocpp2.1"]
PositiveSeconds = Annotated[float, Field(gt=0, le=3600)]


class ConfigError(Exception):
    """An invalid lab, DUT or profile file; str() is the one-line message for the user."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------- lab


class CsmsAuthority(_Strict):
    """The CSMS root CA a real charger trusts; the harness issues each run's server certificates from it."""

    certificate: str = Field(description="PEM of the CSMS root CA (relative to the lab file)")
    key: str = Field(description="its private key, PEM, unencrypted; keep it out of version control")


class CsmsEndpoint(_Strict):
    bind_host: str = "127.0.0.1"
    port: int = Field(0, ge=0, le=65535, description="0 picks a free port (virtual lab only)")
    path_prefix: str = Field("/ocpp", pattern=r"^/[A-Za-z0-9._~/-]*$")
    public_host: str | None = Field(None, description="host name or address the charger dials, when not bind_host")
    client_certificate_port: int = Field(
        0, ge=0, le=65535,
        description="port of the security profile 3 endpoint a profile-2 charger is raised to (A05); 0: a free one",
    )  # fmt: skip
    authority: CsmsAuthority | None = Field(
        None, description="security profiles 2/3 on a real bench: the CSMS root CA the charger trusts"
    )
    file_transfer: Literal["auto", "http", "https"] = Field(
        "auto",
        description="scheme of the file server for firmware images and log uploads; auto: https when the CSMS "
        "serves TLS (security profile 2/3: the charger trusts its root already), else http",
    )


class LabTiming(_Strict):
    """Timeouts and tolerances of the lab, as the official test tool configures them."""

    message_timeout_s: PositiveSeconds = Field(10, description="how long the station has to answer a CALL")
    absence_window_s: PositiveSeconds | None = Field(
        None,
        description="how long the harness watches for a message that must not come (default: message_timeout_s); "
        "a virtual lab whose station reacts within milliseconds may shorten it",
    )
    boot_timeout_s: PositiveSeconds = Field(30, description="from power-up or reset to the BootNotification")
    time_tolerance_s: PositiveSeconds = Field(4, description="tolerance on every checked interval")
    clock_slack_s: float = Field(
        0.5, ge=0, le=10, description="slack on intervals the station times itself (aligned timestamps, retries)"
    )
    operator_timeout_s: PositiveSeconds = Field(300, description="how long a manual action may take")
    manual_action_pause_s: float = Field(
        0.3, ge=0, le=60, description="pause before each automated manual action: a person is never instantaneous"
    )

    @property
    def absence_s(self) -> float:
        """The window of every "the station must not send X" check."""
        return self.message_timeout_s if self.absence_window_s is None else self.absence_window_s


class VirtualStationSetup(_Strict):
    control_host: Literal["127.0.0.1", "::1"] = "127.0.0.1"
    startup_timeout_s: PositiveSeconds = 20


InstrumentRole = Literal["grid", "analyser", "dc_source", "ev_emulator", "can"]
VIRTUAL_RESOURCE = "virtual"


class InstrumentEntry(_Strict):
    """One instrument of the bench: which driver, where it is, and driver-specific options."""

    driver: str = Field(description="a built-in driver name or one from the harness.instruments entry points")
    resource: str = Field(
        description="VISA resource (TCPIP::host::5025::SOCKET), CAN resource (socketcand:can0@host:port), "
        "or 'virtual' in a virtual lab"
    )
    timeout_s: PositiveSeconds = 2.0
    backend: str = Field("@py", description="pyvisa backend; @py (pyvisa-py) needs no vendor VISA")
    accuracy_pct: float | None = Field(None, gt=0, le=10, description="an analyser's power accuracy, % of reading")
    options: dict[str, Any] = Field(default_factory=dict, description="driver-specific settings")


class Envelope(_Strict):
    """The bench's safety envelope: every setpoint is checked against it before anything is sent."""

    voltage_v: tuple[float, float] = Field(description="AC RMS line-to-neutral [min, max]")
    frequency_hz: tuple[float, float]
    current_a: float = Field(gt=0)
    power_w: float = Field(gt=0)
    voltage_slew_v_per_s: float = Field(gt=0)
    frequency_slew_hz_per_s: float = Field(gt=0)
    dc_voltage_v: float = Field(0, ge=0)
    dc_current_a: float = Field(0, ge=0)
    nominal_voltage_v: float = Field(230, gt=0)
    nominal_frequency_hz: float = Field(50, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Envelope:
        for name in ("voltage_v", "frequency_hz"):
            low, high = getattr(self, name)
            if not 0 <= low < high:
                raise ValueError(f"{name}: must be [min, max] with 0 <= min < max")
        if not self.voltage_v[0] <= self.nominal_voltage_v <= self.voltage_v[1]:
            raise ValueError("nominal_voltage_v: must lie inside voltage_v (the safe state ramps to it)")
        if not self.frequency_hz[0] <= self.nominal_frequency_hz <= self.frequency_hz[1]:
            raise ValueError("nominal_frequency_hz: must lie inside frequency_hz (the safe state ramps to it)")
        return self


class Iso15118Link(_Strict):
    """How the EV role reaches the charger's SECC on this bench."""

    interface: str = Field(description="the EV side's network interface: the PLC modem's, a veth end, or lo")
    sdp_unicast: str | None = Field(
        None,
        pattern=r"^\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}$",
        description="send SDP to this [address]:port instead of the multicast group (a virtual lab on lo)",
    )


class Lab(_Strict):
    name: str
    kind: Literal["virtual", "real"]
    default_dut: str | None = Field(None, description="DUT profile used when none is given, relative to the lab file")
    csms: CsmsEndpoint = Field(default_factory=CsmsEndpoint)
    timing: LabTiming = Field(default_factory=LabTiming)
    virtual_station: VirtualStationSetup | None = None
    instruments: dict[InstrumentRole, InstrumentEntry] = Field(default_factory=dict)
    envelope: Envelope | None = None
    iso15118: Iso15118Link | None = Field(None, description="the EV role's link to the SECC (ISO 15118-20 cases)")

    @model_validator(mode="after")
    def _virtual_needs_station(self) -> Lab:
        if self.kind == "virtual" and self.virtual_station is None:
            raise ValueError("virtual_station: a virtual lab needs a virtual_station section")
        if self.kind == "real" and self.csms.port == 0:
            raise ValueError("csms.port: a real lab needs a fixed port the charger is configured with")
        return self

    @model_validator(mode="after")
    def _instruments(self) -> Lab:
        from instruments.registry import known_drivers

        drivers = known_drivers()
        for role, entry in self.instruments.items():
            if entry.driver not in drivers:
                raise ValueError(f"instruments.{role}.driver: unknown driver {entry.driver!r}")
            declared = drivers[entry.driver]
            if declared is not None and declared != role:
                raise ValueError(f"instruments.{role}.driver: {entry.driver!r} is a {declared} driver")
            virtual = entry.resource == VIRTUAL_RESOURCE
            # A virtual lab must never reach real hardware (CI runs it), and a real lab has no virtual bench.
            if self.kind == "virtual" and not virtual:
                raise ValueError(f"instruments.{role}.resource: a virtual lab only takes 'virtual' instruments")
            if self.kind == "real" and virtual:
                raise ValueError(f"instruments.{role}.resource: 'virtual' needs a virtual lab")
            if role == "analyser" and entry.accuracy_pct is None:
                raise ValueError("instruments.analyser.accuracy_pct: a reference needs its stated accuracy")
        if self.instruments and self.envelope is None:
            raise ValueError("envelope: a lab with instruments needs a safety envelope")
        return self


# ---------------------------------------------------------------- DUT


class Identity(_Strict):
    vendor: str
    model: str
    serial: str
    firmware: str


def _default_versions() -> list[OcppSubprotocol]:
    return ["ocpp2.0.1"]


class OcppConnection(_Strict):
    station_identity: str = Field(pattern=r"^[A-Za-z0-9*\-_=:+|@.]{1,48}$")
    security_profile: Literal[1, 2, 3] = 1
    password: str | None = None
    versions: list[OcppSubprotocol] = Field(default_factory=_default_versions, min_length=1)
    preferred_version: OcppSubprotocol = "ocpp2.0.1"
    message_timeout_s: int | None = Field(
        None, ge=1, le=300,
        description="OCPPCommCtrlr.MessageTimeout (Default) as the station ships; a virtual station starts with it",
    )  # fmt: skip

    @model_validator(mode="after")
    def _check(self) -> OcppConnection:
        if self.security_profile in (1, 2):
            if self.password is None:
                raise ValueError(f"password: security profile {self.security_profile} needs the HTTP Basic password")
            if not 16 <= len(self.password.encode()) <= 40:
                raise ValueError("password: must be 16 to 40 bytes long (OCPP security profiles 1 and 2)")
        if self.preferred_version not in self.versions:
            raise ValueError("preferred_version: must be one of versions")
        return self


class Connector(_Strict):
    id: int = Field(ge=1)
    type: str = "cType2"


class Evse(_Strict):
    id: int = Field(ge=1)
    connectors: list[Connector] = Field(min_length=1)

    @field_validator("connectors")
    @classmethod
    def _consecutive(cls, connectors: list[Connector]) -> list[Connector]:
        if [c.id for c in connectors] != list(range(1, len(connectors) + 1)):
            raise ValueError("connector ids must be 1, 2, … in order")
        return connectors


class IdTokenSpec(_Strict):
    id_token: str = Field(min_length=1, max_length=36)
    type: str = "ISO14443"

    def as_ocpp(self) -> dict[str, str]:
        return {"idToken": self.id_token, "type": self.type}


class TestConfiguration(_Strict):
    """What the official tool calls its SUT configuration: tokens, intervals, how states are reached."""

    evse_id: int = Field(1, ge=1, description="the EVSE used by single-EVSE test cases")
    connector_id: int = Field(1, ge=1)
    heartbeat_interval_s: int = Field(30, ge=1, description="interval the harness sends in BootNotificationResponse")
    boot_retry_interval_s: int = Field(5, ge=1, description="interval sent with Pending/Rejected boot responses")
    transaction_duration_s: float = Field(2, ge=0, description="how long a transaction runs before it is stopped")
    valid_id_token: IdTokenSpec
    invalid_id_token: IdTokenSpec
    blocked_id_token: IdTokenSpec
    expired_id_token: IdTokenSpec
    second_valid_id_token: IdTokenSpec | None = Field(
        None, description="another valid idToken (the reservation cases' valid_idtoken2); the CSMS accepts it"
    )
    group_id_token: IdTokenSpec | None = Field(
        None, description="groupIdToken the CSMS gives both valid idTokens in the reservation group cases"
    )
    master_pass_id_token: IdTokenSpec | None = Field(
        None, description="an idToken the CSMS puts in the MasterPassGroupId group (C16 master pass cases)"
    )
    master_pass_group_id: str | None = Field(
        None, max_length=36, description="AuthCtrlr.MasterPassGroupId the master pass cases configure"
    )
    reservation_expiry_s: int = Field(60, ge=1, le=3600, description="expiry of the reservation TC_H_07_CS waits out")
    authorization: Literal["local", "remote"] = Field("local", description="default way to reach state Authorized")
    stop_authorization: Literal["local", "remote"] = "remote"
    tx_start_point: list[str] = Field(default_factory=lambda: ["PowerPathClosed"], min_length=1)
    tx_stop_point: list[str] = Field(default_factory=lambda: ["EVConnected", "Authorized"], min_length=1)
    sampled_interval_s: int = Field(2, ge=1, description="TxUpdatedInterval set by meter-value test cases")
    aligned_interval_s: int = Field(2, ge=1, description="AlignedDataCtrlr.Interval set by clock-aligned test cases")
    ev_connection_timeout_s: int = Field(5, ge=1, description="TxCtrlr.EVConnectionTimeOut set by timeout cases")
    meter_accuracy_pct: float = Field(
        1.0, gt=0, le=10, description="accuracy class of the station's own meter (MID class B: 1 %)"
    )
    measured_charging_s: float = Field(20, ge=1, le=3600, description="how long measured test cases let energy flow")
    display_message_states: list[Literal["Charging", "Faulted", "Idle", "Unavailable"]] = Field(
        ["Charging", "Faulted", "Idle", "Unavailable"], min_length=1,
        description="message states SetDisplayMessage accepts (O01); a state left out is the one TC_O_18_CS sends",
    )  # fmt: skip
    unsupported_component_criterion: Literal["Active", "Available", "Enabled", "Problem"] | None = Field(
        None, description="a componentCriteria value GetReport does not support (B08), sent by TC_B_19_CS"
    )
    cert_signing_wait_minimum_s: int = Field(
        10, ge=1, le=600, description="SecurityCtrlr.CertSigningWaitMinimum the CSR resend case sets (TC_A_23_CS)"
    )
    preconfigured_monitor_id: int | None = Field(
        None, ge=0, description="id of the preconfigured Delta monitor on the EVSE's AvailabilityState (TC_N_41_CS)"
    )
    preconfigured_monitor_severity: int | None = Field(
        None, ge=0, le=8, description="its factory severity; TC_N_41_CS overrules it with one more"
    )
    customer_identifier: str | None = Field(
        None, min_length=1, max_length=64,
        description="a customerIdentifier the operator stores at the station before TC_N_62_CS clears its data",
    )  # fmt: skip
    no_data_log_type: Literal["DiagnosticsLog", "SecurityLog"] = Field(
        "SecurityLog", description="the log TC_N_34_CS has the operator erase and then asks for (GetLog Rejected)"
    )


EnergyServiceName = Literal["AC", "DC", "AC_BPT", "DC_BPT"]
ControlModeName = Literal["Scheduled", "Dynamic"]
IdentificationMode = Literal["EIM", "PnC"]


class Iso15118Pixit(_Strict):
    """ISO 15118-20 timer values (PIXIT) of the charger; -20 defaults unless the lab measured others.

    A virtual station may declare shortened long timers (the general sequence timeout, the EV's Ongoing,
    CableCheck and PreCharge timeouts) so CI does not wait a minute; the charge-loop timers stay as -20 has them.
    """

    sequence_timeout_s: PositiveSeconds = Field(60, description="V2G_SECC_Sequence_Timeout, general")
    charge_loop_sequence_timeout_s: PositiveSeconds = Field(
        0.5, description="V2G_SECC_Sequence_Timeout after a ChargeLoopRes"
    )
    ongoing_timeout_s: PositiveSeconds = Field(60, description="V2G_EVCC_Ongoing_Timeout")
    cable_check_timeout_s: PositiveSeconds = Field(40, description="V2G_EVCC_CableCheck_Timeout")
    pre_charge_timeout_s: PositiveSeconds = Field(10, description="V2G_EVCC_PreCharge_Timeout")
    performance_times_s: dict[str, PositiveSeconds] = Field(
        default_factory=dict, description="V2G_SECC_Msg_Performance_Time per message where it differs from -20"
    )
    timing_tolerance_s: float = Field(0.05, ge=0, le=2, description="slack on measured response times")
    close_tolerance_s: float = Field(
        0.5, ge=0, le=30, description="how long after its sequence timeout the charger may take to close"
    )


def _eim_only() -> list[IdentificationMode]:
    return ["EIM"]


class Iso15118Pics(_Strict):
    """What the charger declares for ISO 15118-20 (PICS): services, control modes, identification, TLS."""

    energy_services: list[EnergyServiceName] = Field(min_length=1)
    control_modes: list[ControlModeName] = Field(min_length=1)
    identification: list[IdentificationMode] = Field(default_factory=_eim_only, min_length=1)
    tls: Literal["none", "optional", "required"] = "none"
    v2g_root: str | None = Field(
        None,
        description="PEM file (or folder) of the V2G root CA the charger's TLS certificate chains to, relative to "
        "the DUT profile; needed for TLS unless the lab is virtual (its station makes a PKI per run)",
    )
    evse_id: str | None = Field(None, description="the EVSEID the charger must announce, when known")
    session_resume: bool = Field(True, description="a paused session can be joined again (OK_OldSessionJoined)")
    dynamic_discharge: Literal["ev_energy_request", "none"] = Field(
        "none",
        description="what makes the charger discharge in Dynamic BPT: the EV offering energy (a negative target "
        "energy request), or nothing this harness can trigger yet",
    )
    pixit: Iso15118Pixit = Field(default_factory=Iso15118Pixit)


CertificationProfileName = Literal[
    "core", "advanced_security", "local_auth_list", "smart_charging", "advanced_device_management",
    "advanced_user_interface", "reservation", "iso15118",
]  # fmt: skip


def _core_only() -> list[CertificationProfileName]:
    return ["core"]


class OcppCertification(_Strict):
    """What the charger claims for OCPP 2.0.1 certification (Part 5): its profiles and optional features."""

    profiles: list[CertificationProfileName] = Field(
        default_factory=_core_only, min_length=1, description="certification profiles claimed; Core is implied"
    )
    features: list[str] = Field(
        default_factory=list,
        description="Part 5 ids the charger supports or answers yes to: optional features (C-03, R-2), PICS "
        "questions (AQ-2), hardware features (HFS-1)",
    )
    answers: dict[str, bool] = Field(
        default_factory=dict,
        description="Part 5 conditions the harness cannot read as an expression, answered by their exact text "
        "as harness/ocpp/v201/part6_cs.yaml writes them",
    )

    @model_validator(mode="after")
    def _core(self) -> OcppCertification:
        if "core" not in self.profiles:
            raise ValueError("profiles: every certification includes core")
        return self


class Dut(_Strict):
    name: str
    identity: Identity
    ocpp: OcppConnection
    certification: OcppCertification = Field(default_factory=OcppCertification)
    evses: list[Evse] = Field(min_length=1)
    capabilities: list[str] = Field(default_factory=list)
    test_configuration: TestConfiguration
    iso15118: Iso15118Pics | None = Field(None, description="ISO 15118-20 PICS and PIXIT; absent: no -20 support")

    @model_validator(mode="after")
    def _topology(self) -> Dut:
        if [e.id for e in self.evses] != list(range(1, len(self.evses) + 1)):
            raise ValueError("evses: EVSE ids must be 1, 2, … in order")
        tc = self.test_configuration
        if tc.evse_id > len(self.evses):
            raise ValueError(f"test_configuration.evse_id: EVSE {tc.evse_id} is not in evses")
        if tc.connector_id > len(self.evses[tc.evse_id - 1].connectors):
            raise ValueError(f"test_configuration.connector_id: connector {tc.connector_id} is not on that EVSE")
        unknown = set(self.capabilities) - set(KNOWN_CAPABILITIES)
        if unknown:
            raise ValueError(f"capabilities: unknown capability {sorted(unknown)[0]!r}")
        return self


KNOWN_CAPABILITIES: dict[str, str] = {
    "local_authorization": "an idToken reader on the station (C01)",
    "remote_start_stop": "RequestStart/StopTransaction (F01-F03)",
    "reset": "Reset of the whole station (B11, B12)",
    "availability": "ChangeAvailability (G03, G04)",
    "trigger_message": "TriggerMessage (F06)",
    "sampled_meter_values": "SampledDataCtrlr meter values (J02)",
    "aligned_meter_values": "AlignedDataCtrlr clock-aligned meter values (J01)",
    "base_report": "GetBaseReport / NotifyReport (B07)",
    "smart_charging": "SetChargingProfile / ClearChargingProfile limits applied to the power (K01, K10)",
    "reservation": "ReserveNow and CancelReservation (H01-H04); without evseId only with Part 5 feature R-2",
    # >>> RESERVATION (block H): add above this line
    # >>> SMART CHARGING (block K): add above this line
    "certificate_management": "install, list and delete CSMS and manufacturer root certificates (M03-M05)",
    "iso15118_certificates": "V2G/MO roots, the V2G certificate chain, its renewal and OCSP status (M03-M06)",
    # >>> CERTIFICATES (block M): add above this line
    # >>> REMOTE CONTROL (blocks F, P): add above this line
    # >>> AUTHORIZATION (blocks C, D): add above this line
    # >>> TRANSACTIONS (blocks E, G, J): add above this line
    # >>> FIRMWARE AND DIAGNOSTICS (blocks L, N): add above this line
    # >>> PROVISIONING AND DISPLAY (blocks B, O): add above this line
}


# ---------------------------------------------------------------- certification profile


class CertificationProfile(_Strict):
    name: str
    description: str = ""
    include: list[str] = Field(min_length=1, description="glob patterns on test-case IDs, e.g. TC_B_*")
    exclude: list[str] = Field(default_factory=list)

    def selects(self, case_id: str) -> bool:
        hit = any(fnmatch.fnmatchcase(case_id, p) for p in self.include)
        return hit and not any(fnmatch.fnmatchcase(case_id, p) for p in self.exclude)


# ---------------------------------------------------------------- loading

M = TypeVar("M", bound=BaseModel)


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise ConfigError(f"{display(path)}: file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{display(path)}: {where}YAML syntax error: {problem}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{display(path)}: not UTF-8 text") from None


def _first_error(path: Path, error: ValidationError) -> ConfigError:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "(top level)"
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required but missing"
    elif "input" in first and first["type"] not in ("value_error",) and not isinstance(first["input"], (dict, list)):
        message = f"{message} (got {first['input']!r})"
    nested = re.match(r"^([A-Za-z_][\w.]*): (.*)$", message) if first["type"] == "value_error" else None
    if nested is not None:  # a model validator names the field inside its message: fold it into the path
        inner, message = nested.groups()
        field = inner if field == "(top level)" else f"{field}.{inner}"
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return ConfigError(f"{display(path)}: {field}: {message}{suffix}")


def load_model(model: type[M], path: Path) -> M:
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{display(path)}: expected a mapping of keys at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _first_error(path, exc) from None


def load_lab(path: Path) -> Lab:
    return load_model(Lab, path)


def load_dut(path: Path) -> Dut:
    return load_model(Dut, path)


def load_profile(path: Path) -> CertificationProfile:
    return load_model(CertificationProfile, path)


def resolve_profile_path(name_or_file: str) -> Path:
    """A profile given by name (`core`) lives in profiles/certification/; anything with a suffix is a path."""
    candidate = Path(name_or_file)
    if candidate.suffix in (".yaml", ".yml") or candidate.parent != Path("."):
        return candidate
    return CERTIFICATION_DIR / f"{name_or_file}.yaml"


def resolve_default_dut(lab: Lab, lab_path: Path) -> Path:
    if lab.default_dut is None:
        raise ConfigError(f"{display(lab_path)}: default_dut: no DUT profile given and the lab names no default")
    return (lab_path.parent / lab.default_dut).resolve()


def all_profiles() -> list[CertificationProfile]:
    return [load_profile(p) for p in sorted(CERTIFICATION_DIR.glob("*.yaml"))]


SCHEMAS: dict[str, type[BaseModel]] = {"lab": Lab, "dut": Dut, "profile": CertificationProfile}
