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
    Fault(ANALYSER_STALE_READING, "the virtual power analyser keeps answering its first reading", lab=True),
    Fault(ANALYSER_SCPI_ERROR, "the virtual analyser queues -222 'Data out of range' after each command", lab=True),
    Fault(ANALYSER_DROPS_SOCKET, "the virtual power analyser closes every connection after its 20th query", lab=True),
    Fault(ANALYSER_SLOW_RESPONSE, "the virtual power analyser answers each query after 5 s", lab=True),
    Fault(GRID_SCPI_ERROR, "the virtual grid simulator rejects every frequency setting with -221", lab=True),
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
