"""Limits an external system sets at the station (K12) and lifts again (K13): an energy management system or a
grid operator's signal wired to the station, reached in the virtual lab through the control API
(`POST /external-limit`, `POST /external-limit/release`).

The limit becomes a ChargingStationExternalConstraints profile in smart_charging.py, so the composite schedule,
GetChargingProfiles and the power the EV draws all follow it; the CSMS hears of it through NotifyChargingLimit and
of its release through ClearedChargingLimit.
"""

from __future__ import annotations

import logging
from typing import Any

from harness.virtual.charging_profile import DEFAULT_PHASES, EXTERNAL, ChargingProfile
from harness.virtual.clock import Clock
from harness.virtual.outbox import Outbox
from harness.virtual.profile_queries import EXTERNAL_SOURCE
from harness.virtual.smart_charging import SmartCharging

log = logging.getLogger("harness.virtual")

# The external system numbers its profiles itself; they live apart from the CSMS's, so an id never clashes.
EXTERNAL_PROFILE_ID = 90_000


class ExternalLimits:
    """The station's input from an external control system."""

    def __init__(self, smart_charging: SmartCharging, outbox: Outbox, clock: Clock) -> None:
        self._smart_charging = smart_charging
        self._outbox = outbox
        self._clock = clock

    def impose(self, evse_id: int, limit: float, unit: str) -> None:
        """From now on `evse_id` (0: the whole station) may use at most `limit` `unit` (A per phase, or W)."""
        schedule: dict[str, Any] = {
            "id": EXTERNAL_PROFILE_ID + evse_id,
            "startSchedule": self._clock.stamp(),
            "chargingRateUnit": unit,
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": float(limit), "numberPhases": DEFAULT_PHASES}],
        }
        wire = {
            "id": EXTERNAL_PROFILE_ID + evse_id,
            "stackLevel": 0,
            "chargingProfilePurpose": EXTERNAL,
            "chargingProfileKind": "Absolute",
            "chargingSchedule": [schedule],
        }
        self._smart_charging.set_external(ChargingProfile.from_wire(evse_id, wire))
        self._smart_charging.tick(self._clock.epoch())  # the power path follows at once, not on the next tick
        log.info("external limit on EVSE %d: %g %s", evse_id, limit, unit)
        notify: dict[str, Any] = {
            "chargingLimit": {"chargingLimitSource": EXTERNAL_SOURCE, "isGridCritical": False},
            "chargingSchedule": [schedule],
        }
        if evse_id != 0:
            notify["evseId"] = evse_id
        self._outbox.put("NotifyChargingLimit", notify)

    def release(self, evse_id: int) -> bool:
        """The external system lifts its limit on `evse_id`; False when there was none."""
        if not self._smart_charging.release_external(evse_id):
            return False
        self._smart_charging.tick(self._clock.epoch())
        log.info("external limit on EVSE %d released", evse_id)
        cleared: dict[str, Any] = {"chargingLimitSource": EXTERNAL_SOURCE}
        if evse_id != 0:
            cleared["evseId"] = evse_id
        self._outbox.put("ClearedChargingLimit", cleared)
        return True
