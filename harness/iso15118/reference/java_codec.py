"""`JavaExiCodec`: the Java EXI codec inside Josev, driven from our process through `_bridge.py` in the Josev venv.

Each call is bounded by a timeout. What the jar rejects becomes a `ReferenceCodecError` with its one-line reason and
the bridge carries on; whatever stops the bridge itself (no venv, no java, the JVM dying or hanging) becomes a
`ReferenceUnavailable`, after which this instance is closed. Closing, on every path, kills the bridge and its JVM.

The jar's JSON is Josev's: one key naming the root element, XML attributes as plain keys, simple content next to
attributes under "value", hexBinary as hex, base64Binary as base64, repeated elements as arrays.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import subprocess
import threading
import time
import weakref
from collections import deque
from functools import partial
from itertools import count
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from harness.iso15118.reference.environment import (
    NO_JAVA,
    JosevEnvironment,
    child_environment,
    default_venv_path,
    ensure_josev_venv,
    java_executable,
    read_marker,
)
from harness.iso15118.reference.errors import ReferenceCodecError, ReferenceTimeout, ReferenceUnavailable
from harness.iso15118.reference.josev_json import differences

log = logging.getLogger(__name__)

APP_PROTOCOL = "urn:iso:15118:2:2010:AppProtocol"
COMMON_MESSAGES = "urn:iso:std:iso:15118:-20:CommonMessages"
DC = "urn:iso:std:iso:15118:-20:DC"
AC = "urn:iso:std:iso:15118:-20:AC"
WPT = "urn:iso:std:iso:15118:-20:WPT"
ACDP = "urn:iso:std:iso:15118:-20:ACDP"
XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"

# Roots the jar encodes as EXI fragments rather than documents (and cannot decode again).
FRAGMENT_ROOTS = {COMMON_MESSAGES: ("OEMProvisioningCertificateChain", "PnC_AReqAuthorizationMode")}

# Namespaces whose JSON the jar can map (it has JAXB classes wired for them); WPT and ACDP work through the XML ops
# only. XMLDSIG takes just {"SignedInfo": {"Reference": [{"URI", "DigestValue"}]}} and encodes it as a fragment.
JSON_NAMESPACES = (APP_PROTOCOL, COMMON_MESSAGES, DC, AC, XMLDSIG)

BRIDGE = Path(__file__).with_name("_bridge.py")
_STDERR_LINES = 40
_SECONDS_PER_TIMED_CALL = 0.5


class JavaExiCodec:
    """The Java reference codec; use as a context manager (`with JavaExiCodec() as codec: ...`)."""

    def __init__(
        self,
        *,
        venv: Path | None = None,
        create: bool = True,
        start_timeout: float = 60.0,
        call_timeout: float = 30.0,
    ) -> None:
        self.venv = venv
        self.create = create
        self.start_timeout = start_timeout
        self.call_timeout = call_timeout
        self.versions: dict[str, Any] = {}
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=_STDERR_LINES)
        self._ids = count(1)
        self._lock = threading.Lock()
        self._closed_because = ""
        self._bridge_pid: int | None = None
        self._finalizer: weakref.finalize[[subprocess.Popen[str]], JavaExiCodec] | None = None

    def __enter__(self) -> JavaExiCodec:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pids(self) -> tuple[int | None, int | None]:
        """(bridge, JVM) process ids of the last start, for whoever wants to check that they are gone.

        The bridge's id is also its process group's: the JVM belongs to that group.
        """
        return self._bridge_pid, self.versions.get("jvm_pid")

    def start(self) -> None:
        """Find or build the Josev venv, start the bridge and wait until its JVM is ready."""
        if self._process is not None:
            return
        environment = self._environment()
        try:
            self._process = subprocess.Popen(
                [str(environment.python), "-I", str(BRIDGE)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                bufsize=1,
                env=child_environment(),
                start_new_session=True,  # its own process group: one kill ends the bridge and the JVM together
            )
        except OSError as exc:
            raise ReferenceUnavailable(f"cannot run {environment.python}: {exc.strerror}") from exc
        self._closed_because = ""
        self._bridge_pid = self._process.pid
        self.versions = {}
        self._lines = queue.Queue()  # a fresh one: nothing left over from an earlier bridge
        self._finalizer = weakref.finalize(self, _kill_group, self._process)
        assert self._process.stdout is not None and self._process.stderr is not None
        threading.Thread(target=_pump, args=(self._process.stdout, self._lines.put), daemon=True).start()
        keep_stderr = partial(_keep_stderr, self._stderr)  # not a bound method: the thread must not keep `self` alive
        threading.Thread(target=_pump, args=(self._process.stderr, keep_stderr), daemon=True).start()
        try:
            self.versions = self._await_ready()
        except BaseException:
            self.close()
            raise
        log.info("Java EXI codec %s ready", self.versions.get("exi_codec"))

    def encode(self, namespace: str, josev_json: str, *, strict: bool = True) -> bytes:
        """EXI bytes for a Josev JSON document.

        The jar on its own accepts far too much: it silently drops what it does not understand and encodes values
        and structures the schema forbids through EXI deviations. With `strict` (the default) both are refused as a
        `ReferenceCodecError`: the stream must be schema-valid, and decoding it must give back the document (the
        round trip is skipped for the fragment roots, which the jar cannot decode).
        """
        answer = self._request({"op": "encode", "namespace": namespace, "json": josev_json, "validate": strict})
        data = _hex_field(answer, "hex")
        document = json.loads(josev_json)
        if strict and not _fragment_root(namespace, document):
            found = differences(document, json.loads(self.decode(namespace, data)))
            if found:
                more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
                reason = "the round trip changed the document: " + "; ".join(found[:3]) + more
                raise ReferenceCodecError(reason, op="encode", namespace=namespace)
        return data

    def decode(self, namespace: str, data: bytes) -> str:
        """Josev JSON for an EXI stream."""
        answer = self._request({"op": "decode", "namespace": namespace, "hex": data.hex()})
        return _text_field(answer, "json")

    def time_encode(self, namespace: str, josev_json: str, repeat: int, *, timeout: float | None = None) -> list[float]:
        """Wall time in µs of each of `repeat` encode calls, timed inside the bridge (py4j round trip included)."""
        request = {"op": "time_encode", "namespace": namespace, "json": josev_json, "repeat": repeat}
        return _samples(self._request(request, timeout or self._timing_budget(repeat)), repeat)

    def time_decode(self, namespace: str, data: bytes, repeat: int, *, timeout: float | None = None) -> list[float]:
        """Wall time in µs of each of `repeat` decode calls, timed inside the bridge (py4j round trip included)."""
        request = {"op": "time_decode", "namespace": namespace, "hex": data.hex(), "repeat": repeat}
        return _samples(self._request(request, timeout or self._timing_budget(repeat)), repeat)

    def encode_xml(self, namespace: str, xml: str, *, fragment: bool = False, validate: bool = True) -> bytes:
        """EXI bytes for an XML text, straight through the jar's grammar for `namespace` (no JSON, no JAXB).

        The way to a SignedInfo fragment with other algorithms than the jar's JSON path hard-codes, and to WPT and
        ACDP, whose JSON the jar cannot map. With `validate`, a document that needs an EXI deviation is refused.
        """
        request = {"op": "encode_xml", "namespace": namespace, "xml": xml, "fragment": fragment, "validate": validate}
        answer = self._request(request)
        return _hex_field(answer, "hex")

    def decode_xml(self, namespace: str, data: bytes, *, fragment: bool = False) -> str:
        """XML text for an EXI stream, straight through the jar's grammar for `namespace`."""
        answer = self._request({"op": "decode_xml", "namespace": namespace, "hex": data.hex(), "fragment": fragment})
        return _text_field(answer, "xml")

    def close(self) -> None:
        """Stop the bridge and its JVM: politely first, then by killing their process group. Idempotent."""
        process, self._process = self._process, None
        if process is None:
            return
        self._closed_because = self._closed_because or "closed"
        try:
            if process.poll() is None and process.stdin is not None:
                process.stdin.write(json.dumps({"op": "shutdown"}) + "\n")
                process.stdin.flush()
                process.stdin.close()
                process.wait(timeout=3)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        _kill_group(process)
        if self._finalizer is not None:
            self._finalizer.detach()

    def _environment(self) -> JosevEnvironment:
        if java_executable() is None:
            raise ReferenceUnavailable(NO_JAVA)
        if self.create:
            return ensure_josev_venv(self.venv)
        path = (self.venv or default_venv_path()).absolute()
        environment = read_marker(path)
        if environment is None:
            raise ReferenceUnavailable(f"no Josev venv at {path}, and this codec was told not to build one")
        return environment

    def _await_ready(self) -> dict[str, Any]:
        deadline = time.monotonic() + self.start_timeout
        message = self._next_message(deadline, "starting the JVM")
        if "ready" in message and isinstance(message["ready"], dict):
            return dict(message["ready"])
        raise ReferenceUnavailable(str(message.get("fatal") or f"unexpected first message from the bridge: {message}"))

    def _request(self, payload: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        with self._lock:
            process = self._process
            if process is None or process.stdin is None:
                raise ReferenceUnavailable(
                    f"the Java EXI codec is not running ({self._closed_because or 'not started'})"
                )
            request_id = next(self._ids)
            try:
                process.stdin.write(json.dumps({**payload, "id": request_id}) + "\n")
                process.stdin.flush()
            except (OSError, ValueError) as exc:
                raise self._failed(f"cannot write to the bridge: {exc}") from exc
            deadline = time.monotonic() + (timeout or self.call_timeout)
            message = self._next_message(deadline, str(payload["op"]))
        if "fatal" in message:
            raise self._failed(str(message["fatal"]))
        if message.get("id") != request_id:
            raise self._failed(f"answer {message.get('id')} to request {request_id}: the bridge is out of step")
        if "error" in message:
            raise ReferenceCodecError(
                str(message["error"]), op=str(payload["op"]), namespace=payload.get("namespace", "")
            )
        return message

    def _next_message(self, deadline: float, doing: str) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            failure = ReferenceTimeout(f"{doing}: no answer from the Java EXI codec in time")
            self._closed_because = str(failure)
            self.close()
            raise failure from None
        if line is None:
            raise self._failed(f"{doing}: the bridge exited")
        try:
            message = json.loads(line)
        except ValueError:
            raise self._failed(f"{doing}: the bridge wrote something that is not JSON: {line[:200]!r}") from None
        if not isinstance(message, dict):
            raise self._failed(f"{doing}: the bridge wrote {line[:200]!r}")
        return message

    def _failed(self, reason: str) -> ReferenceUnavailable:
        """Close after a failure of the bridge itself; the returned error carries its last words on stderr."""
        process = self._process
        if process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=1)
            time.sleep(0.05)  # let the stderr pump catch the last lines
        tail = " | ".join(list(self._stderr)[-3:])
        self._closed_because = reason
        self.close()
        return ReferenceUnavailable(f"{reason}" + (f" (stderr: {tail})" if tail else ""))

    def _timing_budget(self, repeat: int) -> float:
        return self.call_timeout + repeat * _SECONDS_PER_TIMED_CALL


def _fragment_root(namespace: str, document: object) -> bool:
    roots = FRAGMENT_ROOTS.get(namespace, ())
    return isinstance(document, dict) and any(root in roots for root in document)


def _keep_stderr(lines: deque[str], line: str | None) -> None:
    if line:
        lines.append(line.rstrip()[:300])
        log.debug("java codec: %s", line.rstrip())


def _pump(stream: IO[str], sink: Any) -> None:
    """Copy lines from a pipe to `sink` until EOF, then send None."""
    try:
        for line in stream:
            sink(line)
    except (OSError, ValueError):
        pass
    sink(None)


def _kill_group(process: subprocess.Popen[str]) -> None:
    """Kill the bridge's process group (the bridge and its JVM) and reap the bridge."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _hex_field(answer: dict[str, Any], key: str) -> bytes:
    try:
        return bytes.fromhex(str(answer[key]))
    except (KeyError, ValueError) as exc:
        raise ReferenceUnavailable(f"the bridge's answer has no valid {key!r}: {answer}") from exc


def _text_field(answer: dict[str, Any], key: str) -> str:
    value = answer.get(key)
    if not isinstance(value, str):
        raise ReferenceUnavailable(f"the bridge's answer has no {key!r}: {answer}")
    return value


def _samples(answer: dict[str, Any], repeat: int) -> list[float]:
    samples = answer.get("us")
    if not isinstance(samples, list) or len(samples) != repeat:
        raise ReferenceUnavailable(f"the bridge answered a timing request with {answer}")
    return [float(sample) for sample in samples]
