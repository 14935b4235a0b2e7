"""Bringing the lab up and down: the CSMS server, and in a virtual lab the virtual station as its own process."""

from __future__ import annotations

import asyncio
import json
import os
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
from harness.lab_instruments import LabInstruments
from harness.ocpp.server import CsmsServer
from harness.pki import Authority, load_authority
from harness.verdict import LabError
from harness.virtual.faults import TLS_CLIENT_CERTIFICATE_WRONG_CN
from harness.virtual.features import arguments_for as station_arguments
from instruments.guard import Arming


class VirtualStationProcess:
    """The virtual station, started with the DUT profile's identity and pointed at our CSMS."""

    def __init__(
        self,
        lab: Lab,
        lab_path: Path,
        dut: Dut,
        csms: CsmsServer,
        faults: list[str],
        run_dir: Path,
    ) -> None:
        self.lab, self.lab_path, self.dut, self.faults = lab, lab_path, dut, faults
        self.csms_url, self.csms_pki = csms.url, csms.pki
        self.log_path = run_dir / "virtual-station.log"
        self.bench_journal = run_dir / "virtual-bench.jsonl"
        self.process: subprocess.Popen[bytes] | None = None
        self.control_port = 0
        self.instruments: dict[str, str] = {}
        self.secc_sdp: tuple[str, int] | None = None  # where the virtual SECC answers SDP (unicast on ::1)
        self.secc_v2g_root: Path | None = None  # the root of the PKI the virtual SECC made for this run
        self.manufacturer_root: Path | None = None  # the CA the station checks firmware signing certificates with

    def bench_request(self) -> str | None:
        """The --bench JSON for the virtual instruments the lab file names, or None without instruments."""
        if not self.lab.instruments:
            return None
        request: dict[str, object] = {"drivers": {role: e.driver for role, e in self.lab.instruments.items()}}
        emulator = self.lab.instruments.get("ev_emulator")
        if emulator is not None and isinstance(emulator.options.get("dbc"), str):
            request["ev_dbc"] = str((self.lab_path.parent / emulator.options["dbc"]).resolve())
            request["ev_evse_id"] = self.dut.test_configuration.evse_id
        return json.dumps(request)

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
            "--parent-pid", str(os.getpid()),
        ]  # fmt: skip
        if dut.ocpp.password is not None and dut.ocpp.security_profile in (1, 2):
            args += ["--password", dut.ocpp.password]
        if self.csms_pki is not None:
            args += ["--csms-ca", str(self.csms_pki.root_certificate)]
            if dut.ocpp.security_profile == 3:
                # The certificate is the station's own provisioning, so its fault is applied here.
                name = (
                    dut.ocpp.station_identity if TLS_CLIENT_CERTIFICATE_WRONG_CN in self.faults else dut.identity.serial
                )
                certificate, key = self.csms_pki.station_files(name, dut.identity.vendor)
                args += ["--client-cert", str(certificate), "--client-key", str(key)]
        if self.manufacturer_root is not None:
            args += ["--manufacturer-root", str(self.manufacturer_root)]
        # Optional behaviours that exclude each other (C-60 or not, C-43 or not) follow what the profile claims.
        args += ["--features", ",".join(dut.certification.features)]
        args += station_arguments(dut)  # factory MessageTimeout, Smart Charging or not
        for fault in self.faults:
            args += ["--fault", fault]
        if dut.iso15118 is not None:
            args += self.secc_arguments()
        bench = self.bench_request()
        if bench is not None:
            args += ["--bench", bench, "--bench-journal", str(self.bench_journal)]
        return args

    def secc_arguments(self) -> list[str]:
        """The virtual SECC's offer and timers, as the DUT profile's PICS and PIXIT declare them."""
        pics = self.dut.iso15118
        assert pics is not None
        args = [
            "--secc-services", ",".join(pics.energy_services),
            "--secc-modes", ",".join(pics.control_modes),
            "--secc-sequence-timeout", str(pics.pixit.sequence_timeout_s),
            "--secc-charge-loop-sequence-timeout", str(pics.pixit.charge_loop_sequence_timeout_s),
            "--secc-tls", pics.tls,
        ]  # fmt: skip
        if pics.evse_id is not None:
            args += ["--secc-evse-id", pics.evse_id]
        return args

    async def start(self) -> None:
        assert self.lab.virtual_station is not None
        ready = Path(tempfile.mkdtemp(prefix="harness-vs-")) / "ready.json"
        log = self.log_path.open("ab")
        # Its own session: a Ctrl-C at the terminal must reach the harness only, which makes the virtual
        # instruments safe before it stops the station, exactly as it would on a real bench.
        self.process = subprocess.Popen(
            self.command(ready), stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
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
        announced = json.loads(ready.read_text())
        self.control_port = int(announced["control_port"])
        self.instruments = {str(role): str(resource) for role, resource in announced.get("instruments", {}).items()}
        secc = announced.get("secc")
        if isinstance(secc, dict):
            self.secc_sdp = (str(secc["host"]), int(secc["sdp_port"]))
            root = secc.get("v2g_root")
            self.secc_v2g_root = Path(root) if isinstance(root, str) else None
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


def csms_authority(lab: Lab, lab_path: Path, dut: Dut) -> Authority | None:
    """The lab's CSMS root CA for security profiles 2/3; a virtual lab makes one per run instead."""
    given = lab.csms.authority
    if given is None:
        if dut.ocpp.security_profile >= 2 and lab.kind == "real":
            raise LabError(
                f"security profile {dut.ocpp.security_profile} on a real bench needs csms.authority in the lab file "
                "(the CSMS root CA the charger trusts, certificate and key)"
            )
        return None
    try:
        return load_authority(lab_path.parent / given.certificate, lab_path.parent / given.key)
    except (OSError, ValueError) as exc:
        raise LabError(f"csms.authority: {exc}") from None


class Bench:
    """Everything a test case talks to: the CSMS role, the DUT's manual actions, the lab's instruments."""

    def __init__(
        self,
        lab: Lab,
        lab_path: Path,
        dut: Dut,
        evidence: Evidence,
        faults: list[str],
        run_dir: Path,
        arming: Arming | None = None,
        *,
        open_instruments: bool = True,
    ) -> None:
        self.lab, self.lab_path, self.dut, self.evidence = lab, lab_path, dut, evidence
        self.open_instruments = open_instruments
        self.faults, self.run_dir = faults, run_dir
        self.csms = CsmsServer(lab, dut, evidence)
        self.station: VirtualStationProcess | None = None
        self.actions: DutActions = OperatorDut(evidence, lab.timing.operator_timeout_s)
        self.arming = arming or Arming(required=lab.kind == "real")
        self.instruments: LabInstruments | None = None
        self.instrument_problems: dict[str, str] = {}
        # Block L: a virtual station trusts a manufacturer CA made per run; a real charger's is not ours to have.
        self.firmware_authority: Authority | None = None

    async def start(self) -> None:
        self.csms.authority = csms_authority(self.lab, self.lab_path, self.dut)
        await self.csms.__aenter__()
        if self.lab.kind == "virtual":
            assert self.lab.virtual_station is not None
            self.firmware_authority = Authority.root("Virtual Station Manufacturer Root", "secp256r1")
            self.station = VirtualStationProcess(
                self.lab, self.lab_path, self.dut, self.csms, self.faults, self.run_dir
            )
            self.station.manufacturer_root = self.firmware_authority.write_certificate(
                self.run_dir / "firmware-manufacturer-root.pem"
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
        if self.lab.instruments and self.open_instruments:
            resources = self.station.instruments if self.station is not None else {}
            self.instruments = LabInstruments(self.lab, self.lab_path, self.evidence, self.arming, resources)
            # An instrument that does not answer fails only the cases that need it (as `error`), not the run.
            self.instrument_problems = await asyncio.to_thread(self.instruments.open_each)

    async def make_safe(self) -> None:
        """Every instrument to its safe state; safe to call from any exit path, any number of times."""
        if self.instruments is not None:
            await asyncio.to_thread(self.instruments.safe_state_all)

    async def stop(self) -> None:
        try:
            await self.make_safe()
        finally:
            if self.station is not None:
                await asyncio.to_thread(self.station.stop)
            await self.csms.__aexit__(None, None, None)
