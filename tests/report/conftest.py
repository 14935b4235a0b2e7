"""Synthetic run directories, written the way the harness writes them (and the way a kill -9 leaves them)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

RunFactory = Callable[..., Path]

STARTED = "2026-11-22T10:00:00.123+00:00"
ENDED = "2026-11-22T10:02:05.623+00:00"


def run_json(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "harness_version": "0.1.0",
        "status": "complete",
        "started_at": STARTED,
        "ended_at": ENDED,
        "lab": {"name": "Virtual lab", "file": "lab_setup/virtual.yaml", "kind": "virtual"},
        "dut": {
            "vendor": "Acme Charging",
            "model": "Wallbox 22",
            "serial": "SN-42",
            "firmware": "1.2.3",
            "identity": "VS-0001",
            "file": "profiles/dut/virtual-station.yaml",
        },
        "profile": {"name": "all", "file": None, "description": "Every applicable test case"},
        "ocpp_version": "ocpp2.0.1",
        "virtual_faults": [],
        "command": "harness run",
        "counts": {"pass": 2, "fail": 1, "inconclusive": 1, "not_applicable": 1, "error": 1},
    }
    base.update(overrides)
    return base


def result(case_id: str, verdict: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": case_id,
        "title": f"Title of {case_id}",
        "standard": "OCPP 2.0.1",
        "block": "B Provisioning",
        "use_cases": ["B01"],
        "requirements": ["B01.FR.01", "B01.FR.05"],
        "verdict": verdict,
        "reason": f"Reason for {verdict}.\nSecond line of the reason.",
        "started_at": "2026-11-22T10:00:01.000+00:00",
        "duration_s": 1.234,
        "evidence": [f"evidence/{case_id}.jsonl"],
        "findings": [],
    }
    base.update(overrides)
    return base


def frame(seq: int, mono: float, direction: str, raw: Any, **extra: Any) -> dict[str, Any]:
    text = raw if isinstance(raw, str) else json.dumps(raw)
    return {
        "seq": seq,
        "mono": mono,
        "wall": "2026-11-22T10:00:01.234567+00:00",
        "channel": "ocpp",
        "kind": "frame",
        "direction": direction,
        "raw": text,
        **extra,
    }


BOOT = [
    frame(
        1, 100.0, "rx", [2, "m1", "BootNotification", {"reason": "PowerUp"}], action="BootNotification", message_type=2
    ),
    frame(
        2, 100.25, "tx", [3, "m1", {"status": "Accepted", "interval": 300}], action="BootNotification", message_type=3
    ),
]

FAIL_TRACE = [
    frame(1, 50.0, "tx", [2, "r1", "Reset", {"type": "Immediate"}], action="Reset", message_type=2),
    {
        "seq": 2,
        "mono": 50.5,
        "wall": "2026-11-22T10:00:02+00:00",
        "channel": "control",
        "kind": "action",
        "text": "Manual action: plug in EV on EVSE 1",
    },
    frame(
        3,
        51.0,
        "rx",
        [2, "x9", "Authorize", {"idToken": {"idToken": "<script>alert(1)</script>", "type": "Local"}}],
        action="Authorize",
        message_type=2,
    ),
    {
        "seq": 4,
        "mono": 51.0,
        "wall": "2026-11-22T10:00:03+00:00",
        "channel": "ocpp",
        "kind": "finding",
        "severity": "nonconformity",
        "message": "idToken is not a valid <IdToken> value",
    },
    frame(5, 51.1, "tx", [4, "x9", "FormatViolation", "bad idToken", {}], action="Authorize", message_type=4),
    {
        "seq": 6,
        "mono": 52.0,
        "wall": "2026-11-22T10:00:04+00:00",
        "channel": "ocpp",
        "kind": "note",
        "text": "Waiting for StatusNotification",
    },
]


def write_jsonl(path: Path, records: list[Any], tail: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + tail, encoding="utf-8")


def complete_results() -> list[dict[str, Any]]:
    return [
        result("TC_B_01_CS", "pass"),
        result(
            "TC_B_02_CS",
            "fail",
            findings=[
                {"severity": "nonconformity", "kind": "schema", "message": "Authorize idToken invalid", "frame_seq": 3},
                {"severity": "observation", "kind": "timeout", "message": "Slow answer <b>bold</b>"},
            ],
            steps=[{"t": 0.12, "text": "Sent ResetRequest type=Immediate"}],
        ),
        result("TC_C_01_CS", "not_applicable", reason="The DUT does not declare LocalAuthList."),
        result("TC_D_01_CS", "error", reason="Lab error: EV emulator did not answer."),
        result("TC_E_01_CS", "inconclusive", reason="Station never reached EnergyTransferStarted."),
        result("TC_B_01_CS", "pass", reason="Re-run passed."),
    ]


def v2g_frame(seq: int, mono: float, direction: str, payload: bytes, **extra: Any) -> dict[str, Any]:
    """A V2GTP frame entry: the 8-byte header (version 1, payload type 0x8002 unless given) and the payload, as hex."""
    payload_type = int(extra.pop("type_code", 0x8002))
    header = bytes([0x01, 0xFE]) + payload_type.to_bytes(2, "big") + len(payload).to_bytes(4, "big")
    return {
        "seq": seq,
        "mono": mono,
        "wall": "2026-11-22T10:00:01.234567+00:00",
        "kind": "frame",
        "channel": "v2gtp",
        "direction": direction,
        "raw": (header + payload).hex(),
        "payload_type": f"0x{payload_type:04X}",
        **extra,
    }


def v2g_entry(seq: int, mono: float, kind: str, **fields: Any) -> dict[str, Any]:
    return {"seq": seq, "mono": mono, "wall": "2026-11-22T10:00:02+00:00", "kind": kind, **fields}


V2G_CASE = "TC_V2G_01"
V2G_DIR = f"evidence/{V2G_CASE}"
SETUP_DOC = {
    "SessionSetupReq": {"Header": {"SessionID": "00", "TimeStamp": 1700000000}, "EVCCID": "WMIV1234567890ABCDEX"}
}


REQUEST_MONO = {1: 10.0, 4: 10.1, 7: 12.0}


def v2g_trace() -> list[dict[str, Any]]:
    """Session S1 ends cleanly (ok, late, no response); S2 is cut off before its v2g_session entry."""

    def exchange(
        seq: int, request: str, response: str | None, request_seq: int, time_s: float | None, outcome: str
    ) -> dict[str, Any]:
        # Written when the exchange is settled: at the response, or when the EV gave up waiting.
        return v2g_entry(
            seq,
            REQUEST_MONO[request_seq] + (time_s if time_s is not None else 2.0),
            "v2g_exchange",
            session="S1",
            request=request,
            response=response,
            request_seq=request_seq,
            response_seq=request_seq + 1 if response else None,
            response_time_s=time_s,
            limit_s=1.5,
            timeout_s=2.0,
            outcome=outcome,
        )

    return [
        v2g_frame(
            1,
            10.0,
            "tx",
            bytes.fromhex("8000dbab9371d3234b71d1b981899189d191818991d26b9b3a232b30020000040040"),
            session="S1",
            message="SessionSetupReq",
            document=SETUP_DOC,
        ),
        v2g_frame(
            2,
            10.0123,
            "rx",
            bytes.fromhex("8004"),
            session="S1",
            message="SessionSetupRes",
            document={"SessionSetupRes": {"ResponseCode": "OK"}},
        ),
        exchange(3, "SessionSetupReq", "SessionSetupRes", 1, 0.0123, "ok"),
        v2g_frame(
            4,
            10.1,
            "tx",
            bytes.fromhex("80"),
            session="S1",
            message="ServiceDiscoveryReq",
            document={"ServiceDiscoveryReq": {}},
        ),
        v2g_frame(5, 11.72, "rx", bytes.fromhex("ff00"), session="S1", decode_error="EXI header expected"),
        exchange(6, "ServiceDiscoveryReq", "ServiceDiscoveryRes", 4, 1.62, "late"),
        v2g_frame(
            7,
            12.0,
            "tx",
            bytes.fromhex("80aa"),
            session="S1",
            message="DC_ChargeLoopReq",
            document={"DC_ChargeLoopReq": {}},
        ),
        exchange(8, "DC_ChargeLoopReq", None, 7, None, "no_response"),
        v2g_entry(9, 14.1, "attachment", path=f"{V2G_DIR}/S1.pcapng", text="packet capture of V2G session S1"),
        v2g_entry(
            10,
            14.1,
            "v2g_session",
            session="S1",
            endpoint="[fe80::1%veth0]:50000",
            tls=False,
            service="DC_BPT",
            control_mode="Dynamic",
            started_wall="2026-11-22T10:00:01+00:00",
            duration_s=3.2,
            ended_by="ev_close",
            exchanges=3,
            pcap=f"{V2G_DIR}/S1.pcapng",
            keylog=None,
        ),
        v2g_entry(11, 14.5, "attachment", path=f"{V2G_DIR}/tls.keylog", text="TLS key log of the harness"),
        v2g_frame(12, 15.0, "tx", b"\x00\x01", raw_send=True, session="S2"),
        v2g_entry(
            13,
            15.1,
            "v2g_exchange",
            session="S2",
            request="SessionSetupReq",
            response=None,
            request_seq=12,
            response_seq=None,
            response_time_s=None,
            limit_s=1.5,
            timeout_s=2.0,
            outcome="closed",
        ),
    ]


# Not valid UTF-8 and full of newlines: parsed as JSONL it would show up as a page of invalid rows.
PCAP_BYTES = b"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00\x4d\x3c\x2b\x1a\n\xff\xfe\n{not json}\n"


class RunBuilder:
    """The builders, handed to tests as a fixture so they never import conftest (which breaks under importlib mode)."""

    run_json = staticmethod(run_json)
    result = staticmethod(result)
    frame = staticmethod(frame)
    write_jsonl = staticmethod(write_jsonl)
    v2g_frame = staticmethod(v2g_frame)
    v2g_entry = staticmethod(v2g_entry)
    v2g_trace = staticmethod(v2g_trace)


@pytest.fixture
def rb() -> RunBuilder:
    return RunBuilder()


@pytest.fixture
def complete_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "complete"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps(run_json()), encoding="utf-8")
    write_jsonl(run_dir / "results.jsonl", complete_results())
    write_jsonl(run_dir / "evidence" / "TC_B_01_CS.jsonl", BOOT)
    write_jsonl(run_dir / "evidence" / "TC_B_02_CS.jsonl", FAIL_TRACE)
    write_jsonl(run_dir / "evidence" / "TC_C_01_CS.jsonl", [])
    write_jsonl(run_dir / "evidence" / "TC_E_01_CS.jsonl", BOOT[:1])
    # TC_D_01_CS's evidence is deliberately missing.
    allure = run_dir / "allure-results"
    allure.mkdir()
    (allure / "abc-result.json").write_text('{"name": "x"}', encoding="utf-8")
    return run_dir


@pytest.fixture
def killed_run(tmp_path: Path) -> Path:
    """What kill -9 leaves: status running, no ended_at, stale counts, a half-written last line."""
    run_dir = tmp_path / "killed"
    run_dir.mkdir()
    info = run_json(status="running", counts={"pass": 0, "fail": 0, "inconclusive": 0, "not_applicable": 0, "error": 0})
    del info["ended_at"]
    info["virtual_faults"] = ["seqno-gap"]
    (run_dir / "run.json").write_text(json.dumps(info), encoding="utf-8")
    records = [result("TC_B_01_CS", "pass"), result("TC_B_02_CS", "fail")]
    write_jsonl(run_dir / "results.jsonl", records, tail='{"id": "TC_B_03_CS", "title": "Half wri')
    write_jsonl(run_dir / "evidence" / "TC_B_01_CS.jsonl", BOOT, tail='{"seq": 3, "mono": 10')
    write_jsonl(run_dir / "evidence" / "TC_B_02_CS.jsonl", FAIL_TRACE)
    return run_dir


@pytest.fixture
def malformed_run(tmp_path: Path) -> Path:
    """A DUT that sends broken frames, and an evidence file with a garbage line in the middle."""
    run_dir = tmp_path / "malformed"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps(run_json(virtual_faults=["malformed-frame"])), encoding="utf-8")
    write_jsonl(
        run_dir / "results.jsonl",
        [result("TC_M_01_CS", "fail", findings=[{"severity": "nonconformity", "kind": "framing", "message": "bad"}])],
    )
    records = [
        frame(1, 1.0, "rx", '[2,"abc","Heartbeat",{"x":"</pre><script>alert(2)</script>"'),
        frame(2, 1.5, "rx", [2, "abc"]),
    ]
    path = run_dir / "evidence" / "TC_M_01_CS.jsonl"
    write_jsonl(path, records)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("this line is not json <oops>\n")
        handle.write(json.dumps(frame(4, 2.0, "tx", [3, "abc", {}], message_type=3)) + "\n")
    return run_dir


@pytest.fixture
def make_run(tmp_path: Path) -> RunFactory:
    """A run directory from arbitrary run.json text and results.jsonl text, for the bad-data cases."""

    def make(run_text: str | None, results_text: str | None, name: str = "custom") -> Path:
        run_dir = tmp_path / name
        run_dir.mkdir()
        if run_text is not None:
            (run_dir / "run.json").write_text(run_text, encoding="utf-8")
        if results_text is not None:
            (run_dir / "results.jsonl").write_text(results_text, encoding="utf-8")
        return run_dir

    return make


@pytest.fixture
def v2g_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "v2g"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps(run_json()), encoding="utf-8")
    evidence = [f"evidence/{V2G_CASE}.jsonl", f"{V2G_DIR}/S1.pcapng", f"{V2G_DIR}/tls.keylog"]
    write_jsonl(run_dir / "results.jsonl", [result(V2G_CASE, "fail", standard="ISO 15118-20", evidence=evidence)])
    write_jsonl(run_dir / evidence[0], v2g_trace())
    (run_dir / V2G_DIR).mkdir()
    (run_dir / V2G_DIR / "S1.pcapng").write_bytes(PCAP_BYTES)
    (run_dir / V2G_DIR / "tls.keylog").write_text("CLIENT_TRAFFIC_SECRET_0 00 11\n", encoding="utf-8")
    return run_dir
