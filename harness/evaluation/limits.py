"""Does the measured power (or phase current) follow a charging limit the CSMS set (OCPP 2.0.1 K01)?

Decision rule: after the limit is set the station has `reaction_s` to come down to it (the first reading at or
below the ceiling); from then on the mean of the readings must not exceed the ceiling by more than two standard
errors of that mean. The mean, and the margin for its standard error, because a reference's readings scatter
around the true value (its range-dependent noise is not in the stated % of reading) and a station regulating
exactly at its limit must not fail on the reference's noise; a station that ignores the limit is off by far more.
The ceiling is the limit plus the reference's accuracy (% of reading) and one resolution step. A reading of zero
is within the limit: a limit is a maximum, and the EV may take less.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass
from typing import Any

READING_RESOLUTION = 0.01
SIGNIFICANCE = 2.0  # standard errors by which the mean must exceed the ceiling to count as over the limit


@dataclass(frozen=True)
class LimitFollowed:
    limit: float
    ceiling: float
    reaction_s: float | None  # when the first reading within the ceiling came, from the moment the limit was set
    mean_after: float | None  # the mean of the readings from then on
    standard_error: float  # of that mean (0 with fewer than two readings)
    worst_after: float | None  # the highest of them, for the record
    readings: int

    @property
    def within(self) -> bool:
        if self.reaction_s is None or self.mean_after is None:
            return False
        return self.mean_after - SIGNIFICANCE * self.standard_error <= self.ceiling

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "within": self.within}


def ceiling(limit: float, reference_pct: float) -> float:
    return limit * (1.0 + reference_pct / 100.0) + READING_RESOLUTION


def follows_limit(
    samples: list[tuple[float, float]], set_at: float, limit: float, reference_pct: float, reaction_s: float
) -> LimitFollowed:
    """`samples` are (monotonic time, reading) taken after `set_at`; see the module's decision rule."""
    top = ceiling(limit, reference_pct)
    settled = next(
        (t for t, value in samples if value <= top and t - set_at <= reaction_s),
        None,
    )
    after = [value for t, value in samples if settled is not None and t >= settled]
    return LimitFollowed(
        limit=limit,
        ceiling=round(top, 3),
        reaction_s=None if settled is None else round(settled - set_at, 3),
        mean_after=round(statistics.fmean(after), 3) if after else None,
        standard_error=round(statistics.stdev(after) / math.sqrt(len(after)), 3) if len(after) > 1 else 0.0,
        worst_after=max(after) if after else None,
        readings=len(samples),
    )
