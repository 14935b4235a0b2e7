"""How fast the CSMS role answers: sequential CALL round trips (validate, record evidence, answer) on loopback.

Run on demand: `python benchmarks/bench_csms.py [N]`. Prints round trips per second and latency percentiles.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

from harness.config import load_dut, load_lab
from harness.evidence import Evidence
from harness.ocpp.server import CsmsServer
from harness.paths import DEFAULT_LAB, DUT_DIR


async def measure(count: int) -> list[float]:
    dut = load_dut(DUT_DIR / "virtual-station.yaml")
    lab = load_lab(DEFAULT_LAB)
    auth = base64.b64encode(f"{dut.ocpp.station_identity}:{dut.ocpp.password}".encode()).decode()
    evidence = Evidence(Path(tempfile.mkdtemp(prefix="bench-csms-")))
    latencies = []
    async with CsmsServer(lab, dut, evidence) as csms:
        url = f"{csms.url}/{dut.ocpp.station_identity}"
        # The shipped DUT runs security profile 2: trust the root CA this CSMS made for the run.
        tls = ssl.create_default_context(cafile=csms.pki.root_certificate) if csms.pki is not None else None
        async with connect(
            url, subprotocols=["ocpp2.0.1"], additional_headers={"Authorization": f"Basic {auth}"}, ssl=tls
        ) as ws:
            payload = {
                "timestamp": "2026-01-01T00:00:00Z",
                "connectorStatus": "Available",
                "evseId": 1,
                "connectorId": 1,
            }
            for index in range(count):
                started = time.perf_counter()
                await ws.send(json.dumps([2, str(index), "StatusNotification", payload]))
                await ws.recv()
                latencies.append(time.perf_counter() - started)
    evidence.close()
    return latencies


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    latencies = asyncio.run(measure(count))
    total = sum(latencies)
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"{count} sequential StatusNotification round trips in {total:.2f} s: {count / total:.0f} per second")
    print(
        f"latency p50 {quantiles[49] * 1e3:.2f} ms, p99 {quantiles[98] * 1e3:.2f} ms, max {max(latencies) * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
