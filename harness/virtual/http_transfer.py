"""The station's side of file transfer (L01 firmware download, N01 log upload): HTTP/1.1, one request each, over
TLS for an https:// location (trusting what the station's TLS client trusts: the CSMS roots it holds)."""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

TRANSFER_TIMEOUT_S = 10.0


class TransferFailed(Exception):
    """The file could not be fetched or stored (unreachable server, refused, wrong status)."""


async def _exchange(url: str, method: str, body: bytes = b"", tls: ssl.SSLContext | None = None) -> tuple[int, bytes]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.hostname is None:
        raise TransferFailed(f"unsupported location {url!r} (this station speaks HTTP and HTTPS only)")
    if parts.scheme == "https" and tls is None:
        raise TransferFailed(f"{url}: HTTPS needs a trusted root, and this station was given none")
    path = parts.path or "/"
    host = parts.hostname
    secure = tls if parts.scheme == "https" else None
    port = parts.port or (443 if secure else 80)
    try:
        connecting = asyncio.open_connection(host, port, ssl=secure, server_hostname=host if secure else None)
        reader, writer = await asyncio.wait_for(connecting, TRANSFER_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:  # ssl.SSLError (an untrusted server) is an OSError
        raise TransferFailed(f"cannot connect to {host}: {exc}") from None
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(body)}\r\n"
        writer.write((head + "Connection: close\r\n\r\n").encode("latin-1") + body)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), TRANSFER_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise TransferFailed(f"{method} {url}: {exc}") from None
    finally:
        writer.close()
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, content = rest.partition(b"\r\n\r\n")
    try:
        status = int(status_line.split(b" ")[1])
    except (IndexError, ValueError):
        raise TransferFailed(f"{method} {url}: not an HTTP answer") from None
    return status, content


async def download(url: str, tls: ssl.SSLContext | None = None) -> bytes:
    status, content = await _exchange(url, "GET", tls=tls)
    if status != 200:
        raise TransferFailed(f"GET {url}: HTTP {status}")
    return content


async def upload(url: str, body: bytes, tls: ssl.SSLContext | None = None) -> None:
    status, _ = await _exchange(url, "PUT", body, tls)
    if status not in (200, 201, 204):
        raise TransferFailed(f"PUT {url}: HTTP {status}")
