"""A charger that requires TLS: `harness run` plays every session over TLS 1.3, keeps each session's key log next
to its packet capture, and says why the plain-TCP case does not apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT, harness, read_results
from tests.iso15118.transport.test_capture import DSB, walk_blocks

CASES = {
    "TC_SECC_CMN_VTB_SDP_001": "not_applicable",  # asks for no TLS: not possible with this charger
    "TC_SECC_CMN_VTB_V2GTP_002": "pass",  # a malformed header inside TLS still closes the connection
    "TC_SECC_CMN_VTB_Timing_003": "pass",  # the 0.5 s sequence timeout after a ChargeLoopRes, over TLS
    "TC_SECC_CMN_VTB_Timing_005": "pass",  # a TCP reset under TLS stops the energy
    "TC_SECC_DC_VTB_WeldingDetection_001": "pass",  # a complete DC session
}


@pytest.fixture(scope="module")
def tls_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("tls-required")
    dut = yaml.safe_load((PROJECT / "profiles/dut/virtual-station.yaml").read_text())
    dut["iso15118"]["tls"] = "required"
    dut_path = base / "dut.yaml"
    dut_path.write_text(yaml.safe_dump(dut))
    run_dir = base / "run"
    result = harness("run", "--dut", str(dut_path), "-k", " or ".join(CASES), "--out", str(run_dir))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return run_dir


@pytest.mark.slow
def test_verdicts_and_the_reason_for_the_tcp_case(tls_run: Path) -> None:
    results = {r["id"]: r for r in read_results(tls_run)}
    assert {case: r["verdict"] for case, r in results.items()} == CASES
    assert "TLS required" in results["TC_SECC_CMN_VTB_SDP_001"]["reason"]


@pytest.mark.slow
def test_every_session_has_its_key_log_and_a_capture_that_carries_it(tls_run: Path) -> None:
    sessions = []
    for record in read_results(tls_run):
        if record["verdict"] != "pass":
            continue
        for line in (tls_run / record["evidence"][0]).read_text().splitlines():
            entry = json.loads(line)
            if entry.get("kind") == "v2g_session":
                sessions.append(entry)
    assert len(sessions) >= len(CASES) - 1
    for session in sessions:
        assert session["keylog"], session
        assert "CLIENT_TRAFFIC_SECRET_0" in (tls_run / session["keylog"]).read_text()
        assert DSB in [block.type for block in walk_blocks((tls_run / session["pcap"]).read_bytes())]
    assert "key log" in (tls_run / "report.html").read_text()
