"""Schema validation (date-time included) and the mapping of outcomes to verdicts."""

from __future__ import annotations

import pytest

from harness.ocpp.schemas import UnknownAction, validate
from harness.verdict import (
    DutTimeout,
    Finding,
    Inconclusive,
    LabError,
    Nonconformity,
    NotApplicable,
    Severity,
    Verdict,
    decide,
)


def test_date_time_without_offset_is_a_violation() -> None:
    problems = validate("v201", "Heartbeat", "Response", {"currentTime": "2026-01-01T10:00:00"})
    assert [p.path for p in problems] == ["$.currentTime"]
    assert validate("v201", "Heartbeat", "Response", {"currentTime": "2026-01-01T10:00:00.5+01:00"}) == []


def test_unknown_action_raises() -> None:
    with pytest.raises(UnknownAction):
        validate("v201", "NoSuchThing", "Request", {})


def test_v21_knows_new_actions() -> None:
    assert validate("v21", "Heartbeat", "Request", {}) == []
    with pytest.raises(UnknownAction):
        validate("v201", "SetDERControl", "Request", {})


NONCONFORMITY = Finding(Severity.NONCONFORMITY, "schema", "bad field")
HARNESS = Finding(Severity.HARNESS, "responder", "our bug")


@pytest.mark.parametrize(
    ("exc", "findings", "verdict"),
    [
        (None, [], Verdict.PASS),
        (None, [NONCONFORMITY], Verdict.FAIL),
        (Nonconformity("wrong status"), [], Verdict.FAIL),
        (DutTimeout("no answer"), [], Verdict.FAIL),
        (AssertionError("plain assert"), [], Verdict.FAIL),
        (Inconclusive("precondition"), [], Verdict.INCONCLUSIVE),
        (Inconclusive("precondition"), [NONCONFORMITY], Verdict.FAIL),
        (NotApplicable("no capability"), [], Verdict.NOT_APPLICABLE),
        (LabError("instrument down"), [NONCONFORMITY], Verdict.ERROR),
        (KeyError("bug"), [], Verdict.ERROR),
        (None, [HARNESS, NONCONFORMITY], Verdict.ERROR),
    ],
)
def test_decide(exc: BaseException | None, findings: list[Finding], verdict: Verdict) -> None:
    assert decide(exc, findings)[0] is verdict


def test_fail_reason_names_the_problem() -> None:
    verdict, reason = decide(Nonconformity("ResetResponse status is 'Rejected', expected 'Accepted'"), [NONCONFORMITY])
    assert verdict is Verdict.FAIL
    assert "ResetResponse status" in reason and "bad field" in reason
