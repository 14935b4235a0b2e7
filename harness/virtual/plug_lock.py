"""G05: the plug retention lock of each socket, as the station's firmware watches it.

A cable that is not fully inserted (the control API's /plug/unlocked) keeps the lock from engaging. The station
notices when the session would start (cable in and authorized): it keeps the power path open (evse.py, G05.FR.01)
and sets ConnectorPlugRetentionLock.Problem, reporting the change as a Delta NotifyEvent (G05.FR.02). Unplugging
the cable clears the problem again.
"""

from __future__ import annotations

import logging

from harness.virtual import dm_catalog as dmc
from harness.virtual.device_model import DeviceModel
from harness.virtual.evse import Evse
from harness.virtual.monitoring import Monitoring

log = logging.getLogger("harness.virtual")

LOCK_FAILURE_SEVERITY = 2  # Critical: the station cannot deliver the session the driver asked for


class PlugLocks:
    """Sets and clears ConnectorPlugRetentionLock.Problem of each EVSE as the transaction engine re-decides it."""

    def __init__(self, dm: DeviceModel, monitoring: Monitoring) -> None:
        self._dm, self._monitoring = dm, monitoring

    def watch(self, evse: Evse) -> None:
        facts = evse.facts()
        failing = evse.plug_unlocked and facts["plugged"] and facts["authorized"] and evse.operative
        variable = dmc.plug_lock_problem(evse.id)
        if self._dm.spec(variable) is None or self._dm.get_bool(variable) == failing:
            return
        if failing:
            log.warning("EVSE %d: the plug retention lock cannot engage; energy transfer withheld", evse.id)
        elif evse.plug_unlocked:
            return  # the problem stays until the cable comes out (or goes in properly)
        value = "true" if failing else "false"
        self._dm.put(variable, value)
        self._monitoring.firmware_delta(variable, value, LOCK_FAILURE_SEVERITY)
