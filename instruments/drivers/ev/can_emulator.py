"""A generic EV emulator driven over CAN: the `EvEmulator` capability mapped onto DBC signals named in the lab file.

    instruments:
      ev_emulator:
        driver: can-ev-emulator
        resource: socketcand:can0@192.168.10.7:29536
        options:
          dbc: lab_setup/can/ev_emulator.dbc
          signals: {plug: EVEMU_Command.PlugConnect, cp_state: EVEMU_Command.CpStateRequest, ...}

The driver owns the command message(s): it keeps the last commanded value of every signal and sends the whole
message each time; until commanded, plug is out, CP is A and the DC voltage 0 V (the safe values).
Status reads discard the frames already waiting and take the next one (bounded by the timeout). With
`counter`/`counter_echo` mapped, each command also waits for a status echoing its counter (the role of SCPI
`*OPC?`), so every reading taken afterwards reflects the command.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from cantools.database.can import Database, Signal

from instruments.can_bus import PythonCanBus, load_dbc, open_bus, parse_can_resource
from instruments.capabilities import CpState, Identity
from instruments.errors import InstrumentError, InstrumentTimeout, InstrumentUnreachable
from instruments.registry import DriverSpec

CP_STATES: tuple[CpState, ...] = get_args(CpState)
COMMAND_KEYS = ("plug", "cp_state", "dc_voltage")
STATUS_KEYS = ("cp_state_actual", "pwm_duty", "pwm_frequency")
OPTIONAL_COMMAND_KEYS = ("counter",)
OPTIONAL_STATUS_KEYS = ("counter_echo", "firmware")
MANUFACTURER = "CAN EV emulator"


@dataclass(frozen=True)
class SignalRef:
    """One capability mapped onto `Message.Signal` of the DBC."""

    key: str
    message: str
    signal: Signal


@dataclass(frozen=True)
class SignalMap:
    """The lab file's `signals` option, checked against the DBC."""

    refs: dict[str, SignalRef]

    def __getitem__(self, key: str) -> SignalRef:
        return self.refs[key]

    def get(self, key: str) -> SignalRef | None:
        return self.refs.get(key)

    def messages(self, keys: tuple[str, ...]) -> list[str]:
        """The distinct messages carrying `keys` (those mapped), in order."""
        return list(dict.fromkeys(self.refs[k].message for k in keys if k in self.refs))

    @classmethod
    def build(cls, mapping: Any, database: Database, label: str) -> SignalMap:
        """Check every entry against the DBC; all problems go into one InstrumentError."""
        if not isinstance(mapping, Mapping) or not mapping:
            raise InstrumentError(f"{label}: options.signals must map capability names to 'Message.Signal'")
        problems: list[str] = []
        refs: dict[str, SignalRef] = {}
        known = COMMAND_KEYS + STATUS_KEYS + OPTIONAL_COMMAND_KEYS + OPTIONAL_STATUS_KEYS
        problems += [f"{key}: missing" for key in COMMAND_KEYS + STATUS_KEYS if key not in mapping]
        for key, target in mapping.items():
            if key not in known:
                problems.append(f"{key}: not a capability signal (known: {', '.join(known)})")
                continue
            ref = _resolve(str(key), target, database)
            if isinstance(ref, str):
                problems.append(ref)
            else:
                refs[str(key)] = ref
        if ("counter" in mapping) != ("counter_echo" in mapping):
            problems.append("counter and counter_echo: map both or neither")
        status_messages = {refs[k].message for k in STATUS_KEYS + OPTIONAL_STATUS_KEYS if k in refs}
        command_messages = {refs[k].message for k in COMMAND_KEYS + OPTIONAL_COMMAND_KEYS if k in refs}
        if status_messages & command_messages:
            problems.append(f"{', '.join(sorted(status_messages & command_messages))}: both command and status")
        for key in ("cp_state", "cp_state_actual"):
            choices = refs[key].signal.choices if key in refs else None
            if choices is not None:
                names = {str(name).upper() for name in choices.values()}
                missing = [state for state in CP_STATES if state not in names]
                if missing:
                    problems.append(f"{key}: the value table of {refs[key].signal.name} lacks {', '.join(missing)}")
        if problems:
            raise InstrumentError(f"{label}: options.signals does not match the DBC: " + "; ".join(problems))
        return cls(refs)


def _resolve(key: str, target: Any, database: Database) -> SignalRef | str:
    message_name, dot, signal_name = str(target).partition(".")
    if not isinstance(target, str) or not dot or not message_name or not signal_name:
        return f"{key}: {target!r} is not 'Message.Signal'"
    try:
        message = database.get_message_by_name(message_name)
    except KeyError:
        return f"{key}: no message {message_name!r} in the DBC"
    try:
        signal = message.get_signal_by_name(signal_name)
    except KeyError:
        return f"{key}: message {message_name} has no signal {signal_name!r}"
    return SignalRef(key, message_name, signal)


class CanEvEmulator:
    """`EvEmulator` over CAN: commands are DBC signals, readings come from the emulator's status frames."""

    def __init__(self, name: str, bus: PythonCanBus, signals: SignalMap, dbc_path: Path, timeout_s: float) -> None:
        self.name = name
        self.bus = bus
        self.signals = signals
        self.dbc_path = dbc_path
        self.timeout_s = timeout_s
        self._commanded: dict[str, dict[str, float]] = {
            message: self._initial_values(message) for message in signals.messages(COMMAND_KEYS + OPTIONAL_COMMAND_KEYS)
        }
        self._counter: int | None = None  # the last counter sent (or echoed when we connected)

    # ------------------------------------------------------------ Instrument

    def identify(self) -> Identity:
        firmware = ""
        if self.signals.get("firmware") is not None:
            firmware = f"{self._read_status(('firmware',))['firmware']:g}"
        return Identity(MANUFACTURER, f"DBC {self.dbc_path.name}", "", firmware)

    def safe_state(self) -> None:
        """CP state A (no EV on the pilot), then the plug out; both are tried even if the first fails."""
        failures: list[InstrumentError] = []
        try:
            self.set_cp_state("A")
        except InstrumentError as exc:
            failures.append(exc)
        try:
            self.set_plugged(False)
        except InstrumentError as exc:
            failures.append(exc)
        if failures:
            raise failures[0]

    def close(self) -> None:
        self.bus.close()

    # ------------------------------------------------------------ commands

    def set_plugged(self, plugged: bool) -> None:
        self._command({"plug": 1.0 if plugged else 0.0})

    def set_cp_state(self, state: CpState) -> None:
        if state not in CP_STATES:
            raise InstrumentError(f"{self.name}: {state!r} is not a control-pilot state (A to F)")
        self._command({"cp_state": self._cp_to_raw("cp_state", state)})

    def set_dc_voltage(self, volts: float) -> None:
        self._command({"dc_voltage": float(volts)})

    # ------------------------------------------------------------ readings

    def cp_state(self) -> CpState:
        return self._raw_to_cp(self._read_status(("cp_state_actual",))["cp_state_actual"])

    def pwm(self) -> tuple[float, float]:
        values = self._read_status(("pwm_duty", "pwm_frequency"))
        return values["pwm_duty"], values["pwm_frequency"]

    # ------------------------------------------------------------ the wire

    def wait_for_status(self) -> None:
        """Wait for one status frame (InstrumentTimeout if none comes); learns the counter the emulator echoes."""
        echo = self.signals.get("counter_echo")
        keys = ("cp_state_actual",) if echo is None else ("cp_state_actual", "counter_echo")
        values = self._read_status(keys)
        if echo is not None and self._counter is None:
            self._counter = int(values["counter_echo"])

    def _initial_values(self, message: str) -> dict[str, float]:
        """Every signal of a command message starts at 0 (or its minimum when 0 is out of range)."""
        definition = self.bus.message(message)
        return {signal.name: _start_value(signal) for signal in definition.signals}

    def _command(self, changes: dict[str, float]) -> None:
        """Update the kept values and send every command message they touch, whole."""
        touched = list(dict.fromkeys(self.signals[key].message for key in changes))
        pending = {message: dict(self._commanded[message]) for message in touched}
        for key, value in changes.items():
            ref = self.signals[key]
            pending[ref.message][ref.signal.name] = value
        counter = self.signals.get("counter")
        for message, values in pending.items():
            counted = counter.signal if counter is not None and counter.message == message else None
            if counted is not None:
                values[counted.name] = float(self._next_counter(counted))
            frame = self.bus.encode(message, values)  # range errors surface here, before anything is sent
            self.bus.drain()  # whatever arrived before this command is stale
            self.bus.send(frame)
            self._commanded[message] = values
            if counted is not None:
                self._counter = int(values[counted.name])
                self._await_echo(time.monotonic() + self.timeout_s)

    def _next_counter(self, signal: Signal) -> int:
        return 0 if self._counter is None else (self._counter + 1) % (1 << signal.length)

    def _await_echo(self, deadline: float) -> None:
        """The acknowledgement: a status frame echoing our counter. Frames after it reflect the command."""
        echo = self.signals["counter_echo"]
        while True:
            decoded = self._next_frame(echo.message, deadline, f" echoing counter {self._counter}")
            if int(decoded[echo.signal.name]) == self._counter:
                return

    def _read_status(self, keys: tuple[str, ...]) -> dict[str, float]:
        """Wait (bounded) for the next frame of each status message carrying `keys`, discarding older ones."""
        deadline = time.monotonic() + self.timeout_s
        self.bus.drain()
        values: dict[str, float] = {}
        for message in self.signals.messages(keys):
            decoded = self._next_frame(message, deadline)
            for key in keys:
                ref = self.signals[key]
                if ref.message == message:
                    values[key] = decoded[ref.signal.name]
        return values

    def _next_frame(self, message: str, deadline: float, what: str = "") -> dict[str, float]:
        remaining = deadline - time.monotonic()
        decoded = self.bus.receive_message(message, remaining) if remaining > 0 else None
        if decoded is None:
            raise InstrumentTimeout(f"{self.name}: no {message} frame{what} within {self.timeout_s:g} s")
        return decoded

    def _cp_to_raw(self, key: str, state: CpState) -> float:
        choices = self.signals[key].signal.choices
        if choices is None:
            return float(CP_STATES.index(state))
        return float(next(raw for raw, label in choices.items() if str(label).upper() == state))

    def _raw_to_cp(self, raw: float) -> CpState:
        choices = self.signals["cp_state_actual"].signal.choices
        label = str(choices.get(int(raw), "")) if choices is not None else _index_label(int(raw))
        state = label.upper()
        for known in CP_STATES:
            if state == known:
                return known
        raise InstrumentError(f"{self.name}: the emulator reports control-pilot value {raw:g}, not a state A to F")


def _index_label(raw: int) -> str:
    return CP_STATES[raw] if 0 <= raw < len(CP_STATES) else ""


def _start_value(signal: Signal) -> float:
    low = signal.minimum if signal.minimum is not None else 0.0
    high = signal.maximum if signal.maximum is not None else 0.0
    return float(low) if not low <= 0.0 <= high else 0.0


def open_driver(spec: DriverSpec) -> CanEvEmulator:
    """Registry factory for "can-ev-emulator": checks the signal map against the DBC, opens the bus, and waits
    for one status frame so a silent emulator fails here rather than in the first test step."""
    dbc = spec.options.get("dbc")
    if not dbc:
        raise InstrumentError(f"{spec.label}: options.dbc (the emulator's DBC file) is required")
    dbc_path = Path(str(dbc))
    database = load_dbc(dbc_path)
    signals = SignalMap.build(spec.options.get("signals"), database, spec.label)
    resource = parse_can_resource(spec.resource)
    raw_bus = open_bus(resource, name=spec.label, timeout_s=spec.timeout_s)
    bus = PythonCanBus(spec.label, raw_bus, database=database, journal=spec.journal, timeout_s=spec.timeout_s)
    emulator = CanEvEmulator(spec.label, bus, signals, dbc_path, spec.timeout_s)
    try:
        emulator.wait_for_status()
    except InstrumentError as exc:
        with contextlib.suppress(Exception):
            bus.close()
        raise InstrumentUnreachable(f"{spec.label}: the EV emulator on {resource} is silent: {exc}") from None
    return emulator
