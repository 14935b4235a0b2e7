"""The CSMS WebSocket server: subprotocol negotiation, station identity from the URL path, and the security
profiles: HTTP Basic (1), TLS with HTTP Basic (2), TLS with a client certificate (3)."""

from __future__ import annotations

import base64
import binascii
import hmac
import shutil
import ssl
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from types import TracebackType

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from harness.config import Dut, Lab
from harness.evidence import Evidence
from harness.ocpp.channel import StationChannel
from harness.ocpp.schemas import SUBPROTOCOL_TO_VERSION
from harness.ocpp.tls import ClientCertificate, CsmsPki, HandshakeLog, TlsVariant, server_context
from harness.ocpp.v201.responders import default_responders
from harness.pki import Authority
from harness.verdict import LabError, Severity


@dataclass(frozen=True)
class BasicCredentials:
    """The HTTP Basic credentials of the last upgrade request, and the identity its URL named."""

    user: str
    password: str
    path_identity: str


ALTERNATE_SUFFIX = "-2"


class CsmsServer:
    """`async with CsmsServer(...) as csms:` listens; `csms.channel` is the DUT's conversation."""

    def __init__(self, lab: Lab, dut: Dut, evidence: Evidence, *, authority: Authority | None = None) -> None:
        """`authority` is the CSMS root CA a real charger trusts (profiles 2 and 3); without it one is made."""
        self.lab, self.dut, self.evidence = lab, dut, evidence
        self.channel = StationChannel(
            dut.ocpp.station_identity, evidence, default_responders(dut), lab.timing.message_timeout_s
        )
        self._server: Server | None = None
        self.port = 0
        self.authority = authority
        self.pki: CsmsPki | None = None
        self.tls_variant: TlsVariant = "valid"
        self.server_issuer: Authority | None = None  # another CSMS root that signs the valid certificate (M05)
        self.password = dut.ocpp.password  # the HTTP Basic password accepted now (A01 changes it)
        self.handshakes = HandshakeLog()
        self.last_tls: dict[str, object] = {}  # what the last accepted TLS connection negotiated
        self.client_certificate: ClientCertificate | None = None
        self.last_basic_auth: BasicCredentials | None = None
        self.refused_endpoints: set[str] = set()  # path prefixes answered 503 on purpose (B10 fallback cases)
        self.refusals: dict[str, int] = {}
        self.last_endpoint: str | None = None  # the path prefix of the last accepted connection
        self.last_security_profile: int | None = None  # the profile of the listener that accepted it
        self._pki_dir: Path | None = None
        # A05: a profile-2 station raised to profile 3 comes back on a listener of its own (client certificates).
        self._profile_3: Server | None = None
        self.profile_3_port = 0
        # What a case changed in the station's provisioning that OCPP cannot undo (a raised security profile, a
        # replaced CSMS root, a new BasicAuthPassword): the next baseline has it restored outside OCPP.
        self.provisioning_changes: set[str] = set()

    @property
    def uses_tls(self) -> bool:
        return self.dut.ocpp.security_profile >= 2

    @property
    def host(self) -> str:
        return self.lab.csms.public_host or self.lab.csms.bind_host

    @property
    def prefix(self) -> str:
        return self.lab.csms.path_prefix.rstrip("/")

    @property
    def alternate_prefix(self) -> str:
        """A second CSMS endpoint on the same server, for the cases that move a station to a new URL (B10)."""
        return self.prefix + ALTERNATE_SUFFIX

    @property
    def url(self) -> str:
        """The base URL a station is configured with (its identity is appended as the last path segment)."""
        return self.url_of(self.prefix)

    @property
    def alternate_url(self) -> str:
        return self.url_of(self.alternate_prefix)

    def url_of(self, prefix: str, *, port: int | None = None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        scheme = "wss" if self.uses_tls else "ws"
        return f"{scheme}://{host}:{self.port if port is None else port}{prefix}"

    async def __aenter__(self) -> CsmsServer:
        if self.uses_tls:
            self._pki_dir = Path(tempfile.mkdtemp(prefix="harness-csms-pki-"))
            self.pki = CsmsPki(self._pki_dir, (self.host,), self.authority)
        await self._listen(self.lab.csms.port)
        self.evidence.note(f"CSMS listening at {self.url}/{self.channel.identity}")
        return self

    async def _listen(self, port: int) -> None:
        self._server = await self._serve_on(port, self._tls_context(), self._check_request)
        self.port = self._server.sockets[0].getsockname()[1] if self._server.sockets else port

    async def _serve_on(
        self,
        port: int,
        context: ssl.SSLContext | None,
        check: Callable[[ServerConnection, Request], Response | None],
    ) -> Server:
        endpoint = self.lab.csms
        try:
            return await serve(
                self._handle,
                endpoint.bind_host,
                port,
                subprotocols=[Subprotocol(p) for p in self.dut.ocpp.versions],
                select_subprotocol=self._select_subprotocol,
                process_request=check,
                server_header=None,
                ssl=context,
            )
        except OSError as exc:
            raise LabError(f"the CSMS cannot listen on {endpoint.bind_host}:{port}: {exc.strerror}") from None

    async def profile_3_url(self) -> str:
        """The base URL of a security-profile-3 endpoint (TLS, client certificate from the CSMS root, no HTTP
        Basic): the DUT's own one at profile 3, else a second listener opened now, for raising the profile (A05)."""
        if self.dut.ocpp.security_profile == 3:
            return self.url
        if self.pki is None:
            raise LabError("security profile 3 needs the CSMS's TLS server; the DUT profile's security profile is 1")
        if self._profile_3 is None:
            port = self.lab.csms.client_certificate_port
            context = server_context(self.pki, "valid", client_certificates=True, log=self.handshakes)
            self._profile_3 = await self._serve_on(port, context, self._check_profile_3)
            sockets = self._profile_3.sockets
            self.profile_3_port = sockets[0].getsockname()[1] if sockets else port
            self.evidence.note(f"CSMS security profile 3 endpoint on port {self.profile_3_port}")
        return self.url_of(self.prefix, port=self.profile_3_port)

    def _tls_context(self) -> ssl.SSLContext | None:
        if self.pki is None:
            return None
        client_certificates = self.dut.ocpp.security_profile == 3
        return server_context(
            self.pki,
            self.tls_variant,
            client_certificates=client_certificates,
            log=self.handshakes,
            issuer=self.server_issuer,
        )

    async def serve_tls(self, variant: TlsVariant, *, issuer: Authority | None = None) -> None:
        """Listen again on the same port with another server certificate or TLS version; open connections drop.

        `issuer`: a valid server certificate signed by that CSMS root instead of the run's own."""
        if self.pki is None:
            raise LabError("the CSMS runs no TLS: the DUT profile's security profile is 1")
        self.tls_variant, self.server_issuer = variant, issuer
        await self._stop_listening()
        await self._listen(self.port)
        signer = f", signed by {issuer.certificate.subject.rfc4514_string()}" if issuer is not None else ""
        self.evidence.note(f"CSMS TLS now serves the {variant.replace('_', ' ')} variant{signer}")

    async def restore_shipped(self) -> None:
        """What a case may have changed: the valid certificate of the run's root, the DUT profile's password."""
        self.password = self.dut.ocpp.password
        if self.pki is not None and (self.tls_variant != "valid" or self.server_issuer is not None):
            await self.serve_tls("valid")

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.channel.close()
        await self._stop_listening()
        if self._profile_3 is not None:
            self._profile_3.close()
            await self._profile_3.wait_closed()
            self._profile_3 = None
        if self._pki_dir is not None:
            shutil.rmtree(self._pki_dir, ignore_errors=True)

    # ------------------------------------------------------------ handshake

    def _select_subprotocol(self, connection: ServerConnection, offered: Sequence[Subprotocol]) -> Subprotocol | None:
        preferred = self.dut.ocpp.preferred_version
        order = [preferred] + [v for v in self.dut.ocpp.versions if v != preferred]
        for version in order:
            if version in offered:
                return Subprotocol(version)
        return None

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        return self._admit(connection, request, self.dut.ocpp.security_profile)

    def _check_profile_3(self, connection: ServerConnection, request: Request) -> Response | None:
        return self._admit(connection, request, 3)

    def _admit(self, connection: ServerConnection, request: Request, security_profile: int) -> Response | None:
        path = request.path.split("?", 1)[0]
        endpoint = next((e for e in (self.prefix, self.alternate_prefix) if path.startswith(e + "/")), None)
        identity = path[len(endpoint) + 1 :] if endpoint is not None else None
        if endpoint is None or identity != self.channel.identity:
            self.evidence.note(f"refused a WebSocket handshake for unknown path {request.path!r}")
            return connection.respond(HTTPStatus.NOT_FOUND, "unknown charging station identity\n")
        if endpoint in self.refused_endpoints:
            self.refusals[endpoint] = self.refusals.get(endpoint, 0) + 1
            self.evidence.note(f"refused a connection to {endpoint} on purpose (attempt {self.refusals[endpoint]})")
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "this endpoint is not serving now\n")
        self.last_endpoint = endpoint
        self.last_security_profile = security_profile
        self.last_basic_auth = _basic_credentials(request, self.channel.identity)
        if security_profile in (1, 2) and not self._basic_auth_ok():
            self.evidence.finding(
                Severity.NONCONFORMITY, "security", f"{identity} connected without valid HTTP Basic credentials"
            )
            return connection.respond(HTTPStatus.UNAUTHORIZED, "HTTP Basic authentication failed\n")
        return None

    def _basic_auth_ok(self) -> bool:
        given = self.last_basic_auth
        if given is None:
            return False
        expected = self.password or ""
        return given.user == self.channel.identity and hmac.compare_digest(given.password.encode(), expected.encode())

    # ------------------------------------------------------------ connection

    def _note_tls(self, ws: ServerConnection) -> None:
        """Keep what the TLS session negotiated and the station's client certificate, for the A00 checks."""
        ssl_object = ws.transport.get_extra_info("ssl_object")
        if ssl_object is None:
            return
        cipher = ssl_object.cipher()
        self.last_tls = {
            "version": ssl_object.version(),
            "cipher": cipher[0] if cipher else None,
            "variant": self.tls_variant,
        }
        der = ssl_object.getpeercert(binary_form=True)
        self.client_certificate = ClientCertificate.from_der(der) if der else None
        if self.client_certificate is not None:
            self.last_tls["client_certificate"] = self.client_certificate.subject
        self.evidence.note(f"TLS connection: {self.last_tls}")

    async def _handle(self, ws: ServerConnection) -> None:
        if ws.subprotocol is None:
            self.evidence.finding(
                Severity.NONCONFORMITY,
                "websocket",
                f"{self.channel.identity} offered none of the subprotocols {self.dut.ocpp.versions}",
            )
            await ws.close(1002, "no supported OCPP subprotocol")
            return
        self._note_tls(ws)
        self.evidence.note(f"{self.channel.identity} connected with subprotocol {ws.subprotocol}")
        await self.channel.serve(ws, SUBPROTOCOL_TO_VERSION[str(ws.subprotocol)])


def _basic_credentials(request: Request, path_identity: str) -> BasicCredentials | None:
    """The decoded `Authorization: Basic` header, or None when there is none or it cannot be decoded."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return BasicCredentials(user, password, path_identity)
