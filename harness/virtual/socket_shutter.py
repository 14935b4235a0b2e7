"""A cable lock that keeps the EV driver from connecting before authorization (Part 5 AQ-2): a station that claims
it keeps its socket shut until an idToken is authorized at the EVSE, so a plug-in before that is refused."""

from __future__ import annotations

from collections.abc import Set

from harness.virtual.evse import Evse

SHUT_UNTIL_AUTHORIZED = "AQ-2"


def refuses_plug(claims: Set[str], evse: Evse) -> bool:
    """The shutter is still closed: the station claims AQ-2 and nobody is authorized at the EVSE."""
    return SHUT_UNTIL_AUTHORIZED in claims and evse.auth is None
