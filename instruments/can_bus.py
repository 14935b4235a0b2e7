"""The `CanBus` capability over python-can, with an optional DBC (cantools) for named messages and signals.

Resource strings name a python-can interface and channel: `socketcan:can0`, `virtual:bench`, `pcan:PCAN_USBBUS1`,
or, for a CAN bus served over TCP by socketcand, `socketcand:<channel>@<host>:<port>`.
Every frame sent or received goes to the journal as `<ID hex> <data hex>`, so evidence holds the whole conversation.
"""

from __future__ import annotations

import contextlib
import math
import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import can
import cantools
from cantools.database.can import Database, Message

from instruments.capabilities import CanFrame
from instruments.errors import InstrumentError, InstrumentTimeout, InstrumentUnreachable
from instruments.registry import DriverSpec
from instruments.scpi import Journal

MAX_WAIT_S = 300.0  # no single receive may block longer; a longer wait is a bug in the caller
MAX_DRAIN = 10_000  # frames discarded by `drain` before we call the bus flooded

_INTERFACE = re.compile(r"^[a-z][a-z0-9_]*$")
_RESOURCE_HELP = (
    "expected '<interface>:<channel>' (e.g. socketcan:can0, virtual:bench, pcan:PCAN_USBBUS1) "
    "or 'socketcand:<channel>@<host>:<port>'"
)


@dataclass(frozen=True)
class CanResource:
    """A parsed CAN resource string: the python-can interface and channel, plus host and port for socketcand."""

    interface: str
    channel: str
    host: str | None = None
    port: int | None = None

    def bus_arguments(self) -> dict[str, Any]:
        """Keyword arguments for `can.Bus`."""
        arguments: dict[str, Any] = {"interface": self.interface, "channel": self.channel}
        if self.host is not None:
            arguments.update(host=self.host, port=self.port)
        return arguments

    def __str__(self) -> str:
        if self.host is None:
            return f"{self.interface}:{self.channel}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.interface}:{self.channel}@{host}:{self.port}"


def parse_can_resource(text: str) -> CanResource:
    """Split a CAN resource string; raise InstrumentError saying what is wrong with a malformed one."""
    interface, colon, rest = text.strip().partition(":")
    if not colon or not interface or not rest:
        raise InstrumentError(f"CAN resource {text!r}: {_RESOURCE_HELP}")
    if not _INTERFACE.match(interface):
        raise InstrumentError(f"CAN resource {text!r}: {interface!r} is not an interface name; {_RESOURCE_HELP}")
    if interface not in can.interfaces.VALID_INTERFACES:
        known = ", ".join(sorted(can.interfaces.VALID_INTERFACES))
        raise InstrumentError(f"CAN resource {text!r}: python-can has no interface {interface!r} (known: {known})")
    if interface != "socketcand":
        if "@" in rest or any(ch.isspace() for ch in rest):
            raise InstrumentError(f"CAN resource {text!r}: channel {rest!r} is malformed; {_RESOURCE_HELP}")
        return CanResource(interface, rest)
    channel, at, address = rest.partition("@")
    if not at or not channel or any(ch.isspace() for ch in channel):
        raise InstrumentError(f"CAN resource {text!r}: socketcand needs 'socketcand:<channel>@<host>:<port>'")
    host, port = _host_port(text, address)
    return CanResource(interface, channel, host, port)


def _host_port(text: str, address: str) -> tuple[str, int]:
    if address.startswith("["):  # an IPv6 literal keeps its colons inside brackets
        host, bracket, port_text = address[1:].partition("]")
        if not bracket or not port_text.startswith(":"):
            raise InstrumentError(f"CAN resource {text!r}: write an IPv6 host as [addr]:port")
        port_text = port_text[1:]
    else:
        host, colon, port_text = address.rpartition(":")
        if not colon:
            raise InstrumentError(f"CAN resource {text!r}: socketcand needs ':<port>' after the host")
    if not host or any(ch.isspace() for ch in host):
        raise InstrumentError(f"CAN resource {text!r}: socketcand needs a host before ':<port>'")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise InstrumentError(f"CAN resource {text!r}: the port must be a number from 1 to 65535")
    return host, int(port_text)


def load_dbc(path: str | Path) -> Database:
    """Load a DBC (or any CAN database cantools reads); raise InstrumentError with the reason otherwise."""
    resolved = Path(path).expanduser().resolve()
    try:
        database = cantools.database.load_file(str(resolved))
    except FileNotFoundError:
        raise InstrumentError(f"CAN database {resolved} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(f"CAN database {resolved} cannot be read: {exc}") from None
    except Exception as exc:  # cantools raises parser-specific errors for each format
        raise InstrumentError(f"CAN database {resolved} cannot be parsed: {exc}") from None
    if not isinstance(database, Database):
        raise InstrumentError(f"CAN database {resolved} is a diagnostics database, not a CAN one")
    return database


def format_frame(frame: CanFrame) -> str:
    """`<ID hex> <data hex>` as the journal records it (3 hex digits standard, 8 extended)."""
    ident = f"{frame.arbitration_id:08X}" if frame.extended else f"{frame.arbitration_id:03X}"
    return f"{ident} {frame.data.hex().upper()}".rstrip()


def _ignore(instrument: str, direction: str, text: str) -> None:
    return None


class PythonCanBus:
    """One python-can bus, optionally with a DBC; every frame is journaled."""

    def __init__(
        self,
        name: str,
        bus: can.BusABC,
        *,
        database: Database | None = None,
        journal: Journal | None = None,
        timeout_s: float = 2.0,
    ) -> None:
        self.name = name
        self.database = database
        self.timeout_s = timeout_s
        self._bus: can.BusABC | None = bus
        self._journal = journal or _ignore

    # ------------------------------------------------------------ raw frames

    def send(self, frame: CanFrame) -> None:
        message = can.Message(
            arbitration_id=frame.arbitration_id, data=frame.data, is_extended_id=frame.extended, dlc=len(frame.data)
        )
        self._journal(self.name, "tx", format_frame(frame))
        try:
            self._open_bus().send(message, timeout=self.timeout_s)
        except (can.CanError, OSError, ValueError) as exc:
            self._journal(self.name, "error", f"send failed: {exc}")
            raise InstrumentError(f"{self.name}: cannot send {format_frame(frame)}: {exc}") from None

    def receive(self, timeout_s: float) -> CanFrame | None:
        wait = _bounded(timeout_s)
        try:
            message = self._open_bus().recv(wait)
        except (can.CanError, OSError, ValueError) as exc:
            self._journal(self.name, "error", f"receive failed: {exc}")
            raise InstrumentError(f"{self.name}: cannot receive: {exc}") from None
        if message is None:
            return None
        frame = CanFrame(
            arbitration_id=message.arbitration_id,
            data=bytes(message.data),
            extended=message.is_extended_id,
            timestamp=message.timestamp,
        )
        self._journal(self.name, "rx", format_frame(frame))
        return frame

    def drain(self) -> int:
        """Discard frames already waiting, so the next receive sees a fresh one; return how many."""
        for count in range(MAX_DRAIN):
            if self.receive(0.0) is None:
                return count
        raise InstrumentError(f"{self.name}: more than {MAX_DRAIN} frames waiting; is the bus flooded?")

    # ------------------------------------------------------------ DBC messages

    def message(self, name: str) -> Message:
        """The DBC message `name`; InstrumentError when there is no DBC or no such message."""
        if self.database is None:
            raise InstrumentError(f"{self.name}: message {name!r} needs a DBC (options.dbc) and none was given")
        try:
            return self.database.get_message_by_name(name)
        except KeyError:
            known = ", ".join(sorted(m.name for m in self.database.messages)) or "none"
            raise InstrumentError(f"{self.name}: the DBC has no message {name!r} (messages: {known})") from None

    def encode(self, name: str, signals: dict[str, float]) -> CanFrame:
        """Encode `signals` as the DBC message `name`; out-of-range or missing signals raise InstrumentError."""
        message = self.message(name)
        try:
            data = message.encode(dict(signals), scaling=True, strict=True)
        except Exception as exc:  # cantools reports range, type and missing-signal problems with several types
            raise InstrumentError(f"{self.name}: cannot encode {name} {_describe(signals)}: {exc}") from None
        return CanFrame(message.frame_id, bytes(data), extended=message.is_extended_frame)

    def decode(self, name: str, frame: CanFrame) -> dict[str, float]:
        """Decode a frame of the DBC message `name` into physical values (value tables left as numbers)."""
        message = self.message(name)
        try:
            values = message.decode_simple(frame.data, decode_choices=False, scaling=True)
        except Exception as exc:  # a short or garbled frame from the instrument, or a container message
            raise InstrumentError(f"{self.name}: cannot decode {name} from {format_frame(frame)}: {exc}") from None
        numbers: dict[str, float] = {}
        for signal, value in values.items():
            if not isinstance(value, int | float):  # decode_choices=False leaves only numbers; guard anyway
                raise InstrumentError(f"{self.name}: {name}.{signal} decoded to {value!r}, not a number")
            numbers[signal] = float(value)
        return numbers

    def send_message(self, message: str, signals: dict[str, float]) -> None:
        self.send(self.encode(message, signals))

    def receive_message(self, message: str, timeout_s: float) -> dict[str, float] | None:
        definition = self.message(message)
        deadline = time.monotonic() + _bounded(timeout_s)
        while True:
            frame = self.receive(max(0.0, deadline - time.monotonic()))
            if frame is None:
                return None
            if frame.arbitration_id == definition.frame_id and frame.extended == definition.is_extended_frame:
                return self.decode(message, frame)
            if time.monotonic() >= deadline:
                return None

    # ------------------------------------------------------------ lifecycle

    def close(self) -> None:
        bus, self._bus = self._bus, None
        if bus is not None:
            with contextlib.suppress(Exception):  # a bus that died must not hide why
                bus.shutdown()

    def _open_bus(self) -> can.BusABC:
        if self._bus is None:
            raise InstrumentError(f"{self.name}: the CAN bus is closed")
        return self._bus


def _bounded(timeout_s: float) -> float:
    if not (isinstance(timeout_s, int | float) and math.isfinite(timeout_s) and 0.0 <= timeout_s <= MAX_WAIT_S):
        raise InstrumentError(f"CAN receive timeout {timeout_s!r} s: must be between 0 and {MAX_WAIT_S:g} s")
    return float(timeout_s)


def _describe(signals: dict[str, float]) -> str:
    return "{" + ", ".join(f"{key}={value:g}" for key, value in signals.items()) + "}"


# ---------------------------------------------------------------- opening


def open_bus(resource: CanResource, *, name: str, timeout_s: float, bitrate: int | None = None) -> can.BusABC:
    """Open the python-can bus within `timeout_s` (python-can's own socketcand connect may block for long)."""
    arguments = resource.bus_arguments()
    if bitrate is not None:
        arguments["bitrate"] = bitrate
    if resource.host is not None and resource.port is not None:
        _probe(resource, name=name, timeout_s=timeout_s)
    bus = _within(lambda: can.Bus(**arguments), name=name, resource=resource, timeout_s=timeout_s)
    if resource.interface == "socketcand":
        # python-can's socketcand client leaves its socket blocking; bound sends and reads at our timeout.
        sock = getattr(bus, "_SocketCanDaemonBus__socket", None)
        if isinstance(sock, socket.socket):
            sock.settimeout(timeout_s)
    return bus


def _probe(resource: CanResource, *, name: str, timeout_s: float) -> None:
    """Fail fast on an unreachable socketcand (python-can retries its connect for ten seconds)."""
    assert resource.host is not None and resource.port is not None
    try:
        with socket.create_connection((resource.host, resource.port), timeout=timeout_s):
            pass
    except OSError as exc:
        raise InstrumentUnreachable(f"{name}: cannot reach socketcand at {resource}: {exc}") from None


def _within(factory: Any, *, name: str, resource: CanResource, timeout_s: float) -> can.BusABC:
    """Run `factory` in a helper thread and give up after `timeout_s` (a hung handshake would block forever)."""
    outcome: dict[str, Any] = {}
    lock = threading.Lock()

    def build() -> None:
        try:
            bus = factory()
        except BaseException as exc:
            outcome["error"] = exc
            return
        with lock:
            if outcome.get("abandoned"):  # too late: nobody will use it
                with contextlib.suppress(Exception):
                    bus.shutdown()
                return
            outcome["bus"] = bus

    worker = threading.Thread(target=build, name=f"open {resource}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    with lock:
        if "bus" not in outcome and "error" not in outcome:
            outcome["abandoned"] = True
            raise InstrumentTimeout(f"{name}: opening {resource} did not complete within {timeout_s:g} s")
    error = outcome.get("error")
    if isinstance(error, can.CanInterfaceNotImplementedError):
        raise InstrumentUnreachable(f"{name}: python-can interface {resource.interface!r} is unusable here: {error}")
    if error is not None:
        raise InstrumentUnreachable(f"{name}: cannot open {resource}: {error}")
    bus: can.BusABC = outcome["bus"]
    return bus


def open_driver(spec: DriverSpec) -> PythonCanBus:
    """Registry factory for "python-can": `spec.resource` names the bus; options `dbc` (a DBC path) and `bitrate`."""
    resource = parse_can_resource(spec.resource)
    dbc = spec.options.get("dbc")
    database = load_dbc(dbc) if dbc else None
    bitrate = spec.options.get("bitrate")
    if bitrate is not None and (not isinstance(bitrate, int) or bitrate <= 0):
        raise InstrumentError(f"{spec.label}: options.bitrate must be a positive integer, not {bitrate!r}")
    bus = open_bus(resource, name=spec.label, timeout_s=spec.timeout_s, bitrate=bitrate)
    return PythonCanBus(spec.label, bus, database=database, journal=spec.journal, timeout_s=spec.timeout_s)
