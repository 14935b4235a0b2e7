"""The CSMS role against a scripted raw WebSocket client: handshake rules, findings, expect and call."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from harness.config import Dut, load_dut, load_lab
from harness.evidence import Evidence
from harness.ocpp.server import CsmsServer
from harness.paths import DEFAULT_LAB, DUT_DIR
from harness.verdict import DutTimeout, Nonconformity, Severity

SHIPPED = load_dut(DUT_DIR / "virtual-station.yaml")
# Plain ws:// (profile 1) keeps these tests about framing; test_profile_2_* runs the same over TLS.
DUT = SHIPPED.model_copy(update={"ocpp": SHIPPED.ocpp.model_copy(update={"security_profile": 1})})
LAB = load_lab(DEFAULT_LAB).model_copy(
    update={"timing": load_lab(DEFAULT_LAB).timing.model_copy(update={"message_timeout_s": 0.5})}
)
IDENTITY = DUT.ocpp.station_identity
AUTH = "Basic " + base64.b64encode(f"{IDENTITY}:{DUT.ocpp.password}".encode()).decode()

Scenario = Callable[[CsmsServer, ClientConnection, Evidence], Awaitable[None]]


def run(tmp_path: Path, scenario: Scenario, *, auth: str = AUTH, path: str = IDENTITY, dut: Dut = DUT) -> Evidence:
    evidence = Evidence(tmp_path)

    async def main() -> None:
        async with CsmsServer(LAB, dut, evidence) as csms:
            tls = ssl.create_default_context(cafile=csms.pki.root_certificate) if csms.pki is not None else None
            url, headers = f"{csms.url}/{path}", {"Authorization": auth}
            async with connect(url, subprotocols=["ocpp2.0.1"], additional_headers=headers, ssl=tls) as ws:
                await csms.channel.wait_connected(2)
                await scenario(csms, ws, evidence)

    asyncio.run(asyncio.wait_for(main(), 20))
    return evidence


async def boot(ws: ClientConnection) -> dict[str, Any]:
    await ws.send(
        json.dumps(
            [2, "b1", "BootNotification", {"reason": "PowerUp", "chargingStation": {"model": "m", "vendorName": "v"}}]
        )
    )
    return json.loads(await ws.recv())


def test_default_boot_answer_is_accepted(tmp_path: Path) -> None:
    async def scenario(csms: CsmsServer, ws: ClientConnection, evidence: Evidence) -> None:
        answer = await boot(ws)
        assert answer[0] == 3 and answer[2]["status"] == "Accepted"
        received = await csms.channel.expect("BootNotification", timeout=1)
        assert received.get("chargingStation.model") == "m"

    evidence = run(tmp_path, scenario)
    assert evidence.current_findings() == []


def test_profile_2_boots_over_tls_with_basic_auth(tmp_path: Path) -> None:
    async def scenario(csms: CsmsServer, ws: ClientConnection, evidence: Evidence) -> None:
        assert csms.url.startswith("wss://")
        answer = await boot(ws)
        assert answer[0] == 3 and answer[2]["status"] == "Accepted"
        assert csms.last_tls["version"] in ("TLSv1.2", "TLSv1.3")

    evidence = run(tmp_path, scenario, dut=SHIPPED)
    assert SHIPPED.ocpp.security_profile == 2 and evidence.current_findings() == []


def test_schema_violation_is_a_finding_not_a_callerror(tmp_path: Path) -> None:
    async def scenario(csms: CsmsServer, ws: ClientConnection, evidence: Evidence) -> None:
        await ws.send(
            json.dumps(
                [
                    2,
                    "s1",
                    "StatusNotification",
                    {"timestamp": "2026-01-01T00:00:00", "connectorStatus": "Available", "evseId": 1, "connectorId": 1},
                ]
            )
        )
        answer = json.loads(await ws.recv())
        assert answer[0] == 3  # answered normally; the verdict is the harness's business
        findings = evidence.current_findings()
        assert findings and findings[0].kind == "schema" and "timestamp" in findings[0].message

    run(tmp_path, scenario)


def test_malformed_frame_is_a_framing_finding(tmp_path: Path) -> None:
    async def scenario(csms: CsmsServer, ws: ClientConnection, evidence: Evidence) -> None:
        await ws.send('[2,"x","Heartbeat",{')
        answer = json.loads(await ws.recv())
        assert answer[0] == 4 and answer[2] == "RpcFrameworkError"
        assert evidence.current_findings()[0].kind == "framing"

    run(tmp_path, scenario)


def test_second_call_before_answer_is_flagged(tmp_path: Path) -> None:
    async def scenario(csms: CsmsServer, ws: ClientConnection, evidence: Evidence) -> None:
        async def slow(_: Any) -> dict[str, Any]:
            await asyncio.sleep(0.3)
            return {"currentTime": "2026-01-01T00:00:00Z"}

        csms.channel.respond("Heartbeat", slow)
        await ws.send(json.dumps([2, "h1", "Heartbeat", {}]))
        await ws.send(json.dumps([2, "h2", "Heartbeat", {}]))
        await ws.recv()
        await ws.recv()
        assert any(f.kind == "rpc" and "in flight" in f.message for f in evidence.current_findings())

    run(tmp_path, scenario)


def test_expect_is_order_tolerant_and_times_out_with_a_reason(tmp_path: Path) -> None:
    async def scenario(csms: CsmsServer, ws: ClientConnection, evidence: Evidence) -> None:
        for message_id, action in (("1", "Heartbeat"), ("2", "Heartbeat")):
            await ws.send(json.dumps([2, message_id, action, {}]))
            await ws.recv()
        second = await csms.channel.expect("Heartbeat", lambda r: r.message_id == "2", timeout=1)
        first = await csms.channel.expect("Heartbeat", timeout=1)
        assert (first.message_id, second.message_id) == ("1", "2")
        with pytest.raises(DutTimeout, match="no HeartbeatRequest"):
            await csms.channel.expect("Heartbeat", timeout=0.2)

    run(tmp_path, scenario)


def test_call_callerror_and_timeout_are_nonconformities(tmp_path: Path) -> None:
    async def scenario(csms: CsmsServer, ws: ClientConnection, evidence: Evidence) -> None:
        async def answer_with_error() -> None:
            frame = json.loads(await ws.recv())
            await ws.send(json.dumps([4, frame[1], "NotSupported", "nope", {}]))

        task = asyncio.create_task(answer_with_error())
        with pytest.raises(Nonconformity, match="CALLERROR NotSupported"):
            await csms.channel.call("Reset", {"type": "Immediate"})
        await task
        with pytest.raises(DutTimeout, match="no response to ResetRequest"):
            await csms.channel.call("Reset", {"type": "Immediate"})
        frame = json.loads(await ws.recv())
        await ws.send(json.dumps([3, frame[1], {"status": "Accepted"}]))
        await asyncio.sleep(0.1)
        assert any(f.kind == "timeout" for f in evidence.current_findings())

    run(tmp_path, scenario)


def test_response_schema_violation_recorded(tmp_path: Path) -> None:
    async def scenario(csms: CsmsServer, ws: ClientConnection, evidence: Evidence) -> None:
        async def answer_badly() -> None:
            frame = json.loads(await ws.recv())
            await ws.send(json.dumps([3, frame[1], {"status": "Maybe"}]))

        task = asyncio.create_task(answer_badly())
        outcome = await csms.channel.call("Reset", {"type": "Immediate"})
        await task
        assert outcome.get("status") == "Maybe"
        assert evidence.current_findings()[0].severity is Severity.NONCONFORMITY

    run(tmp_path, scenario)


@pytest.mark.parametrize(("auth", "path", "status"), [("Basic Zm9vOmJhcg==", IDENTITY, 401), (AUTH, "OTHER", 404)])
def test_handshake_refusals(tmp_path: Path, auth: str, path: str, status: int) -> None:
    with pytest.raises(InvalidStatus) as caught:
        run(tmp_path, lambda *_: asyncio.sleep(0), auth=auth, path=path)
    assert caught.value.response.status_code == status


def test_ocpp21_is_negotiated_when_the_profile_prefers_it(tmp_path: Path) -> None:
    dut21 = DUT.model_copy(
        update={
            "ocpp": DUT.ocpp.model_copy(update={"versions": ["ocpp2.0.1", "ocpp2.1"], "preferred_version": "ocpp2.1"})
        }
    )
    evidence = Evidence(tmp_path)

    async def main() -> tuple[str | None, str]:
        async with CsmsServer(LAB, dut21, evidence) as csms:
            headers = {"Authorization": AUTH}
            async with connect(
                f"{csms.url}/{IDENTITY}", subprotocols=["ocpp2.0.1", "ocpp2.1"], additional_headers=headers
            ) as ws:
                await csms.channel.wait_connected(2)
                return ws.subprotocol, csms.channel.version

    assert asyncio.run(asyncio.wait_for(main(), 10)) == ("ocpp2.1", "v21")


def test_station_without_a_common_subprotocol_is_closed(tmp_path: Path) -> None:
    evidence = Evidence(tmp_path)

    async def main() -> int | None:
        async with CsmsServer(LAB, DUT, evidence) as csms:
            headers = {"Authorization": AUTH}
            async with connect(f"{csms.url}/{IDENTITY}", subprotocols=["ocpp1.6"], additional_headers=headers) as ws:
                await ws.wait_closed()
                return ws.close_code

    assert asyncio.run(asyncio.wait_for(main(), 10)) == 1002
    assert any(f.kind == "websocket" for f in evidence.current_findings())
