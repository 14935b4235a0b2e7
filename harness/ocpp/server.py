"""The CSMS WebSocket server: subprotocol negotiation, station identity from the URL path, HTTP Basic (profile 1)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Sequence
from http import HTTPStatus
from types import TracebackType

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from harness.config import Dut, Lab
from harness.evidence import Evidence
from harness.ocpp.channel import StationChannel
from harness.ocpp.schemas import SUBPROTOCOL_TO_VERSION
from harness.ocpp.v201.responders import default_responders
from harness.verdict import LabError, Severity


class CsmsServer:
    """`async with CsmsServer(...) as csms:` listens; `csms.channel` is the DUT's conversation."""

    def __init__(self, lab: Lab, dut: Dut, evidence: Evidence) -> None:
        self.lab, self.dut, self.evidence = lab, dut, evidence
        self.channel = StationChannel(
            dut.ocpp.station_identity, evidence, default_responders(dut), lab.timing.message_timeout_s
        )
        self._server: Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The base URL a station is configured with (its identity is appended as the last path segment)."""
        host = self.lab.csms.public_host or self.lab.csms.bind_host
        if ":" in host:
            host = f"[{host}]"
        return f"ws://{host}:{self.port}{self.lab.csms.path_prefix.rstrip('/')}"

    async def __aenter__(self) -> CsmsServer:
        endpoint = self.lab.csms
        try:
            self._server = await serve(
                self._handle,
                endpoint.bind_host,
                endpoint.port,
                subprotocols=[Subprotocol(p) for p in self.dut.ocpp.versions],
                select_subprotocol=self._select_subprotocol,
                process_request=self._check_request,
                server_header=None,
            )
        except OSError as exc:
            raise LabError(f"the CSMS cannot listen on {endpoint.bind_host}:{endpoint.port}: {exc.strerror}") from None
        self.port = self._server.sockets[0].getsockname()[1] if self._server.sockets else endpoint.port
        self.evidence.note(f"CSMS listening at {self.url}/{self.channel.identity}")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.channel.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    # ------------------------------------------------------------ handshake

    def _select_subprotocol(self, connection: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        preferred = self.dut.ocpp.preferred_version
        order = [preferred] + [v for v in self.dut.ocpp.versions if v != preferred]
        for version in order:
            if version in offered:
                return Subprotocol(version)
        return None

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        prefix = self.lab.csms.path_prefix.rstrip("/") + "/"
        path = request.path.split("?", 1)[0]
        identity = path[len(prefix) :] if path.startswith(prefix) else None
        if identity != self.channel.identity:
            self.evidence.note(f"refused a WebSocket handshake for unknown path {request.path!r}")
            return connection.respond(HTTPStatus.NOT_FOUND, "unknown charging station identity\n")
        if self.dut.ocpp.security_profile == 1 and not self._basic_auth_ok(request):
            self.evidence.finding(
                Severity.NONCONFORMITY, "security", f"{identity} connected without valid HTTP Basic credentials"
            )
            return connection.respond(HTTPStatus.UNAUTHORIZED, "HTTP Basic authentication failed\n")
        return None

    def _basic_auth_ok(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        expected = self.dut.ocpp.password or ""
        return user == self.channel.identity and hmac.compare_digest(password.encode(), expected.encode())

    # ------------------------------------------------------------ connection

    async def _handle(self, ws: ServerConnection) -> None:
        if ws.subprotocol is None:
            self.evidence.finding(
                Severity.NONCONFORMITY,
                "websocket",
                f"{self.channel.identity} offered none of the subprotocols {self.dut.ocpp.versions}",
            )
            await ws.close(1002, "no supported OCPP subprotocol")
            return
        self.evidence.note(f"{self.channel.identity} connected with subprotocol {ws.subprotocol}")
        await self.channel.serve(ws, SUBPROTOCOL_TO_VERSION[str(ws.subprotocol)])
