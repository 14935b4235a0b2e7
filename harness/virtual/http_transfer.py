"""The station's side of file transfer (L01 firmware download, N01 log upload): plain HTTP/1.1, one request each."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

TRANSFER_TIMEOUT_S = 10.0


class TransferFailed(Exception):
    """The file could not be fetched or stored (unreachable server, refused, wrong status)."""


async def _exchange(url: str, method: str, body: bytes = b"") -> tuple[int, bytes]:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None:
        raise TransferFailed(f"unsupported location {url!r} (this station speaks HTTP only)")
    path = parts.path or "/"
    host = parts.hostname
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, parts.port or 80), TRANSFER_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
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


async def download(url: str) -> bytes:
    status, content = await _exchange(url, "GET")
    if status != 200:
        raise TransferFailed(f"GET {url}: HTTP {status}")
    return content


async def upload(url: str, body: bytes) -> None:
    status, _ = await _exchange(url, "PUT", body)
    if status not in (200, 201, 204):
        raise TransferFailed(f"PUT {url}: HTTP {status}")
