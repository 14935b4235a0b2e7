"""Energy integrity (tender requirement MTR-02): the station's register against a reference analyser.

Decision rule: the deviation must not exceed the sum of the station meter's accuracy class, the reference's
accuracy (both in % of the reference energy) and the two registers' resolutions. Summing instead of a root-sum-
square is the conservative choice for a pass/fail statement about the DUT: it never fails a meter that is within
its class merely because the reference was at the edge of its own.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass
from typing import Any

STATION_RESOLUTION_WH = 0.1  # the OCPP register is read as a decimal Wh value; one step of it
REFERENCE_RESOLUTION_WH = 0.01
SELF_CONSISTENCY_PCT = 10.0  # the reference's integrator vs its own power readings: beyond this it is not a reference


@dataclass(frozen=True)
class EnergyComparison:
    station_wh: float
    reference_wh: float
    allowed_wh: float
    class_pct: float
    reference_pct: float

    @property
    def deviation_wh(self) -> float:
        return self.station_wh - self.reference_wh

    @property
    def deviation_pct(self) -> float:
        return 100.0 * self.deviation_wh / self.reference_wh if self.reference_wh else float("inf")

    @property
    def within(self) -> bool:
        return abs(self.deviation_wh) <= self.allowed_wh

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values.update(deviation_wh=round(self.deviation_wh, 3), deviation_pct=round(self.deviation_pct, 3))
        values["within"] = self.within
        return values


def compare_energy(station_wh: float, reference_wh: float, class_pct: float, reference_pct: float) -> EnergyComparison:
    allowed = abs(reference_wh) * (class_pct + reference_pct) / 100.0 + STATION_RESOLUTION_WH + REFERENCE_RESOLUTION_WH
    return EnergyComparison(station_wh, reference_wh, allowed, class_pct, reference_pct)


def integrate_samples(samples: list[tuple[float, float]]) -> float:
    """Energy in Wh from (seconds, watts) samples, trapezoid rule; the cross-check of the reference's integrator."""
    total = 0.0
    for (t0, p0), (t1, p1) in itertools.pairwise(samples):
        total += (p0 + p1) / 2.0 * (t1 - t0) / 3600.0
    return total


def reference_consistent(integrated_wh: float, sampled_wh: float) -> bool:
    """Whether the analyser's integrator agrees with the energy of its own sampled power (loosely: 1 Hz samples)."""
    if max(abs(integrated_wh), abs(sampled_wh)) < 1.0:
        return True
    return abs(integrated_wh - sampled_wh) <= SELF_CONSISTENCY_PCT / 100.0 * max(abs(integrated_wh), abs(sampled_wh))
