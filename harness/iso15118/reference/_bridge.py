"""Runs inside the Josev venv and serves its Java EXI codec over JSON lines on stdin/stdout.

Executed by path with that venv's interpreter (`<venv>/bin/python -I _bridge.py`); it must import nothing from the
harness, only the standard library, py4j and the jar that `iso15118` ships. The JVM is started exactly as Josev's
`ExificientEXICodec` starts it, so what we measure and compare is what a Josev user gets.

Protocol: one JSON object per line each way. On start the bridge writes `{"ready": {...versions, pids}}` or
`{"fatal": reason}`. Every request gets exactly one answer, carrying the request's `id` if it had one:

    {"op": "encode", "namespace": NS, "json": JOSEV_JSON}            -> {"hex": ...}
        with "validate": true, a stream that needs an EXI schema deviation is refused (see `Codec.deviation`)
    {"op": "decode", "namespace": NS, "hex": HEX}                     -> {"json": ...}
    {"op": "time_encode", "namespace": NS, "json": ..., "repeat": N}  -> {"us": [N floats]}
    {"op": "time_decode", "namespace": NS, "hex": ..., "repeat": N}   -> {"us": [N floats]}
    {"op": "encode_xml", "namespace": NS, "xml": XML, "fragment": B}  -> {"hex": ...}   ("validate" as for encode)
    {"op": "decode_xml", "namespace": NS, "hex": HEX, "fragment": B}  -> {"xml": ...}
    {"op": "version"}                                                 -> {"version": {...}}
    {"op": "shutdown"}                                                -> {"ok": true}, then exit

A rejected request answers `{"error": one line}` and the bridge carries on; `{"fatal": reason}` means the JVM is gone
and the bridge exits. stdout carries nothing but the protocol: file descriptor 1 is pointed at stderr before the JVM
starts, and the JVM's own output is copied to stderr too.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path
from typing import IO, Any

EXI_CODEC_CLASS = "com.siemens.ct.exi.main.cmd.EXICodec"
MAX_REPEAT = 100_000
XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"
COMMON_MESSAGES = "urn:iso:std:iso:15118:-20:CommonMessages"
# Roots the jar encodes as EXI fragments (its own rule): these are what -20 signatures reference.
FRAGMENT_ROOTS = {COMMON_MESSAGES: ("OEMProvisioningCertificateChain", "PnC_AReqAuthorizationMode")}

# The jar's own grammar classes, per namespace, for the XML ops (which bypass its JSON/JAXB layer).
GRAMMARS = {
    "urn:iso:15118:2:2010:AppProtocol": "CommonAppProtocol",
    "urn:iso:std:iso:15118:-20:CommonMessages": "ISO15118_20_V2G_CI_CommonMessages",
    "urn:iso:std:iso:15118:-20:DC": "ISO15118_20_V2G_CI_DC",
    "urn:iso:std:iso:15118:-20:AC": "ISO15118_20_V2G_CI_AC",
    "urn:iso:std:iso:15118:-20:WPT": "ISO15118_20_V2G_CI_WPT",
    "urn:iso:std:iso:15118:-20:ACDP": "ISO15118_20_V2G_CI_ACDP",
    "http://www.w3.org/2000/09/xmldsig#": "XMLDSIG_Core_Schema_Grammar",
    "urn:iso:15118:2:2013:MsgDef": "ISO15118_2Grammar",
    "urn:din:70121:2012:MsgDef": "DINSpec_70121",
}


class RequestError(Exception):
    """The request cannot be served; the message is the one-line answer."""


class BridgeDead(Exception):
    """The JVM or the py4j connection is gone."""


def one_line(text: object, limit: int = 500) -> str:
    """Collapse a (Java) message into one line: whitespace runs become single spaces."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 3] + "..."


def java_reason(exc: BaseException) -> str:
    """The Java exception's own `toString()` when py4j carries one, else the Python message."""
    java_exception = getattr(exc, "java_exception", None)
    if java_exception is not None:
        try:
            return one_line(java_exception.toString())
        except Exception:
            pass
    return one_line(exc) or type(exc).__name__


def xml_unsafe(value: Any, path: str = "$") -> str | None:
    """Where a string holds a character XML 1.0 cannot carry, or None.

    The jar turns the document into XML text before encoding it; such a character makes that step fail, and the jar
    then returns the bytes written so far as if they were the whole document. Refusing beforehand keeps that
    truncated stream from passing for a successful encoding.
    """
    if isinstance(value, str):
        for char in value:
            code = ord(char)
            if (code < 0x20 and char not in "\t\n\r") or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
                return f"{path} holds U+{code:04X}, which XML 1.0 cannot carry"
    elif isinstance(value, dict):
        for key, item in value.items():
            found = xml_unsafe(item, f"{path}.{key}")
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = xml_unsafe(item, f"{path}[{index}]")
            if found:
                return found
    return None


class Codec:
    """The jar's `EXICodec` behind a py4j gateway, started as Josev starts it."""

    def __init__(self) -> None:
        from py4j.java_gateway import JavaGateway  # type: ignore[import-not-found]

        spec = importlib.util.find_spec("iso15118")
        if spec is None or spec.origin is None:
            raise BridgeDead("the package iso15118 is not installed in this interpreter")
        jar = Path(spec.origin).parent / "shared" / "EXICodec.jar"
        if not jar.is_file():
            raise BridgeDead(f"no EXICodec.jar at {jar}")
        logging.getLogger("py4j").setLevel(logging.CRITICAL)
        started = time.perf_counter()
        self.gateway = JavaGateway.launch_gateway(
            classpath=str(jar),
            die_on_exit=True,
            javaopts=["--add-opens", "java.base/java.lang=ALL-UNNAMED"],
            redirect_stdout=sys.stderr,
            redirect_stderr=sys.stderr,
        )
        self.jvm = self.gateway.jvm
        self.exi = self.jvm.com.siemens.ct.exi.main.cmd.EXICodec()
        self.startup_ms = (time.perf_counter() - started) * 1000
        self.jar = jar

    def versions(self) -> dict[str, Any]:
        process = getattr(self.gateway, "java_process", None)
        return {
            "exi_codec": str(self.exi.get_version()),
            "java": str(self.jvm.java.lang.System.getProperty("java.version")),
            "iso15118": importlib.metadata.version("iso15118"),
            "py4j": importlib.metadata.version("py4j"),
            "python": platform.python_version(),
            "jar": str(self.jar),
            "bridge_pid": os.getpid(),
            "jvm_pid": getattr(process, "pid", None),
            "startup_ms": round(self.startup_ms, 1),
        }

    def encode(self, namespace: str, document: str) -> bytes:
        result = self._call(self.exi.encode, document, namespace)
        if result is None:
            raise RequestError(one_line(self._call(self.exi.get_last_encoding_error)) or "encoding failed")
        return bytes(result)

    def decode(self, namespace: str, data: bytes) -> str:
        result = self._call(self.exi.decode, data, namespace)
        if result is None:
            raise RequestError(one_line(self._call(self.exi.get_last_decoding_error)) or "decoding failed")
        return str(result)

    def timed(self, method: Any, argument: Any, namespace: str, repeat: int) -> list[float]:
        """Per-call wall time in µs of the jar's method, the py4j round trip included; every call must succeed."""
        samples = []
        for _ in range(repeat):
            start = time.perf_counter_ns()
            result = self._call(method, argument, namespace)
            elapsed = time.perf_counter_ns() - start
            if result is None:
                raise RequestError("a timed call failed; run it untimed to see why")
            samples.append(elapsed / 1000)
        return samples

    def deviation(self, namespace: str, data: bytes, fragment: bool) -> str | None:
        """Why `data` needs a schema deviation, or None when it is a schema-valid stream.

        The jar encodes with EXI's default options, which are not strict: a value its type cannot hold, a missing
        or unknown element, all get encoded through the second-level "deviation" productions instead of being
        refused. Re-encoding the decoded XML with strict options fails exactly for such documents. (Facets that
        EXI does not encode, such as a hexBinary's length, are not checked.)
        """
        xml = self.decode_xml(namespace, data, fragment)
        try:
            self.encode_xml(namespace, xml, fragment, strict=True)
        except RequestError as exc:
            return f"not schema-valid (needs an EXI deviation): {exc}"
        return None

    def encode_xml(self, namespace: str, xml: str, fragment: bool, *, strict: bool = False) -> bytes:
        factory = self._factory(namespace, fragment)
        if strict:
            factory.setFidelityOptions(self.jvm.com.siemens.ct.exi.core.FidelityOptions.createStrict())
        result = self.jvm.com.siemens.ct.exi.main.api.sax.EXIResult(factory)
        sink = self.jvm.java.io.ByteArrayOutputStream()
        result.setOutputStream(sink)
        parsers = self.jvm.javax.xml.parsers.SAXParserFactory.newInstance()
        parsers.setNamespaceAware(True)
        reader = parsers.newSAXParser().getXMLReader()
        reader.setContentHandler(result.getHandler())
        source = self.jvm.org.xml.sax.InputSource(self.jvm.java.io.StringReader(xml))
        self._call(reader.parse, source)
        return bytes(sink.toByteArray())

    def decode_xml(self, namespace: str, data: bytes, fragment: bool) -> str:
        factory = self._factory(namespace, fragment)
        exi_source = self.jvm.com.siemens.ct.exi.main.api.sax.EXISource(factory)
        stream = self.jvm.java.io.ByteArrayInputStream(data)
        source = self.jvm.javax.xml.transform.sax.SAXSource(self.jvm.org.xml.sax.InputSource(stream))
        source.setXMLReader(exi_source.getXMLReader())
        writer = self.jvm.java.io.StringWriter()
        transformer = self.jvm.javax.xml.transform.TransformerFactory.newInstance().newTransformer()
        self._call(transformer.transform, source, self.jvm.javax.xml.transform.stream.StreamResult(writer))
        return str(writer.toString())

    def _factory(self, namespace: str, fragment: bool) -> Any:
        """An EXI factory set up as the jar's `EXICodec` sets up its own (no value string table)."""
        if namespace not in GRAMMARS:
            raise RequestError(f"no grammar in the jar for {namespace!r}")
        factory = self.jvm.com.siemens.ct.exi.core.helpers.DefaultEXIFactory.newInstance()
        factory.setValueMaxLength(0)
        factory.setValuePartitionCapacity(0)
        factory.setMaximumNumberOfBuiltInElementGrammars(0)
        factory.setMaximumNumberOfBuiltInProductions(0)
        grammars = getattr(self.jvm.com.siemens.ct.exi.main.generatedgrammar, GRAMMARS[namespace])
        factory.setGrammars(grammars())
        factory.setFragment(bool(fragment))
        return factory

    def _call(self, method: Any, *args: Any) -> Any:
        from py4j.protocol import Py4JError, Py4JJavaError, Py4JNetworkError  # type: ignore[import-not-found]

        try:
            return method(*args)
        except Py4JJavaError as exc:
            raise RequestError(java_reason(exc)) from exc
        except Exception as exc:
            if self._jvm_exited():
                raise BridgeDead(f"the JVM exited (code {self.gateway.java_process.returncode})") from exc
            if isinstance(exc, Py4JNetworkError):
                raise BridgeDead(f"lost the JVM: {one_line(exc)}") from exc
            if isinstance(exc, Py4JError):
                raise RequestError(one_line(exc)) from exc
            raise

    def _jvm_exited(self) -> bool:
        """Whether the JVM is gone; waits a little, as a killed JVM's threads take a moment to finish dying."""
        process = getattr(self.gateway, "java_process", None)
        if process is None:
            return False
        try:
            process.wait(timeout=0.5)
        except Exception:
            return False
        return True

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.gateway.shutdown()


def _text(request: dict[str, Any], key: str) -> str:
    value = request.get(key)
    if not isinstance(value, str):
        raise RequestError(f"request needs a string {key!r}")
    return value


def _data(request: dict[str, Any]) -> bytes:
    try:
        return bytes.fromhex(_text(request, "hex"))
    except ValueError as exc:
        raise RequestError(f"'hex' is not hexadecimal: {exc}") from exc


def _document(request: dict[str, Any]) -> str:
    document = _text(request, "json")
    try:
        parsed = json.loads(document)
    except ValueError as exc:
        raise RequestError(f"'json' is not JSON: {exc}") from exc
    unsafe = xml_unsafe(parsed)
    if unsafe:
        raise RequestError(unsafe)
    return document


def _repeat(request: dict[str, Any]) -> int:
    repeat = request.get("repeat")
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 1 <= repeat <= MAX_REPEAT:
        raise RequestError(f"'repeat' must be an integer from 1 to {MAX_REPEAT}")
    return repeat


def _fragment_root(namespace: str, document: str) -> bool:
    if namespace == XMLDSIG:
        return True
    root = next(iter(json.loads(document)), None)
    return root in FRAGMENT_ROOTS.get(namespace, ())


def _refuse_deviation(codec: Codec, namespace: str, data: bytes, fragment: bool) -> None:
    problem = codec.deviation(namespace, data, fragment)
    if problem:
        raise RequestError(problem)


def serve(codec: Codec, request: dict[str, Any]) -> dict[str, Any]:
    """Answer one request (without its id); raises RequestError or BridgeDead."""
    op = request.get("op")
    if op == "version":
        return {"version": codec.versions()}
    if op == "shutdown":
        return {"ok": True}
    namespace = _text(request, "namespace")
    if op == "encode":
        document = _document(request)
        data = codec.encode(namespace, document)
        if request.get("validate"):
            _refuse_deviation(codec, namespace, data, _fragment_root(namespace, document))
        return {"hex": data.hex()}
    if op == "decode":
        return {"json": codec.decode(namespace, _data(request))}
    if op == "time_encode":
        document, repeat = _document(request), _repeat(request)
        codec.encode(namespace, document)  # fail with the jar's reason, not inside the loop
        return {"us": codec.timed(codec.exi.encode, document, namespace, repeat)}
    if op == "time_decode":
        data, repeat = _data(request), _repeat(request)
        codec.decode(namespace, data)
        return {"us": codec.timed(codec.exi.decode, data, namespace, repeat)}
    if op == "encode_xml":
        fragment = bool(request.get("fragment"))
        data = codec.encode_xml(namespace, _text(request, "xml"), fragment)
        if request.get("validate"):
            _refuse_deviation(codec, namespace, data, fragment)
        return {"hex": data.hex()}
    if op == "decode_xml":
        return {"xml": codec.decode_xml(namespace, _data(request), bool(request.get("fragment")))}
    raise RequestError(f"unknown op {op!r}")


def _parse(line: str) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except ValueError as exc:
        raise RequestError(f"request is not JSON: {one_line(exc)}") from exc
    if not isinstance(request, dict):
        raise RequestError("a request is a JSON object")
    return request


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def main() -> int:
    # Keep the protocol channel to ourselves: whatever else writes to fd 1 (py4j, the JVM, print) lands on stderr.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        codec = Codec()
        ready = codec.versions()
    except Exception as exc:
        _send(channel, {"fatal": f"cannot start the Java EXI codec: {java_reason(exc)}"})
        return 3
    _send(channel, {"ready": ready})
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            answer: dict[str, Any]
            request_id = None
            stop = False
            try:
                request = _parse(line)
                request_id = request.get("id")
                answer = serve(codec, request)
                stop = request.get("op") == "shutdown"
            except RequestError as exc:
                answer = {"error": one_line(exc)}
            except BridgeDead as exc:
                _send(channel, {"id": request_id, "fatal": one_line(exc)})
                return 4
            except Exception as exc:  # a bug here must not take the other requests down
                answer = {"error": f"bridge error: {type(exc).__name__}: {one_line(exc)}"}
            if request_id is not None:
                answer["id"] = request_id
            _send(channel, answer)
            if stop:
                break
    finally:
        codec.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
