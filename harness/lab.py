"""Bringing the lab up and down: the CSMS server, and in a virtual lab the virtual station as its own process."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness.config import Dut, Lab
from harness.dut import DutActions, OperatorDut, VirtualDut
from harness.evidence import Evidence
from harness.ocpp.server import CsmsServer
from harness.verdict import LabError


class VirtualStationProcess:
    """The virtual station, started with the DUT profile's identity and pointed at our CSMS."""

    def __init__(self, lab: Lab, dut: Dut, csms_url: str, faults: list[str], log_path: Path) -> None:
        self.lab, self.dut, self.csms_url, self.faults, self.log_path = lab, dut, csms_url, faults, log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.control_port = 0

    def command(self, ready_file: Path) -> list[str]:
        assert self.lab.virtual_station is not None
        dut = self.dut
        args = [
            sys.executable, "-m", "harness.virtual",
            "--csms-url", self.csms_url,
            "--identity", dut.ocpp.station_identity,
            "--evses", str(len(dut.evses)),
            "--control-host", self.lab.virtual_station.control_host,
            "--control-port", "0",
            "--vendor", dut.identity.vendor, "--model", dut.identity.model,
            "--serial", dut.identity.serial, "--firmware", dut.identity.firmware,
            "--subprotocol", dut.ocpp.preferred_version,
            "--ready-file", str(ready_file),
        ]  # fmt: skip
        if dut.ocpp.password is not None:
            args += ["--password", dut.ocpp.password]
        for fault in self.faults:
            args += ["--fault", fault]
        return args

    async def start(self) -> None:
        assert self.lab.virtual_station is not None
        ready = Path(tempfile.mkdtemp(prefix="harness-vs-")) / "ready.json"
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(self.command(ready), stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + self.lab.virtual_station.startup_timeout_s
        while not ready.exists():
            if self.process.poll() is not None:
                raise LabError(
                    f"the virtual station exited at start (code {self.process.returncode}); see {self.log_path}"
                )
            if time.monotonic() > deadline:
                raise LabError(f"the virtual station did not become ready; see {self.log_path}")
            await asyncio.sleep(0.05)
        self.control_port = int(json.loads(ready.read_text())["control_port"])
        shutil.rmtree(ready.parent, ignore_errors=True)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


class Bench:
    """Everything a test case talks to: the CSMS role and the DUT's manual actions."""

    def __init__(self, lab: Lab, dut: Dut, evidence: Evidence, faults: list[str], run_dir: Path) -> None:
        self.lab, self.dut, self.evidence, self.faults, self.run_dir = lab, dut, evidence, faults, run_dir
        self.csms = CsmsServer(lab, dut, evidence)
        self.station: VirtualStationProcess | None = None
        self.actions: DutActions = OperatorDut(evidence, lab.timing.operator_timeout_s)

    async def start(self) -> None:
        await self.csms.__aenter__()
        if self.lab.kind == "virtual":
            assert self.lab.virtual_station is not None
            self.station = VirtualStationProcess(
                self.lab, self.dut, self.csms.url, self.faults, self.run_dir / "virtual-station.log"
            )
            await self.station.start()
            self.actions = VirtualDut(
                self.lab.virtual_station.control_host,
                self.station.control_port,
                self.evidence,
                self.lab.timing.manual_action_pause_s,
            )
        else:
            self.evidence.note(
                f"waiting for the charger to connect to {self.csms.url}/{self.dut.ocpp.station_identity}"
            )

    async def stop(self) -> None:
        if self.station is not None:
            await asyncio.to_thread(self.station.stop)
        await self.csms.__aexit__(None, None, None)
