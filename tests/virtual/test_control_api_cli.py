"""The control API's handling of bad input, and the command line (`python -m harness.virtual`)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.virtual.cli import main
from harness.virtual.faults import CATALOGUE

from .fake_csms import FakeCsms, booted, control, lab

REPO = Path(__file__).resolve().parents[2]


def test_control_api_rejects_bad_requests_without_harm() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            assert await control(port, "GET", "/nowhere") == (404, {"error": "no route GET /nowhere"})
            assert (await control(port, "GET", "/plug"))[0] == 405
            assert (await control(port, "POST", "/plug", raw=b"{not json"))[0] == 400
            assert (await control(port, "POST", "/plug", raw=b"[1, 2]"))[0] == 400
            assert (await control(port, "POST", "/plug", {"evse_id": "one"}))[0] == 400
            assert (await control(port, "POST", "/plug", {}))[0] == 400
            assert (await control(port, "POST", "/plug", {"evse_id": 7}))[0] == 404
            assert (await control(port, "POST", "/plug", {"evse_id": 1, "connector_id": 3}))[0] == 404
            assert (await control(port, "POST", "/unplug", {"evse_id": 1}))[0] == 409
            assert (await control(port, "POST", "/ev/suspend", {"evse_id": 1}))[0] == 409
            assert (await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": ""}))[0] == 400
            assert (await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "A", "type": "Bogus"}))[
                0
            ] == 400
            assert (await control(port, "POST", "/plug", raw=b"x" * (70 * 1024)))[0] == 413
            assert await control(port, "POST", "/plug", {"evse_id": 1}) == (200, {"ok": True})
            assert (await control(port, "POST", "/plug", {"evse_id": 1}))[0] == 409
            status, state = await control(port, "GET", "/state")
            assert status == 200 and state["connected"] is True and state["registration"] == "Accepted"
            assert state["faults"] == []
            evse = state["evses"][0]
            assert evse["connectors"] == [{"id": 1, "status": "Occupied", "plugged": True}]
            assert set(evse) == {
                "id",
                "operative",
                "connectors",
                "transaction_id",
                "charging_state",
                "power_w",
                "energy_wh",
                "limit_w",
            }
            assert evse["limit_w"] is None  # no charging profile limits it
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GARBAGE\r\n\r\n")
            await writer.drain()
            assert b" 400 " in (await asyncio.wait_for(reader.read(), 5)).split(b"\r\n")[0]
            writer.close()

    asyncio.run(scenario())


def test_list_faults_and_unknown_fault(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list-faults"]) == 0
    out = capsys.readouterr().out.split()
    assert out == [fault.name for fault in CATALOGUE]
    assert main(["--fault", "no-such-fault"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-fault" in err
    assert main(["--csms-url", "http://x", "--fault", "seqno-gap", "--fault", "seqno-gap"]) == 2


def test_subprocess_station_writes_ready_file_connects_and_stops_on_sigterm(tmp_path: Path) -> None:
    async def scenario() -> None:
        csms = FakeCsms()
        await csms.start()
        ready = tmp_path / "ready.json"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "harness.virtual",
                "--csms-url",
                csms.url,
                "--identity",
                "CS-SUB",
                "--fault",
                "seqno-gap",
                "--fault",
                "seqno-gap",
                "--ready-file",
                str(ready),
            ],
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        try:
            deadline = time.monotonic() + 10
            while not ready.exists() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            info = json.loads(ready.read_text())
            assert info["pid"] == process.pid and info["control_port"] > 0
            await booted(csms)
            status, state = await control(info["control_port"], "GET", "/state")
            assert status == 200 and state["faults"] == ["seqno-gap"]
            assert csms.paths == ["/ocpp/CS-SUB"]
        finally:
            process.send_signal(signal.SIGTERM)
            _, err = await asyncio.to_thread(process.communicate, timeout=10)
            await csms.stop()
        assert process.returncode == 0
        assert "Traceback" not in err
        assert "connected to" in err

    asyncio.run(scenario())


def test_subprocess_station_survives_an_absent_csms() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.virtual", "--csms-url", "ws://127.0.0.1:9/ocpp"],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "cannot connect" in err and "Traceback" not in err
