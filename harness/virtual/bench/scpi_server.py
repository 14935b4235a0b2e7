"""A small SCPI server: parses program messages, matches headers in short or long form, keeps an error queue.

A virtual instrument is a `ScpiDevice` with a table of `Command`s; the server speaks line-terminated SCPI over TCP
(what pyvisa-py opens for `TCPIP::<host>::<port>::SOCKET`). IEEE 488.2 common commands are handled here.
Every received command and the output state go to a journal file, so a test can prove what reached the
instrument (or that nothing did).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("harness.virtual.bench")

MAX_LINE = 64 * 1024
ERROR_QUEUE_DEPTH = 30

Handler = Callable[[list[str], tuple[int, ...]], str | None]
"""handler(arguments, numeric suffixes of the header) -> reply text for a query, None for a setting."""


class ScpiExecutionError(Exception):
    """Raised by a handler: queued as `<code>,"<message>"` (e.g. -222 data out of range)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def header_pattern(spec: str) -> re.Pattern[str]:
    """Compile `SOURce:VOLTage[:LEVel]:AC` style specs: upper-case letters are the short form, [] optional,
    `<n>` a numeric suffix (captured), `?` at the end for a query."""
    query = spec.endswith("?")
    body = spec.rstrip("?")
    out = ""
    for optional, node in re.findall(r"(\[?):?([A-Za-z*]+(?:<n>)?)\]?", body):
        numbered = node.endswith("<n>")
        word = node.removesuffix("<n>")
        short = "".join(ch for ch in word if ch.isupper() or ch == "*")
        rest = word[len(short) :].upper()
        alternatives = f"{re.escape(short)}(?:{re.escape(rest)})?" if rest else re.escape(short)
        piece = f":?{alternatives}" + (r"(\d*)" if numbered else "")
        out += f"(?:{piece})?" if optional else piece
    return re.compile(f"^{out}{re.escape('?') if query else ''}$", re.IGNORECASE)


@dataclass
class Command:
    spec: str
    handler: Handler
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = header_pattern(self.spec)


@dataclass
class Behaviour:
    """Lab faults a virtual instrument can show (see faults.py, `lab=True`)."""

    reply_delay_s: float = 0.0
    drop_after_queries: int = 0  # 0: never
    error_after_command: tuple[int, str] | None = None
    failing_headers: tuple[str, ...] = ()  # settings whose header contains one of these raise error_after_command


class ScpiDevice:
    """Base of a virtual instrument: identity, common commands, an error queue, and its command table."""

    identity = "OpenV2G Lab,Virtual instrument,0,1.0"

    def __init__(self, name: str, behaviour: Behaviour | None = None) -> None:
        self.name = name
        self.behaviour = behaviour or Behaviour()
        self.errors: deque[str] = deque(maxlen=ERROR_QUEUE_DEPTH)
        self.commands: list[Command] = []
        self.queries_answered = 0

    def add(self, spec: str, handler: Handler) -> None:
        self.commands.append(Command(spec, handler))

    def add_setting(self, spec: str, apply: Callable[[list[str]], object], read: Callable[[], str]) -> None:
        """A setting and its query form (`spec` and `spec?`), the way most SCPI settings come."""
        self.add(spec, lambda arguments, suffixes: _applied(apply, arguments))
        self.add(spec + "?", lambda arguments, suffixes: read())

    def reset(self) -> None:
        """`*RST`: the device's own defaults; subclasses extend it."""

    def output_state(self) -> dict[str, object]:
        """What the journal records after each command: output on/off and the main setpoints."""
        return {}

    def queue_error(self, code: int, message: str) -> None:
        self.errors.append(f'{code},"{message}"')

    def _inject_fault(self, header: str) -> None:
        failing = self.behaviour.error_after_command
        if failing is None or header.endswith("?"):
            return
        targets = self.behaviour.failing_headers
        if not targets or any(target in header.upper() for target in targets):
            self.queue_error(*failing)

    def execute(self, header: str, arguments: list[str]) -> str | None:
        upper = header.upper()
        if upper == "*IDN?":
            return self.identity
        if upper == "*OPC?":
            return "1"
        if upper in ("*CLS",):
            self.errors.clear()
            return None
        if upper == "*RST":
            self.reset()
            return None
        if upper in ("*OPC", "*WAI"):
            return None
        if upper == "*ESR?":
            return "0" if not self.errors else "32"
        if re.fullmatch(r":?SYST(EM)?:ERR(OR)?(:NEXT)?\?", upper):
            return self.errors.popleft() if self.errors else '0,"No error"'
        if re.fullmatch(r":?SYST(EM)?:ERR(OR)?:COUN(T)?\?", upper):
            return str(len(self.errors))
        for command in self.commands:
            match = command.pattern.match(header)
            if match is None:
                continue
            suffixes = tuple(int(g) if g else 1 for g in match.groups() if g is not None)
            try:
                reply = command.handler(arguments, suffixes)
            except ScpiExecutionError as exc:
                self.queue_error(exc.code, exc.message)
                return None
            self._inject_fault(header)
            return reply
        self.queue_error(-113, "Undefined header")
        return None


def _applied(apply: Callable[[list[str]], object], arguments: list[str]) -> None:
    apply(arguments)


def split_program_message(line: str) -> list[tuple[str, list[str]]]:
    """`A:B 1;C 2;:D?` -> [(A:B, [1]), (A:C, [2]), (:D?, [])]: ';' continues at the same level, ':' restarts."""
    units: list[tuple[str, list[str]]] = []
    branch = ""
    for raw in _split_outside_quotes(line, ";"):
        unit = raw.strip()
        if not unit:
            continue
        header, _, rest = unit.partition(" ")
        arguments = [a.strip() for a in _split_outside_quotes(rest, ",")] if rest.strip() else []
        if header.startswith("*") or header.startswith(":") or not branch:
            full = header.lstrip(":") if not header.startswith("*") else header
        else:
            full = f"{branch}:{header}"
        if not full.startswith("*"):
            branch = full.rpartition(":")[0]
        units.append((full, arguments))
    return units


def _split_outside_quotes(text: str, separator: str) -> list[str]:
    parts, current, quoted = [], "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == separator and not quoted:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


class Journal:
    """Append-only JSON lines: what reached each virtual instrument and its state afterwards."""

    def __init__(self, path: Path | None) -> None:
        self._file: IO[str] | None = path.open("a", encoding="utf-8") if path is not None else None

    def record(self, device: ScpiDevice, command: str, connection: int) -> None:
        if self._file is None:
            return
        entry = {"t": round(time.time(), 6), "instrument": device.name, "connection": connection, "command": command}
        entry["state"] = device.output_state()
        self._file.write(json.dumps(entry) + "\n")
        self._file.flush()

    def event(self, device: ScpiDevice, text: str) -> None:
        if self._file is not None:
            self._file.write(json.dumps({"t": round(time.time(), 6), "instrument": device.name, "event": text}) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class ScpiServer:
    """Serve one ScpiDevice on a TCP port of 127.0.0.1 (or ::1)."""

    def __init__(self, device: ScpiDevice, journal: Journal, host: str = "127.0.0.1", port: int = 0) -> None:
        self.device = device
        self.journal = journal
        self.host, self.port = host, port
        self._server: asyncio.Server | None = None
        self._connections = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._sessions: set[asyncio.Task[Any]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, self.host, self.port, limit=MAX_LINE)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            # End the per-connection tasks too, so none outlives the server (or the loop that ran it).
            for task in list(self._sessions):
                task.cancel()
            await asyncio.gather(*self._sessions, return_exceptions=True)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    @property
    def resource(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"TCPIP::{host}::{self.port}::SOCKET"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections += 1
        connection = self._connections
        self._writers.add(writer)
        session = asyncio.current_task()
        assert session is not None  # a connection callback always runs as a task
        self._sessions.add(session)
        self.journal.event(self.device, f"connection {connection} opened")
        try:
            while True:
                try:
                    raw = await reader.readline()
                except (ValueError, asyncio.LimitOverrunError):
                    self.device.queue_error(-223, "Too much data")
                    break
                if not raw:
                    break
                if not await self._program_message(raw.decode("utf-8", "replace").strip(), writer, connection):
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            self._sessions.discard(session)
            self.journal.event(self.device, f"connection {connection} closed")
            writer.close()

    async def _program_message(self, line: str, writer: asyncio.StreamWriter, connection: int) -> bool:
        """Execute one line; False when the (faulty) instrument drops the connection."""
        replies: list[str] = []
        for header, arguments in split_program_message(line):
            text = header + (" " + ",".join(arguments) if arguments else "")
            reply = self.device.execute(header, arguments)
            self.journal.record(self.device, text, connection)
            if reply is not None:
                replies.append(reply)
        if not replies:
            return True
        behaviour = self.device.behaviour
        self.device.queries_answered += 1
        if behaviour.drop_after_queries and self.device.queries_answered % behaviour.drop_after_queries == 0:
            self.journal.event(self.device, "dropping the connection (fault)")
            return False
        if behaviour.reply_delay_s:
            await asyncio.sleep(behaviour.reply_delay_s)
        writer.write((";".join(replies) + "\n").encode())
        await writer.drain()
        return True
