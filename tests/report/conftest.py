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


class RunBuilder:
    """The builders, handed to tests as a fixture so they never import conftest (which breaks under importlib mode)."""

    run_json = staticmethod(run_json)
    result = staticmethod(result)
    frame = staticmethod(frame)
    write_jsonl = staticmethod(write_jsonl)


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
