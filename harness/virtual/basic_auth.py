"""A01: the station's HTTP Basic password, SecurityCtrlr.BasicAuthPassword (security profiles 1 and 2).

The CSMS writes it with SetVariables; a valid one (16-40 identifierString characters, A00.FR.205) is Accepted,
written to the security log, and used from the next connection on: the station closes its connection once the
response is out and connects again with the new password, without a reboot. A factory reset restores the password
the station was started with.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from harness.virtual import faults as F
from harness.virtual.device_model import VariableKey
from harness.virtual.dm_catalog import BASIC_AUTH_PASSWORD

if TYPE_CHECKING:
    from harness.virtual.station import Station

_PASSWORD = re.compile(r"[A-Za-z0-9*\-_=:+|@.]{16,40}")
# Long enough for the SetVariablesResponse to leave before the connection closes.
RECONNECT_AFTER_S = 0.3


class BasicAuthPassword:
    """Validates a new password and moves the station's link over to it."""

    def __init__(self, station: Station) -> None:
        self._station = station
        station.dm.guard(BASIC_AUTH_PASSWORD, self._check)
        station.dm.on_change(self._changed)
        station.link.password_from(self._for_link)

    @property
    def current(self) -> str | None:
        written = self._station.dm.value(BASIC_AUTH_PASSWORD)
        return written or self._station.config.password

    def _for_link(self) -> str | None:
        if self._station.faults.active(F.BASIC_AUTH_PASSWORD_IGNORED):
            return self._station.config.password  # the fault: the new password is stored but never used
        return self.current

    def _check(self, value: str) -> str | None:
        if _PASSWORD.fullmatch(value) or self._station.faults.active(F.BASIC_AUTH_PASSWORD_UNCHECKED):
            return None
        return "Rejected"

    def _changed(self, variable: VariableKey) -> None:
        if variable != BASIC_AUTH_PASSWORD:
            return
        station = self._station
        if station.dm.value(BASIC_AUTH_PASSWORD):  # a factory reset back to "" is no reconfiguration
            station.logs.security_event(
                {"type": "ReconfigurationOfSecurityParameters", "timestamp": station.clock.stamp()}
            )
            station.spawn(self._reconnect())

    async def _reconnect(self) -> None:
        await asyncio.sleep(RECONNECT_AFTER_S)
        self._station.link.drop(abort=False, delay_s=0.0)
