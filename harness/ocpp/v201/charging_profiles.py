"""CSMS steps of the smart-charging cases (K01, K05, K08-K10): the configured schedule settings, profiles to send,
reading installed profiles back and checking that what was reported is what was sent.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harness.checks import require, require_equal
from harness.ocpp.channel import StationChannel
from harness.verdict import Inconclusive

_request_ids = itertools.count(7001)
_TIME_FIELDS = ("validFrom", "validTo", "startSchedule")


@dataclass(frozen=True)
class ScheduleSettings:
    """What Part 6 leaves to the tool's configuration: the chargingRateUnit and numberPhases of every schedule.

    Read from the station (SmartChargingCtrlr.RateUnit, ChargingStation.SupplyPhases) so the profiles are ones it
    can take; limits are given in A and sent as W x 1000 when the station works in W, as Part 6 does.
    """

    unit: str
    phases: int | None  # None: a DC station (SupplyPhases 0) gets no numberPhases

    def limit(self, amperes: float) -> float:
        return float(amperes * 1000 if self.unit == "W" else amperes)

    def period(self, start_s: int, amperes: float) -> dict[str, Any]:
        """A period of `amperes` A (the same number of kW when the unit is W), as Part 6 writes its limits."""
        return self.exact_period(start_s, self.limit(amperes))

    def exact_period(self, start_s: int, limit: float) -> dict[str, Any]:
        """A period of `limit` in the unit the settings name."""
        period: dict[str, Any] = {"startPeriod": start_s, "limit": float(limit)}
        if self.phases is not None:
            period["numberPhases"] = self.phases
        return period


async def schedule_settings(csms: StationChannel, prefer: str | None = None) -> ScheduleSettings:
    """The unit the station supports (`prefer` when listed, else the first one listed) and its supply phases."""
    outcome = await csms.call(
        "GetVariables",
        {
            "getVariableData": [
                {"component": {"name": "SmartChargingCtrlr"}, "variable": {"name": "RateUnit"}},
                {"component": {"name": "ChargingStation"}, "variable": {"name": "SupplyPhases"}},
            ]
        },
    )
    values = {
        result.get("variable", {}).get("name"): result.get("attributeValue")
        for result in outcome.get("getVariableResult", [])
        if result.get("attributeStatus") == "Accepted"
    }
    units = [u.strip() for u in str(values.get("RateUnit") or "").split(",") if u.strip() in ("A", "W")]
    if not units:
        raise Inconclusive("the chargingRateUnit to test with is unknown: SmartChargingCtrlr.RateUnit is not readable")
    phases_text = values.get("SupplyPhases")
    phases = int(phases_text) if phases_text is not None and str(phases_text).isdigit() else 3
    unit = prefer if prefer in units else units[0]
    return ScheduleSettings(unit, phases if 1 <= phases <= 3 else None)


def rfc3339(epoch_s: float) -> str:
    """A timestamp for profile fields, in UTC with millisecond precision."""
    moment = datetime.fromtimestamp(epoch_s, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond // 1000:03d}Z"


def parse_rfc3339(text: str) -> float:
    return datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00")).timestamp()


def now() -> float:
    return time.time()


def profile(
    profile_id: int,
    purpose: str,
    periods: list[dict[str, Any]],
    unit: str,
    *,
    kind: str = "Relative",
    stack_level: int = 0,
    duration_s: int | None = None,
    start_schedule: float | None = None,
    valid_from: float | None = None,
    valid_to: float | None = None,
    transaction_id: str | None = None,
    recurrency: str | None = None,
) -> dict[str, Any]:
    """A ChargingProfileType with one schedule (the schedule shares the profile's id)."""
    schedule: dict[str, Any] = {"id": profile_id, "chargingRateUnit": unit, "chargingSchedulePeriod": periods}
    if duration_s is not None:
        schedule["duration"] = duration_s
    if start_schedule is not None:
        schedule["startSchedule"] = rfc3339(start_schedule)
    body: dict[str, Any] = {
        "id": profile_id,
        "stackLevel": stack_level,
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": [schedule],
    }
    optional = {
        "validFrom": None if valid_from is None else rfc3339(valid_from),
        "validTo": None if valid_to is None else rfc3339(valid_to),
        "transactionId": transaction_id,
        "recurrencyKind": recurrency,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body


async def set_profile(csms: StationChannel, evse_id: int, body: dict[str, Any]) -> str:
    """SetChargingProfile; returns the status for the case to judge."""
    outcome = await csms.call("SetChargingProfile", {"evseId": evse_id, "chargingProfile": body})
    return str(outcome.get("status"))


async def install(csms: StationChannel, evse_id: int, body: dict[str, Any], what: str) -> None:
    """Memory state: the profile must be Accepted, or the case never reached its precondition."""
    status = await set_profile(csms, evse_id, body)
    if status != "Accepted":
        raise Inconclusive(f"memory state not reached: SetChargingProfile of {what} was {status}")


async def require_set(csms: StationChannel, evse_id: int, body: dict[str, Any], step: str, expected: str) -> None:
    """A scenario step: SetChargingProfile must be answered with `expected`."""
    status = await set_profile(csms, evse_id, body)
    require_equal(status, expected, f"{step}: SetChargingProfileResponse status")


@dataclass(frozen=True)
class Reported:
    """One profile a ReportChargingProfiles carried, and the evseId and limit source it came under."""

    evse_id: int
    source: str
    profile: dict[str, Any]


async def read_profiles(
    csms: StationChannel, criterion: dict[str, Any], step: str, evse_id: int | None = None
) -> tuple[str, list[Reported]]:
    """GetChargingProfiles, then every ReportChargingProfiles of its requestId until tbc is false (K09.FR.02).

    Returns the status and the reported profiles; a NoProfiles answer has none, and no report may follow it.
    """
    request_id = next(_request_ids)
    request: dict[str, Any] = {"requestId": request_id, "chargingProfile": criterion}
    if evse_id is not None:
        request["evseId"] = evse_id
    outcome = await csms.call("GetChargingProfiles", request)
    status = str(outcome.get("status"))
    if status != "Accepted":
        return status, []
    reported: list[Reported] = []
    while True:
        report = await csms.expect(
            "ReportChargingProfiles", lambda r: r.get("requestId") == request_id,
            what=f"for requestId {request_id} ({step})",
        )  # fmt: skip
        for body in report.get("chargingProfile", []):
            reported.append(Reported(int(report.get("evseId")), str(report.get("chargingLimitSource")), body))
        if not report.get("tbc", False):
            return status, reported


async def require_reported(
    csms: StationChannel, criterion: dict[str, Any], step: str, evse_id: int | None = None
) -> list[Reported]:
    """GetChargingProfiles must be Accepted; returns what the reports carried."""
    status, reported = await read_profiles(csms, criterion, step, evse_id)
    require_equal(status, "Accepted", f"{step}: GetChargingProfilesResponse status")
    return reported


async def require_no_profiles(
    csms: StationChannel, criterion: dict[str, Any], step: str, evse_id: int | None = None
) -> None:
    status, _ = await read_profiles(csms, criterion, step, evse_id)
    require_equal(status, "NoProfiles", f"{step}: GetChargingProfilesResponse status")


def differences(sent: Any, reported: Any, path: str = "chargingProfile") -> list[str]:
    """Where `reported` does not carry what was `sent`: every field sent must come back with the same value (a
    station may add optional fields, e.g. a transactionId it bound the profile to). Numbers compare by value.
    """
    if isinstance(sent, dict):
        if not isinstance(reported, dict):
            return [f"{path} is {reported!r}"]
        found: list[str] = []
        for key, value in sent.items():
            if key not in reported:
                found.append(f"{path}.{key} is missing")
            else:
                found.extend(differences(value, reported[key], f"{path}.{key}"))
        return found
    if isinstance(sent, list):
        if not isinstance(reported, list) or len(reported) != len(sent):
            return [f"{path} is {reported!r}, sent {len(sent)} entries"]
        return [
            problem
            for index, (one, other) in enumerate(zip(sent, reported, strict=True))
            for problem in differences(one, other, f"{path}.{index}")
        ]
    if isinstance(sent, str) and isinstance(reported, str) and path.endswith(_TIME_FIELDS):
        same = abs(parse_rfc3339(sent) - parse_rfc3339(reported)) < 0.001  # the same instant, however written
    elif isinstance(sent, bool) or isinstance(reported, bool):
        same = sent is reported
    else:
        same = sent == reported
    return [] if same else [f"{path} is {reported!r}, sent {sent!r}"]


def require_reported_as_sent(
    reported: list[Reported], sent: dict[str, Any], step: str, evse_id: int | None = None
) -> Reported:
    """The profile with `sent`'s id is among the reported ones, under `evse_id` when given, carrying what was sent."""
    matches = [r for r in reported if r.profile.get("id") == sent["id"]]
    require(len(matches) == 1, f"{step}: profile {sent['id']} reported {len(matches)} times, expected once")
    found = matches[0]
    if evse_id is not None:
        require_equal(found.evse_id, evse_id, f"{step}: ReportChargingProfilesRequest evseId of profile {sent['id']}")
    problems = differences(sent, found.profile)
    require(not problems, f"{step}: profile {sent['id']} is not reported as sent: {'; '.join(problems[:3])}")
    return found


def require_only(reported: list[Reported], ids: set[int], step: str) -> None:
    """Exactly the profiles `ids` were reported (no other profile, none missing)."""
    got = sorted(int(r.profile.get("id", -1)) for r in reported)
    require_equal(got, sorted(ids), f"{step}: ids of the reported charging profiles")
