"""OCPP security profiles 2 and 3 end to end (TLS, client certificates), and where a lab's CSMS root CA comes from."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harness.config import CsmsAuthority, load_dut, load_lab
from harness.lab import csms_authority
from harness.pki import Authority
from harness.verdict import LabError
from tests.conftest import PROJECT, harness, read_results

SHIPPED_DUT = PROJECT / "profiles/dut/virtual-station.yaml"
VIRTUAL_LAB = PROJECT / "lab_setup/virtual.yaml"
PROFILE_3_CASES = {
    "TC_A_01_CS": "not_applicable",  # Basic credentials: profiles 1 and 2 only
    "TC_A_04_CS": "pass",
    "TC_A_07_CS": "pass",  # the client certificate: CN = serial number, key size
    "TC_E_03_CS": "pass",  # an ordinary transaction over the mutually authenticated link
}


def _dut(tmp_path: Path, **ocpp: object) -> Path:
    data = yaml.safe_load(SHIPPED_DUT.read_text())
    data["ocpp"].update(ocpp)
    path = tmp_path / "dut.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.slow
def test_profile_3_runs_with_a_client_certificate(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    result = harness("run", "--dut", str(_dut(tmp_path, security_profile=3)), "-k", " or ".join(PROFILE_3_CASES),
                     "--out", str(run_dir))  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    verdicts = {r["id"]: r for r in read_results(run_dir)}
    assert {case: r["verdict"] for case, r in verdicts.items()} == PROFILE_3_CASES
    assert "security profile 1 or 2" in verdicts["TC_A_01_CS"]["reason"]
    evidence = (run_dir / verdicts["TC_A_07_CS"]["evidence"][0]).read_text()
    assert "'client_certificate': 'CN=" in evidence


def test_a_real_bench_with_tls_needs_the_csms_root_ca(tmp_path: Path) -> None:
    lab = load_lab(VIRTUAL_LAB).model_copy(update={"kind": "real"})
    with pytest.raises(LabError, match=r"needs csms\.authority"):
        csms_authority(lab, VIRTUAL_LAB, load_dut(_dut(tmp_path, security_profile=2)))


def test_a_real_bench_issues_from_its_own_root(tmp_path: Path) -> None:
    root = Authority.root("Lab CSMS Root", "secp256r1")
    certificate = root.write_certificate(tmp_path / "root.pem")
    key = root.issue("unused").write(tmp_path, "other")[1]  # a key that is not the root's
    base = load_lab(VIRTUAL_LAB)
    wrong = base.csms.model_copy(update={"authority": CsmsAuthority(certificate=str(certificate), key=str(key))})
    lab = base.model_copy(update={"kind": "real", "csms": wrong})
    with pytest.raises(LabError, match="is not the key of"):
        csms_authority(lab, tmp_path / "lab.yaml", load_dut(_dut(tmp_path, security_profile=2)))
