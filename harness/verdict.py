"""Verdicts and findings, and the one place where an outcome (exception + findings) becomes a verdict.

A DUT non-conformity fails, a precondition the DUT never reached is inconclusive, a capability the DUT does not
declare is not applicable, and anything that goes wrong on our side (harness, lab, virtual instruments) is an error:
we never blame the device for our own fault.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


class Severity(StrEnum):
    NONCONFORMITY = "nonconformity"  # the DUT broke the standard: the test case fails
    OBSERVATION = "observation"  # worth reporting, not a failure
    HARNESS = "harness"  # our side misbehaved: the test case errors


@dataclass(frozen=True)
class Finding:
    severity: Severity
    kind: str
    message: str
    frame_seq: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        if self.frame_seq is None:
            del data["frame_seq"]
        return data


class Nonconformity(AssertionError):
    """The device under test did not conform: wrong message, wrong value, too slow, no answer in time."""


class DutTimeout(Nonconformity):
    """The device did not send or answer in time."""


class Inconclusive(Exception):
    """The case could not be decided, e.g. the DUT never reached a precondition."""


class NotApplicable(Exception):
    """The DUT does not declare what this case needs."""


class LabError(Exception):
    """The harness or the lab failed; the DUT is not to blame."""


def decide(exc: BaseException | None, findings: list[Finding]) -> tuple[Verdict, str]:
    """Combine how the scenario ended with the findings recorded during it into a verdict and its reason."""
    nonconformities = [f for f in findings if f.severity is Severity.NONCONFORMITY]
    harness_faults = [f for f in findings if f.severity is Severity.HARNESS]
    if isinstance(exc, NotApplicable):
        return Verdict.NOT_APPLICABLE, str(exc)
    if exc is not None and not isinstance(exc, (AssertionError, Inconclusive)):
        return Verdict.ERROR, f"harness or lab error: {type(exc).__name__}: {exc}"
    if harness_faults:
        return Verdict.ERROR, f"harness or lab error: {harness_faults[0].message}"
    if isinstance(exc, AssertionError):
        return Verdict.FAIL, _with_findings(str(exc) or "assertion failed", nonconformities)
    if nonconformities:
        return Verdict.FAIL, _with_findings(nonconformities[0].message, nonconformities[1:])
    if isinstance(exc, Inconclusive):
        return Verdict.INCONCLUSIVE, str(exc)
    return Verdict.PASS, "all steps and validations conformed"


def _with_findings(reason: str, others: list[Finding]) -> str:
    extra = [f.message for f in others if f.message != reason]
    if not extra:
        return reason
    return f"{reason} [also: {extra[0]}{f' and {len(extra) - 1} more finding(s)' if len(extra) > 1 else ''}]"
