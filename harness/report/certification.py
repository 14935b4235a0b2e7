"""The report's certification view: per OCPP 2.0.1 certification profile the DUT claims, did all its applicable
cases pass — the way an official certificate lists profiles (`Core + Smart Charging + ...`)."""

from __future__ import annotations

from dataclasses import dataclass

from harness.ocpp.v201.inventory import CERTIFICATION_PROFILES, PROFILE_LABELS
from harness.report.model import CaseResult

UNDECIDED = ("error", "inconclusive")


@dataclass(frozen=True)
class ProfileStanding:
    profile: str
    label: str
    passed: int
    applicable: int
    not_applicable: int
    failed: tuple[str, ...]  # case IDs
    undecided: tuple[str, ...]  # error or inconclusive

    @property
    def status(self) -> str:
        """pass: every applicable case passed; fail: one failed; open: undecided or nothing ran."""
        if self.failed:
            return "fail"
        if self.undecided or not self.applicable:
            return "open"
        return "pass"


@dataclass(frozen=True)
class CertificationView:
    standings: tuple[ProfileStanding, ...]

    @property
    def line(self) -> str:
        """The profiles whose cases all passed, joined as on a certificate; "none" when no profile passed."""
        passed = [s.label for s in self.standings if s.status == "pass"]
        return " + ".join(passed) if passed else "none"


def certification_view(claimed: tuple[str, ...], results: tuple[CaseResult, ...]) -> CertificationView | None:
    """None when the run holds no OCPP Part 6 case (nothing to say per profile)."""
    ocpp = [r for r in results if r.certification_profile]
    if not ocpp:
        return None
    profiles = [p for p in CERTIFICATION_PROFILES if p in claimed] or sorted({r.certification_profile for r in ocpp})
    standings = []
    for profile in profiles:
        mine = [r for r in ocpp if r.certification_profile == profile]
        standings.append(
            ProfileStanding(
                profile=profile,
                label=PROFILE_LABELS.get(profile, profile),
                passed=sum(r.verdict == "pass" for r in mine),
                applicable=sum(r.verdict != "not_applicable" for r in mine),
                not_applicable=sum(r.verdict == "not_applicable" for r in mine),
                failed=tuple(r.id for r in mine if r.verdict == "fail"),
                undecided=tuple(r.id for r in mine if r.verdict in UNDECIDED),
            )
        )
    return CertificationView(tuple(standings))
