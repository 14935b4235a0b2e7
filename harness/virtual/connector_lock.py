"""The connector locks of the station's sockets (detachable cables) and UnlockConnector (F05)."""

from __future__ import annotations

import logging
from typing import Any

from harness.virtual import faults as F
from harness.virtual.evse import Evse
from harness.virtual.faults import FaultSet

log = logging.getLogger("harness.virtual")


def unlock_connector(evses: list[Evse], request: dict[str, Any], faults: FaultSet) -> str:
    """The UnlockStatusEnumType answer to an UnlockConnectorRequest; the virtual lock itself never jams."""
    evse = next((e for e in evses if e.id == request["evseId"]), None)
    connector = evse.connector(request["connectorId"]) if evse is not None else None
    if evse is None or connector is None:
        # F05.FR.03: an EVSE/connector pair the station does not have.
        return "UnlockFailed" if faults.active(F.UNLOCK_UNKNOWN_CONNECTOR_FAILED) else "UnknownConnector"
    authorized_tx = evse.tx is not None and evse.auth is not None
    if authorized_tx and not faults.active(F.UNLOCK_DURING_TRANSACTION):
        # F05.FR.02: releasing the cable of a running, authorized transaction is refused.
        return "OngoingAuthorizedTransaction"
    if faults.active(F.UNLOCK_CONNECTOR_FAILS):
        return "UnlockFailed"
    # F05.FR.04 with a cable, F05.FR.06 without one: the lock ends up open either way.
    log.info("EVSE %d connector %d unlocked (cable %s)", evse.id, connector.id, "in" if connector.plugged else "out")
    return "Unlocked"
