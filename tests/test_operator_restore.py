"""On a real bench the baseline asks the operator to undo what a case changed in the charger's provisioning (a raised
security profile, per-run CSMS roots, endpoint or password): otherwise the charger could not reach the lab's CSMS
in the next case or after the run."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from harness import dut
from harness.dut import CSMS_ROOTS_CHANGED, SECURITY_PROFILE_RAISED, OperatorDut
from harness.evidence import Evidence


@pytest.fixture
def prompts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(dut, "_prompt_on_tty", asked.append)
    return asked


def test_operator_restores_each_change_before_idle(prompts: list[str], tmp_path: Path) -> None:
    operator = OperatorDut(Evidence(tmp_path), timeout_s=5)
    rebooted = asyncio.run(operator.restore_baseline((CSMS_ROOTS_CHANGED, SECURITY_PROFILE_RAISED)))
    assert rebooted is False
    assert len(prompts) == 2
    assert CSMS_ROOTS_CHANGED in prompts[0] and SECURITY_PROFILE_RAISED in prompts[0]
    assert "idle" in prompts[1]


def test_operator_is_not_asked_when_nothing_changed(prompts: list[str], tmp_path: Path) -> None:
    asyncio.run(OperatorDut(Evidence(tmp_path), timeout_s=5).restore_baseline())
    assert len(prompts) == 1 and "idle" in prompts[0]
