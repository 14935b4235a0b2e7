"""The file server a CSMS's operator runs for firmware downloads (L01) and log uploads (N01).

HTTP/1.1 on the lab's CSMS interface, an ephemeral port, one `async with` lifetime (a test case): GET serves the
files `publish` put there, PUT or POST stores an upload under its path. A real charger must reach it, so the URLs
name `csms.public_host` (or `csms.bind_host`) like the CSMS URL does. A transfer can be paced (a large file on a
slow link) so that a case can act while it is still in progress. With a TLS context it serves HTTPS; `for_csms`
picks the scheme the lab file asks for (`csms.file_transfer`), https with the CSMS's own server certificate.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from dataclasses import dataclass
from types import TracebackType

from harness.config import Lab
from harness.ocpp.server import CsmsServer
from harness.ocpp.tls import CsmsPki
from harness.verdict import LabError

_HEADER_LIMIT = 64 * 1024
_BODY_LIMIT = 64 * 1024 * 1024
_READ_TIMEOUT_S = 10.0
_PACE_STEPS = 10  # a paced transfer moves its bytes in this many slices spread over the time it is to take


@dataclass(frozen=True)
class Upload:
    """One file a station uploaded, with when it arrived (monotonic seconds)."""

    path: str
    body: bytes
    at: float


class FileServer:
    """Serves published files and collects uploads for as long as the `async with` block lasts."""

    def __init__(self, lab: Lab, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._bind_host = lab.csms.bind_host
        self._public_host = lab.csms.public_host or lab.csms.bind_host
        self._files: dict[str, bytes] = {}
        self._slow: dict[str, float] = {}  # path -> seconds a download of it takes (a large image on a slow link)
        self.upload_takes_s = 0.0  # seconds each upload takes from now on (the server reads it slowly)
        self._server: asyncio.Server | None = None
        self.port = 0
        self.uploads: list[Upload] = []
        self.refuse_uploads = False  # answer every upload 500, for the failing-upload cases
        self.refused: list[float] = []  # when each refused upload arrived (monotonic seconds)
        self._arrived = asyncio.Event()
        self._handlers: set[asyncio.Task[None]] = set()  # transfers under way, ended with the server
        self._receiving = asyncio.Event()  # set when an upload's request has come in (its body may still be coming)

    def url(self, path: str) -> str:
        host = f"[{self._public_host}]" if ":" in self._public_host else self._public_host
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{host}:{self.port}/{path.lstrip('/')}"

    def publish(self, path: str, content: bytes, *, takes_s: float = 0.0) -> str:
        """Make `content` downloadable, each download lasting `takes_s` at least; returns its URL."""
        self._files["/" + path.lstrip("/")] = content
        self._slow["/" + path.lstrip("/")] = takes_s
        return self.url(path)

    async def next_upload(self, timeout: float) -> Upload | None:
        """The first upload not yet returned, waiting at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not self.uploads:
            self._arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                return None
        return self.uploads.pop(0)

    async def upload_begun(self, timeout: float) -> bool:
        """Whether an upload request has reached the server (paced by the pace in force then), within `timeout`."""
        try:
            await asyncio.wait_for(self._receiving.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def __aenter__(self) -> FileServer:
        try:
            self._server = await asyncio.start_server(
                self._serve, self._bind_host, 0, limit=_HEADER_LIMIT, ssl=self._tls
            )
        except OSError as exc:
            raise LabError(f"the file server cannot listen on {self._bind_host}: {exc.strerror}") from None
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for handler in list(self._handlers):  # a paced transfer must not outlive the case
            handler.cancel()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT_S)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            path = target.split("?", 1)[0]
            if method == "GET":
                content = self._files.get(path)
                answer = (200, content) if content is not None else (404, b"not found")
                await _answer(writer, answer, takes_s=self._slow.get(path, 0.0))
            elif method in ("PUT", "POST"):
                length = int(headers.get("content-length", "0"))
                if length > _BODY_LIMIT:
                    await _answer(writer, (413, b"too large"))
                    return
                paced = self.upload_takes_s
                self._receiving.set()
                body = await _paced_read(reader, length, paced)
                if paced > 0 and reader.at_eof():
                    return  # the client hung up while its slow upload was still going on: it never completed
                if self.refuse_uploads:
                    self.refused.append(time.monotonic())
                    await _answer(writer, (500, b"upload refused"))
                    return
                self.uploads.append(Upload(path, body, time.monotonic()))
                self._arrived.set()
                await _answer(writer, (201, b""))
            else:
                await _answer(writer, (405, b"method not allowed"))
        except (OSError, ValueError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            # (an ssl.SSLError, e.g. a client that does not trust us, is an OSError)
            pass  # a broken request is the client's problem; the station then reports its own failure
        finally:
            writer.close()


def for_csms(csms: CsmsServer) -> FileServer:
    """The file server of a case, by `csms.file_transfer`: auto is https when the CSMS serves TLS, else http."""
    scheme = csms.lab.csms.file_transfer
    if scheme == "auto":
        scheme = "https" if csms.pki is not None else "http"
    if scheme == "http":
        return FileServer(csms.lab)
    if csms.pki is None:
        raise LabError("csms.file_transfer https needs the CSMS's TLS certificates: a DUT at security profile 2 or 3")
    return FileServer(csms.lab, tls=https_context(csms.pki))


def https_context(pki: CsmsPki) -> ssl.SSLContext:
    """TLS 1.2 or newer with the CSMS's valid server certificate: the name the URLs carry, issued by its root."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(*pki.server_files("valid"))
    return context


async def _paced_read(reader: asyncio.StreamReader, length: int, takes_s: float) -> bytes:
    """`length` bytes of request body, read in slices spread over `takes_s` (all at once when 0)."""
    if takes_s <= 0:
        return await asyncio.wait_for(reader.readexactly(length), _READ_TIMEOUT_S)
    body = b""
    for step in range(_PACE_STEPS):
        await asyncio.sleep(takes_s / _PACE_STEPS)
        want = length * (step + 1) // _PACE_STEPS - len(body)
        body += await asyncio.wait_for(reader.readexactly(want), _READ_TIMEOUT_S)
    return body


async def _answer(writer: asyncio.StreamWriter, response: tuple[int, bytes], *, takes_s: float = 0.0) -> None:
    """The response; with `takes_s` its body goes out in slices spread over that time, as a slow link would."""
    status, body = response
    reason = {200: "OK", 201: "Created", 404: "Not Found", 405: "Method Not Allowed", 413: "Too Large"}
    head = (
        f"HTTP/1.1 {status} {reason.get(status, 'Error')}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode("latin-1"))
    steps = _PACE_STEPS if takes_s > 0 else 1
    sent = 0
    for step in range(steps):
        if takes_s > 0:
            await asyncio.sleep(takes_s / steps)
        end = len(body) * (step + 1) // steps
        writer.write(body[sent:end])
        sent = end
        await writer.drain()
