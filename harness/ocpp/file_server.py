"""The file server a CSMS's operator runs for firmware downloads (L01) and log uploads (N01).

HTTP/1.1 on the lab's CSMS interface, an ephemeral port, one `async with` lifetime (a test case): GET serves the
files `publish` put there, PUT or POST stores an upload under its path. A real charger must reach it, so the URLs
name `csms.public_host` (or `csms.bind_host`) like the CSMS URL does.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from types import TracebackType

from harness.config import Lab
from harness.verdict import LabError

_HEADER_LIMIT = 64 * 1024
_BODY_LIMIT = 64 * 1024 * 1024
_READ_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Upload:
    """One file a station uploaded, with when it arrived (monotonic seconds)."""

    path: str
    body: bytes
    at: float


class FileServer:
    """Serves published files and collects uploads for as long as the `async with` block lasts."""

    def __init__(self, lab: Lab) -> None:
        self._bind_host = lab.csms.bind_host
        self._public_host = lab.csms.public_host or lab.csms.bind_host
        self._files: dict[str, bytes] = {}
        self._slow: dict[str, float] = {}  # path -> seconds a download of it takes (a large image on a slow link)
        self._server: asyncio.Server | None = None
        self.port = 0
        self.uploads: list[Upload] = []
        self.refuse_uploads = False  # answer every upload 500, for the failing-upload cases
        self.refused: list[float] = []  # when each refused upload arrived (monotonic seconds)
        self._arrived = asyncio.Event()

    def url(self, path: str) -> str:
        return f"http://{self._public_host}:{self.port}/{path.lstrip('/')}"

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

    async def __aenter__(self) -> FileServer:
        try:
            self._server = await asyncio.start_server(self._serve, self._bind_host, 0, limit=_HEADER_LIMIT)
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

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT_S)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            path = target.split("?", 1)[0]
            if method == "GET":
                content = self._files.get(path)
                await asyncio.sleep(self._slow.get(path, 0.0))
                await _answer(writer, (200, content) if content is not None else (404, b"not found"))
            elif method in ("PUT", "POST"):
                length = int(headers.get("content-length", "0"))
                if length > _BODY_LIMIT:
                    await _answer(writer, (413, b"too large"))
                    return
                body = await asyncio.wait_for(reader.readexactly(length), _READ_TIMEOUT_S)
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
            pass  # a broken request is the client's problem; the station then reports its own failure
        finally:
            writer.close()


async def _answer(writer: asyncio.StreamWriter, response: tuple[int, bytes]) -> None:
    status, body = response
    reason = {200: "OK", 201: "Created", 404: "Not Found", 405: "Method Not Allowed", 413: "Too Large"}
    head = (
        f"HTTP/1.1 {status} {reason.get(status, 'Error')}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode("latin-1") + body)
    await writer.drain()
