"""SCPI over VISA (pyvisa, pyvisa-py backend by default): the one place that talks to SCPI instruments.

The discipline (spec: gridcode-and-instruments.md): write → `*OPC?` → drain `SYST:ERR?` (raise on any error) →
read back. Without `*OPC?` an analyser on a socket can answer with a reading from before the last change.
Every transaction goes to the journal the harness passes in, so evidence holds the full SCPI log.
"""

from __future__ import annotations

import contextlib
import re
import select
import socket
import time
from collections.abc import Callable
from typing import Any

import pyvisa
from pyvisa.errors import VisaIOError

from instruments.capabilities import Identity
from instruments.errors import InstrumentError, InstrumentTimeout, InstrumentUnreachable, ScpiError

Journal = Callable[[str, str, str], None]
"""journal(instrument name, direction "tx" or "rx", text): records one line of the conversation."""

MAX_ERRORS_DRAINED = 20  # an error queue holds at most a few dozen entries; more means the device is babbling
_NO_ERROR = re.compile(r"^\s*[+]?0\s*(,|$)")


def _ignore(instrument: str, direction: str, text: str) -> None:
    return None


class ScpiSession:
    """One VISA session with timeouts, one reconnect attempt per failed transaction, and a journal."""

    def __init__(
        self,
        name: str,
        resource: str,
        *,
        backend: str = "@py",
        timeout_s: float = 2.0,
        journal: Journal | None = None,
        termination: str = "\n",
    ) -> None:
        self.name = name
        self.resource = resource
        self.backend = backend
        self.timeout_s = timeout_s
        self.termination = termination
        self.journal = journal or _ignore
        self._manager: pyvisa.ResourceManager | None = None
        self._handle: Any = None

    # ------------------------------------------------------------ lifecycle

    def open(self) -> None:
        try:
            if self._manager is None:
                self._manager = pyvisa.ResourceManager(self.backend)
            self._handle = self._manager.open_resource(
                self.resource,
                read_termination=self.termination,
                write_termination=self.termination,
                timeout=int(self.timeout_s * 1000),
            )
        except (VisaIOError, OSError, ValueError) as exc:
            self._handle = None
            raise InstrumentUnreachable(f"{self.name}: cannot open {self.resource}: {_reason(exc)}") from None
        sock = _socket_of(self._handle)
        if sock is not None:
            # A setting is a write with no reply followed at once by `*OPC?`: with Nagle's algorithm the second
            # write waits for the delayed ACK of the first, ~40 ms per setting. (pyvisa-py does not offer
            # VI_ATTR_TCPIP_NODELAY on SOCKET sessions, so the option is set on its socket.)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            with contextlib.suppress(Exception):  # closing a dead session must not hide why it died
                handle.close()

    # ------------------------------------------------------------ transactions

    def write(self, command: str) -> None:
        self._transact(command, expect_reply=False)

    def query(self, command: str) -> str:
        reply = self._transact(command, expect_reply=True)
        assert reply is not None
        return reply

    def _transact(self, command: str, *, expect_reply: bool) -> str | None:
        for attempt in (1, 2):
            if self._handle is None:
                self.open()
            try:
                self.journal(self.name, "tx", command)
                if not expect_reply:
                    self._handle.write(command)
                    return None
                reply = str(self._handle.query(command)).strip()
                self.journal(self.name, "rx", reply)
                return reply
            except VisaIOError as exc:
                timed_out = exc.error_code == pyvisa.constants.StatusCode.error_timeout
                if timed_out and not _peer_closed(self._handle):
                    self.journal(self.name, "error", f"timeout after {self.timeout_s:g} s")
                    # A timed-out socket may still deliver the late reply to the next query: start afresh.
                    self.close()
                    raise InstrumentTimeout(
                        f"{self.name}: no answer to {command!r} within {self.timeout_s:g} s"
                    ) from None
                failure: Exception = ConnectionResetError("the instrument closed the connection") if timed_out else exc
            except (OSError, EOFError, ConnectionError) as exc:
                failure = exc
            self.journal(self.name, "error", f"connection lost ({_reason(failure)}); reconnecting")
            self.close()
            if attempt == 2:
                raise InstrumentUnreachable(
                    f"{self.name}: connection to {self.resource} lost and not regained: {_reason(failure)}"
                )
            time.sleep(0.1)
        raise AssertionError("unreachable")


class ScpiInstrument:
    """Base of every SCPI driver: the checked-write discipline and typed queries on top of a session."""

    def __init__(self, session: ScpiSession) -> None:
        self.session = session
        self.name = session.name

    def command(self, command: str) -> None:
        """Send a setting, wait for it to complete, and raise if the instrument reported any error."""
        self.session.write(command)
        self.wait_complete()
        self.check_errors(command)

    def wait_complete(self) -> None:
        reply = self.session.query("*OPC?")
        if reply.strip().lstrip("+") != "1":
            raise InstrumentError(f"{self.name}: *OPC? answered {reply!r}, expected 1")

    def check_errors(self, after: str) -> None:
        errors: list[str] = []
        for _ in range(MAX_ERRORS_DRAINED):
            entry = self.session.query("SYST:ERR?")
            if _NO_ERROR.match(entry):
                break
            errors.append(entry)
        else:
            raise InstrumentError(f"{self.name}: the error queue did not empty after {MAX_ERRORS_DRAINED} reads")
        if errors:
            raise ScpiError(self.name, after, errors)

    def query(self, command: str) -> str:
        return self.session.query(command)

    def query_float(self, command: str) -> float:
        reply = self.query(command)
        try:
            return float(reply.split(",")[0])
        except ValueError:
            raise InstrumentError(f"{self.name}: {command!r} answered {reply!r}, not a number") from None

    def query_floats(self, command: str, count: int) -> list[float]:
        reply = self.query(command)
        try:
            values = [float(v) for v in reply.replace(";", ",").split(",")]
        except ValueError:
            raise InstrumentError(f"{self.name}: {command!r} answered {reply!r}, not numbers") from None
        if len(values) != count:
            raise InstrumentError(f"{self.name}: {command!r} answered {len(values)} values, expected {count}")
        return values

    def set_and_verify(self, command: str, readback: str, expected: float, tolerance: float) -> float:
        """`command`, then read the setting back and raise if the instrument holds another value."""
        self.command(command)
        actual = self.query_float(readback)
        if abs(actual - expected) > tolerance:
            raise InstrumentError(
                f"{self.name}: after {command!r} the instrument reports {actual:g}, expected {expected:g}"
            )
        return actual

    def identify(self) -> Identity:
        return Identity.parse(self.query("*IDN?"))

    def reset_status(self) -> None:
        """`*CLS`: clear the error queue and status so earlier sessions' errors are not blamed on us."""
        self.session.write("*CLS")
        self.wait_complete()

    def close(self) -> None:
        self.session.close()


def _socket_of(handle: Any) -> socket.socket | None:
    """The TCP socket under a pyvisa-py session, or None (another backend, a simulated or serial session)."""
    try:
        sock = handle.visalib.sessions[handle.session].interface
    except Exception:
        return None
    return sock if isinstance(sock, socket.socket) else None


def _peer_closed(handle: Any) -> bool:
    """Whether the instrument closed the socket: pyvisa-py reports that as a timeout, not as a lost connection."""
    sock = _socket_of(handle)
    if sock is None:
        return False
    try:
        if not select.select([sock], [], [], 0)[0]:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except ConnectionError:
        return True
    except Exception:  # another backend, or no socket at all: keep the plain timeout
        return False


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
