"""The control API: a minimal HTTP/1.1 JSON server for manual actions, one request per connection.

Bounded on purpose: headers and body must arrive within 5 s, bodies over 64 KiB are refused, and any bad input
gets a one-line JSON error instead of touching the station.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from harness.virtual.diagnostic_actions import DiagnosticActions
from harness.virtual.manual import ControlError, ManualActions

if TYPE_CHECKING:
    from harness.virtual.station import Station

log = logging.getLogger("harness.virtual")

MAX_BODY_BYTES = 64 * 1024
MAX_HEAD_BYTES = 16 * 1024
READ_TIMEOUT_S = 5.0
REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    500: "Internal Server Error",
}

Route = Callable[[dict[str, Any]], dict[str, Any]]


class ControlApi:
    """Serves the manual actions of one station on host:port (port 0 picks a free one)."""

    def __init__(self, station: Station, host: str = "127.0.0.1", port: int = 0) -> None:
        self._station = station
        self._actions = ManualActions(station)
        self._host = host
        self._port = port
        self._server: asyncio.Server | None = None
        self._routes: dict[tuple[str, str], Route] = {
            ("GET", "/state"): lambda body: self._actions.state(),
            ("POST", "/plug"): self._ok(self._actions.plug),
            ("POST", "/plug/unlocked"): self._ok(self._actions.plug_unlocked),
            ("POST", "/unplug"): self._ok(self._actions.unplug),
            ("POST", "/present-id-token"): self._ok(self._actions.present_id_token),
            ("POST", "/ev/suspend"): self._ok(lambda body: self._actions.set_ev_suspended(body, True)),
            ("POST", "/ev/resume"): self._ok(lambda body: self._actions.set_ev_suspended(body, False)),
            ("POST", "/ev/not-ready"): self._ok(self._actions.ev_not_ready),
            ("POST", "/ev/unplug"): self._ok(self._actions.ev_side_unplug),
            ("POST", "/ev/plug"): self._ok(self._actions.ev_side_plug_in),
            ("POST", "/bay/enter"): self._ok(self._actions.ev_enters_bay),
            ("POST", "/bay/leave"): self._ok(self._actions.ev_leaves_bay),
            ("POST", "/ui/master-pass"): self._actions.master_pass_choice,
            ("POST", "/external-limit"): self._ok(self._actions.external_limit),
            ("POST", "/external-limit/release"): self._ok(self._actions.release_external_limit),
            ("POST", "/power-cycle"): self._ok(lambda body: station.power_cycle()),
            ("POST", "/factory-reset"): self._ok(lambda body: station.factory_reset()),
            ("POST", "/station-certificate/remove"): self._ok(lambda body: station.station_certificate.remove()),
            **self._diagnostic_routes(DiagnosticActions(station)),
        }

    def _diagnostic_routes(self, actions: DiagnosticActions) -> dict[tuple[str, str], Route]:
        return {
            ("POST", "/customer-identifier"): self._ok(actions.store_customer_identifier),
            ("POST", "/customer-data"): self._ok(actions.customer_data),
            ("POST", "/logs/erase"): self._ok(actions.erase_log),
            ("POST", "/hardware-fault"): self._ok(actions.hardware_fault),
        }

    @staticmethod
    def _ok(action: Callable[[dict[str, Any]], None]) -> Route:
        def route(body: dict[str, Any]) -> dict[str, Any]:
            action(body)
            return {"ok": True}

        return route

    async def start(self) -> int:
        """Start listening; returns the bound port."""
        self._server = await asyncio.start_server(self._serve, self._host, self._port, limit=MAX_HEAD_BYTES)
        port = int(self._server.sockets[0].getsockname()[1])
        log.info("control API listening on http://%s:%d", self._host, port)
        return port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, answer = await asyncio.wait_for(self._exchange(reader), READ_TIMEOUT_S)
        except TimeoutError:
            status, answer = 408, {"error": "request not received within 5 s"}
        except ControlError as exc:
            status, answer = exc.status, {"error": str(exc)}
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ConnectionError):
            status, answer = 400, {"error": "malformed HTTP request"}
        body = json.dumps(answer).encode()
        head = (
            f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode("ascii")
        try:
            writer.write(head + body)
            await writer.drain()
            writer.close()
            await writer.wait_closed()
        except ConnectionError:
            pass

    async def _exchange(self, reader: asyncio.StreamReader) -> tuple[int, dict[str, Any]]:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        lines = head.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise ControlError(400, "malformed request line")
        method, target = parts[0], parts[1].split("?", 1)[0]
        length = _content_length(lines[1:])
        if length > MAX_BODY_BYTES:
            raise ControlError(413, f"body larger than {MAX_BODY_BYTES} bytes")
        raw = await reader.readexactly(length) if length else b""
        route = self._routes.get((method, target))
        if route is None:
            known = any(path == target for _, path in self._routes)
            raise ControlError(405 if known else 404, f"no route {method} {target}")
        body = _json_body(raw)
        try:
            return 200, route(body)
        except ControlError:
            raise
        except Exception:  # a bug behind one request must not stop the station
            log.exception("control action %s failed", target)
            return 500, {"error": f"{target} failed"}


def _content_length(header_lines: list[str]) -> int:
    for line in header_lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            if not value.strip().isdigit():
                raise ControlError(400, "bad Content-Length")
            return int(value.strip())
        if name.strip().lower() == "transfer-encoding":
            raise ControlError(400, "chunked bodies are not supported; send Content-Length")
    return 0


def _json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ControlError(400, "body is not valid JSON") from None
    if not isinstance(body, dict):
        raise ControlError(400, "body must be a JSON object")
    return body
