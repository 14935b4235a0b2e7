"""`harness virtual-station`: run the virtual OCPP 2.0.1 charging station on its own."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from harness.iso15118.sequence import ControlMode, EnergyService
from harness.iso15118.timing import Timers
from harness.verdict import LabError
from harness.virtual.bench.assemble import BenchError, BenchRequest, VirtualBench
from harness.virtual.bench.station_port import ManualStationPort
from harness.virtual.claims import DEFAULT_CLAIMS, parse_claims
from harness.virtual.control_api import ControlApi
from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.faults import CATALOGUE, FaultSet, UnknownFault
from harness.virtual.features import DEFAULT_MESSAGE_TIMEOUT_S, MAX_MESSAGE_TIMEOUT_S, StationFeatures
from harness.virtual.secc.config import DEFAULT_EVSE_ID, SeccConfig
from harness.virtual.station import Station, StationConfig
from harness.virtual.tls import StationTls

log = logging.getLogger("harness.virtual")

MAX_EVSES = 32
PARENT_POLL_S = 1.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness virtual-station",
        description="Run the virtual OCPP 2.0.1 charging station against a CSMS, optionally with named faults.",
    )
    parser.add_argument(
        "--csms-url",
        default="ws://127.0.0.1:9000/ocpp",
        help="CSMS WebSocket URL; the station appends /<identity> (default %(default)s)",
    )
    parser.add_argument("--identity", default="VS-0001", help="station identity (default %(default)s)")
    parser.add_argument("--password", help="HTTP Basic password (security profiles 1, 2); no auth header if omitted")
    parser.add_argument("--csms-ca", type=Path, metavar="PEM", help="CSMS root CA to trust (wss://, profiles 2 and 3)")
    parser.add_argument("--client-cert", type=Path, metavar="PEM", help="station certificate chain (profile 3)")
    parser.add_argument("--client-key", type=Path, metavar="PEM", help="its private key (profile 3)")
    parser.add_argument("--manufacturer-root", type=Path, metavar="PEM", help="CA that signs firmware signing certs")
    parser.add_argument(
        "--features", type=parse_claims, default=DEFAULT_CLAIMS, metavar="LIST",
        help="Part 5 optional features / PICS answers to claim, e.g. C-60,AQ-7 (default: the shipped profile's)",
    )  # fmt: skip
    parser.add_argument("--subprotocol", default="ocpp2.0.1", help="WebSocket subprotocol (default %(default)s)")
    parser.add_argument("--evses", type=int, default=1, help="number of EVSEs, one connector each (default 1)")
    parser.add_argument("--control-host", default="127.0.0.1", help="control API bind address (default %(default)s)")
    parser.add_argument("--control-port", type=int, default=0, help="control API port, 0 = ephemeral (default 0)")
    parser.add_argument("--vendor", default="OpenV2G Lab", help="vendorName (default %(default)s)")
    parser.add_argument("--model", default="VirtualStation-1", help="model (default %(default)s)")
    parser.add_argument("--serial", default="VS-0001-SN", help="serialNumber (default %(default)s)")
    parser.add_argument("--firmware", default="0.1.0", help="firmwareVersion (default %(default)s)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="switch on a named fault (repeatable; see --list-faults)",
    )
    parser.add_argument("--message-timeout", type=int, default=DEFAULT_MESSAGE_TIMEOUT_S, metavar="S",
                        help="factory OCPPCommCtrlr.MessageTimeout in s (default %(default)s)")  # fmt: skip
    parser.add_argument("--no-smart-charging", action="store_true", help="no Smart Charging: profiles NotSupported")
    parser.add_argument("--list-faults", action="store_true", help="print the fault names and exit")
    parser.add_argument(
        "--ready-file",
        type=Path,
        help='write {"control_port": N, "pid": P, "instruments": {...}} here once everything listens',
    )
    parser.add_argument(
        "--bench",
        type=_bench_request,
        metavar="JSON",
        help='serve virtual instruments: {"drivers": {"grid": "chroma-61845", "analyser": "yokogawa-wt5000", ...}, '
        '"ev_dbc": PATH, "ev_evse_id": 1}',
    )
    parser.add_argument("--bench-journal", type=Path, help="journal every command the virtual instruments receive")
    parser.add_argument("--parent-pid", type=int, help="stop when this process (the harness) is no longer our parent")
    secc = parser.add_argument_group("ISO 15118-20 SECC (on EVSE 1; off unless --secc-services is given)")
    secc.add_argument("--secc-services", metavar="LIST", help="energy services to offer, e.g. AC,DC,AC_BPT,DC_BPT")
    secc.add_argument("--secc-modes", metavar="LIST", default="Scheduled,Dynamic", help="control modes to offer")
    secc.add_argument("--secc-evse-id", metavar="EVSEID", default=DEFAULT_EVSE_ID, help="EVSEID (%(default)s)")
    secc.add_argument("--secc-sequence-timeout", type=float, default=60.0, metavar="S",
                      help="V2G_SECC_Sequence_Timeout in general (default %(default)s)")  # fmt: skip
    secc.add_argument("--secc-charge-loop-sequence-timeout", type=float, default=0.5, metavar="S",
                      help="V2G_SECC_Sequence_Timeout after a ChargeLoopRes (default %(default)s)")  # fmt: skip
    secc.add_argument("--secc-tls", choices=("none", "optional", "required"), default="none",
                      help="TLS 1.3 on its own port: none, when the EV asks (optional), always (required)")  # fmt: skip
    secc.add_argument("--secc-pki-dir", type=Path, metavar="DIR",
                      help="where the per-run V2G PKI goes (default: a temporary folder removed at exit)")  # fmt: skip
    return parser


def secc_config(args: argparse.Namespace) -> SeccConfig | None:
    """The SECC the arguments ask for; ValueError names a bad service or mode."""
    if not args.secc_services:
        return None
    services = tuple(EnergyService[name.strip()] for name in args.secc_services.split(",") if name.strip())
    modes = tuple(ControlMode(name.strip()) for name in args.secc_modes.split(",") if name.strip())
    timers = Timers(
        sequence_timeout_s=args.secc_sequence_timeout,
        charge_loop_sequence_timeout_s=args.secc_charge_loop_sequence_timeout,
    )
    return SeccConfig(
        evse_id=args.secc_evse_id, services=services, control_modes=modes, timers=timers,
        tls=args.secc_tls, pki_dir=args.secc_pki_dir,
    )  # fmt: skip


def _bench_request(text: str) -> BenchRequest:
    try:
        data = json.loads(text)
        drivers = data["drivers"]
        if not isinstance(drivers, dict) or not all(isinstance(v, str) for v in drivers.values()):
            raise ValueError("drivers must map roles to driver names")
        dbc = data.get("ev_dbc")
        return BenchRequest(
            drivers={str(k): v for k, v in drivers.items()},
            ev_dbc=Path(dbc) if dbc else None,
            ev_evse_id=int(data.get("ev_evse_id", 1)),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise argparse.ArgumentTypeError(f"not a bench request: {exc}") from None


def _problem(args: argparse.Namespace) -> str | None:
    """One line describing invalid arguments, or None."""
    url = urlparse(args.csms_url)
    if url.scheme not in ("ws", "wss") or not url.hostname:
        return f"--csms-url must be a ws:// or wss:// URL, got {args.csms_url!r}"
    if not 1 <= args.message_timeout <= MAX_MESSAGE_TIMEOUT_S:
        return f"--message-timeout must be between 1 and {MAX_MESSAGE_TIMEOUT_S}"
    if not 1 <= args.evses <= MAX_EVSES:
        return f"--evses must be between 1 and {MAX_EVSES}"
    if not 0 <= args.control_port <= 65535:
        return "--control-port must be between 0 and 65535"
    if not args.identity or len(args.identity) > 48:
        return "--identity must be 1 to 48 characters"
    if url.scheme == "wss" and args.csms_ca is None:
        return "--csms-url wss:// needs --csms-ca (the CSMS root CA the station trusts)"
    if (args.client_cert is None) != (args.client_key is None):
        return "--client-cert and --client-key go together"
    for option, path in (
        ("--csms-ca", args.csms_ca),
        ("--client-cert", args.client_cert),
        ("--client-key", args.client_key),
    ):
        if path is not None and not path.is_file():
            return f"{option}: no such file {path}"
    return None


def write_ready_file(
    path: Path, port: int, instruments: dict[str, str] | None = None, secc: dict[str, object] | None = None
) -> None:
    """Write the ready file atomically: readers see either nothing or the whole JSON."""
    directory = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".ready-")
    announced: dict[str, object] = {"control_port": port, "pid": os.getpid(), "instruments": instruments or {}}
    if secc is not None:
        announced["secc"] = secc
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(announced, handle)
    os.replace(temporary, path)


async def _serve(config: StationConfig, args: argparse.Namespace) -> int:
    station = Station(config)
    api = ControlApi(station, args.control_host, args.control_port)
    try:
        port = await api.start()
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", args.control_host, args.control_port, exc.strerror or exc)
        return 3
    bench: VirtualBench | None = None
    resources: dict[str, str] = {}
    if args.bench is not None:
        args.bench.journal = args.bench_journal
        bench = VirtualBench(args.bench, station.plant, station.faults, ManualStationPort(station))
        try:
            resources = await bench.start()
        except BenchError as exc:
            log.error("virtual bench: %s", exc)
            await api.stop()
            return 3
    secc: dict[str, object] | None = None
    if station.secc is not None:
        try:
            await station.secc.start()
        except (OSError, LabError) as exc:
            why = getattr(exc, "strerror", None) or exc
            log.error("the SECC cannot start on [%s]: %s", station.secc.config.host, why)
            if bench is not None:
                await bench.stop()
            await api.stop()
            return 3
        secc = {
            "host": station.secc.config.host,
            "sdp_port": station.secc.sdp_port,
            "tcp_port": station.secc.tcp_port,
            "tls_port": station.secc.tls_port,
            "v2g_root": str(station.secc.v2g_root) if station.secc.v2g_root else None,
        }
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    watcher = asyncio.ensure_future(_stop_when_orphaned(args.parent_pid, stop)) if args.parent_pid else None
    try:
        if args.ready_file is not None:
            write_ready_file(args.ready_file, port, resources, secc)
        await station.run(stop)
    finally:
        if watcher is not None:
            watcher.cancel()
        if bench is not None:
            await bench.stop()
        await api.stop()
    return 0


async def _stop_when_orphaned(parent_pid: int, stop: asyncio.Event) -> None:
    """A harness killed with SIGKILL cannot stop us (we run in our own session): leave when it is gone."""
    while os.getppid() == parent_pid:
        await asyncio.sleep(PARENT_POLL_S)
    log.warning("the process that started this station (pid %d) is gone; stopping", parent_pid)
    stop.set()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `harness virtual-station` and `python -m harness.virtual`."""
    args = build_parser().parse_args(argv)
    if args.list_faults:
        for fault in CATALOGUE:
            print(fault.name)
        return 0
    try:
        faults = FaultSet(args.fault)
    except UnknownFault as exc:
        print(f"virtual-station: {exc}", file=sys.stderr)
        return 2
    problem = _problem(args)
    if problem is not None:
        print(f"virtual-station: {problem}", file=sys.stderr)
        return 2
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("websockets").setLevel(logging.WARNING)
    identity = StationIdentity(args.identity, args.vendor, args.model, args.serial, args.firmware)
    try:
        secc = secc_config(args)
    except (KeyError, ValueError) as exc:
        print(f"virtual-station: --secc-services/--secc-modes: unknown value {exc}", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as cleanup:
        if secc is not None and secc.tls != "none" and secc.pki_dir is None:
            pki_dir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="virtual-secc-pki-")))
            secc = dataclasses.replace(secc, pki_dir=pki_dir)
        tls = StationTls(args.csms_ca, args.client_cert, args.client_key) if args.csms_ca is not None else None
        config = StationConfig(
            args.csms_url, identity, args.password, args.subprotocol, args.evses, tuple(faults.names),
            secc=secc, tls=tls, manufacturer_root=args.manufacturer_root, claims=args.features,
            features=StationFeatures(args.message_timeout, smart_charging=not args.no_smart_charging),
        )  # fmt: skip
        return asyncio.run(_serve(config, args))
