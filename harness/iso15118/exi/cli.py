"""`harness exi decode|encode` (contract): read captured -20 messages as JSON and write them back as EXI hex.

decode prints `{"<root element>": {...}}` with octets as hex (hexBinary) or base64 (base64Binary) text; encode
reads that JSON on standard input and prints the EXI stream as hex. A V2GTP-framed hex string (starting 01fe) is
accepted by decode, and its payload type chooses the namespace.
"""

from __future__ import annotations

import argparse
import json
import sys

from harness.iso15118.transport.errors import V2gtpError
from harness.iso15118.transport.v2gtp import PayloadType, parse_frame

from .codec import SHORT_NAMES, decode, encode, grammar
from .errors import ExiError
from .jsonform import from_json, to_json

EXIT_INVALID = 2
V2GTP_START = b"\x01\xfe"  # version 1 and its inverse: how a framed trace begins
PAYLOAD_NAMESPACES = {
    PayloadType.SUPPORTED_APP_PROTOCOL: "app",
    PayloadType.COMMON_MESSAGES: "common",
    PayloadType.AC: "ac",
    PayloadType.DC: "dc",
    PayloadType.ACDP: "acdp",
    PayloadType.WPT: "wpt",
}


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    exi = commands.add_parser("exi", help="decode or encode ISO 15118-20 EXI messages (JSON <-> hex)")
    exi_commands = exi.add_subparsers(dest="exi_command", required=True)
    names = sorted(SHORT_NAMES)
    decoder = exi_commands.add_parser("decode", help="print an EXI message (hex, optionally V2GTP-framed) as JSON")
    decoder.add_argument("hex", help="the EXI stream as hex; a leading V2GTP header (01fe...) is understood")
    decoder.add_argument(
        "--namespace", choices=names, help="schema of the message (default: from the V2GTP header, else common)"
    )
    decoder.set_defaults(handler=_decode)
    encoder = exi_commands.add_parser("encode", help="read a JSON message on stdin and print its EXI stream as hex")
    encoder.add_argument("--namespace", choices=names, default="common", help="schema of the message (default common)")
    encoder.set_defaults(handler=_encode)


def _decode(options: argparse.Namespace) -> int:
    text = "".join(options.hex.split())
    try:
        data = bytes.fromhex(text)
    except ValueError:
        return _fail("the argument is not hex")
    namespace = options.namespace
    if data.startswith(V2GTP_START):
        try:
            # The whole trace is in hand, so no size cap: a wrong length shows as truncated or trailing bytes.
            frame = parse_frame(data, max_payload=0xFFFFFFFF)
        except V2gtpError as exc:
            return _fail(str(exc))
        namespace = namespace or PAYLOAD_NAMESPACES.get(frame.payload_type)  # type: ignore[call-overload]
        if namespace is None:
            return _fail(f"V2GTP payload type 0x{int(frame.payload_type):04x} carries no EXI message")
        data = frame.payload
    namespace = namespace or "common"
    try:
        document = decode(namespace, data)
    except ExiError as exc:
        return _fail(f"not a valid {namespace} message: {exc}")
    print(json.dumps(to_json(grammar(namespace), document), ensure_ascii=False, indent=2))
    return 0


def _encode(options: argparse.Namespace) -> int:
    try:
        document = json.loads(sys.stdin.read())
    except json.JSONDecodeError as exc:
        return _fail(f"standard input is not JSON: {exc}")
    try:
        data = encode(options.namespace, from_json(grammar(options.namespace), document))
    except ExiError as exc:
        return _fail(f"cannot encode as {options.namespace}: {exc}")
    print(data.hex())
    return 0


def _fail(message: str) -> int:
    print(f"harness exi: {message}", file=sys.stderr)
    return EXIT_INVALID
