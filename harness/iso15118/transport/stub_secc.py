"""A transport-only SECC stand-in: SDP server plus a TCP (or TLS) server that echoes every V2GTP frame.

It lets the EV transport be exercised end to end without EXI or a session engine: in the test bed, in CI, or by
hand (`ip netns exec NS python -m harness.iso15118.transport.stub_secc --interface IF`). It prints one JSON line
(`{"address": ..., "port": ...}`) once it answers SDP, and stops on SIGTERM/SIGINT or after `--duration` seconds,
so a forgotten process cannot outlive a test run for long.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import socket
import ssl
import sys
from pathlib import Path
from types import TracebackType

from harness.iso15118.transport.errors import TransportError
from harness.iso15118.transport.sdp import Security
from harness.iso15118.transport.sdp_server import SdpServer
from harness.iso15118.transport.tls import server_context
from harness.iso15118.transport.v2gtp import read_frame
from harness.verdict import DutTimeout


class StubSecc:
    """SDP on `interface` announcing a V2GTP echo server on `host`:`tcp_port` (0: any free port)."""

    def __init__(
        self,
        interface: str,
        *,
        tcp_port: int = 0,
        host: str = "::",
        tls: ssl.SSLContext | None = None,
        ignore_first: int = 0,
        idle_timeout: float = 30.0,
    ) -> None:
        self.interface = interface
        self.tls = tls
        self.idle_timeout = idle_timeout
        self.frames_echoed = 0
        self._requested_port = tcp_port
        self._host = host
        self._ignore_first = ignore_first
        self._server: asyncio.Server | None = None
        self._sdp: SdpServer | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> StubSecc:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    @property
    def sdp(self) -> SdpServer:
        if self._sdp is None:
            raise RuntimeError("the stub SECC is not started")
        return self._sdp

    async def start(self) -> None:
        if self._server is not None:
            return
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._requested_port))
        self._server = await asyncio.start_server(self._echo, sock=sock, ssl=self.tls)
        port = int(sock.getsockname()[1])
        security = Security.TLS if self.tls is not None else Security.NO_TLS
        self._sdp = SdpServer(self.interface, tcp_port=port, security=security, ignore_first=self._ignore_first)
        try:
            await self._sdp.start()
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Stop SDP, the listener and every open connection; safe to call more than once."""
        if self._sdp is not None:
            self._sdp.close()
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.close()
        if server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2.0):
                    await server.wait_closed()

    async def _echo(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                frame = await read_frame(reader, timeout=self.idle_timeout)
                writer.write(frame.to_bytes())
                await writer.drain()
                self.frames_echoed += 1
        except (TransportError, DutTimeout, OSError, ssl.SSLError):
            pass  # a malformed frame, silence or a reset ends the connection, as an SECC would
        finally:
            self._writers.discard(writer)
            writer.close()


async def _serve(args: argparse.Namespace) -> None:
    tls = server_context(Path(args.tls_cert), Path(args.tls_key)) if args.tls_cert else None
    async with StubSecc(args.interface, tcp_port=args.tcp_port, tls=tls, ignore_first=args.ignore_first) as stub:
        print(json.dumps({"address": str(stub.sdp.address), "port": stub.sdp.tcp_port}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(args.duration):
                await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--interface", required=True, help="interface for SDP (needs an IPv6 link-local address)")
    parser.add_argument("--tcp-port", type=int, default=0, help="TCP port to listen on and announce (0: any)")
    parser.add_argument("--tls-cert", help="PEM certificate chain: serve TLS 1.3 instead of plain TCP")
    parser.add_argument("--tls-key", help="PEM private key for --tls-cert")
    parser.add_argument("--ignore-first", type=int, default=0, help="stay silent for the first N SDP requests")
    parser.add_argument("--duration", type=float, default=300.0, help="stop after this many seconds")
    args = parser.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        parser.error("--tls-cert and --tls-key go together")
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
