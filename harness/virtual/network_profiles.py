"""The station's network connection profiles (B09): the slots SetNetworkProfile writes, and the security profile
in force, which a new profile may raise but never lower (A05 / B09.FR.04).

Slot 1 holds what the station was started with. NetworkConfigurationPriority (B10) orders the slots; a new order
takes effect at the next boot, when the station tries the first slot and falls back to the next one after
NetworkProfileConnectionAttempts failed attempts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from harness.virtual import faults as F
from harness.virtual.faults import FaultSet

SLOTS = range(1, 4)  # configuration slots this station offers (NetworkConfigurationPriority lists them)
OCPP_VERSION = "OCPP20"


@dataclass(frozen=True)
class ConnectionProfile:
    url: str
    security_profile: int
    message_timeout_s: int
    interface: str


class NetworkProfiles:
    def __init__(self, initial: ConnectionProfile, faults: FaultSet) -> None:
        self._initial = initial
        self.slots: dict[int, ConnectionProfile] = {1: initial}
        self.active_slot = 1
        self._faults = faults

    def factory_reset(self) -> None:
        """Only the profile the station was started with, as it left the factory (it may be below the active one:
        a factory reset is no OCPP downgrade)."""
        self.slots = {1: self._initial}
        self.active_slot = 1

    def without_lower_profiles(self, priority: str, connected_slot: int) -> str:
        """A05.FR.05/06: once connected at a higher security profile, the slots below it leave the priority list."""
        connected = self.slots.get(connected_slot)
        if connected is None:
            return priority
        active = connected.security_profile
        kept = [m for m in priority.split(",") if m.strip().isdigit() and self._at_least(int(m), active)]
        return ",".join(m.strip() for m in kept) or str(connected_slot)

    def _at_least(self, slot: int, security_profile: int) -> bool:
        profile = self.slots.get(slot)
        return profile is not None and profile.security_profile >= security_profile

    @property
    def security_profile(self) -> int:
        return self.slots[self.active_slot].security_profile

    def check_priority(self, value: str) -> str | None:
        """The device model's guard on NetworkConfigurationPriority: only configured slots, each once."""
        members = [m.strip() for m in value.split(",")]
        if not all(m.isdigit() for m in members) or len(set(members)) != len(members):
            return "Rejected"
        if any(int(m) not in self.slots for m in members):
            return "Rejected"
        return "RebootRequired"  # the order is used from the next connection set-up on

    def ordered(self, priority: str) -> list[tuple[int, ConnectionProfile]]:
        """(slot, profile) in the priority order, skipping slots that are not configured."""
        order = [int(m) for m in priority.split(",") if m.strip().isdigit()]
        return [(slot, self.slots[slot]) for slot in order if slot in self.slots] or [(1, self.slots[1])]

    def set_profile(self, payload: dict[str, Any]) -> dict[str, Any]:
        """SetNetworkProfileResponse for a (schema-valid) SetNetworkProfileRequest."""
        slot, data = int(payload["configurationSlot"]), payload["connectionData"]
        problem = self._problem(slot, data)
        if problem is not None:
            return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidValue", "additionalInfo": problem}}
        self.slots[slot] = ConnectionProfile(
            str(data["ocppCsmsUrl"]), int(data["securityProfile"]), int(data["messageTimeout"]), data["ocppInterface"]
        )
        return {"status": "Accepted"}

    def _problem(self, slot: int, data: dict[str, Any]) -> str | None:
        if slot not in SLOTS and not self._faults.active(F.NETWORK_PROFILE_ANY_SLOT):
            return f"no configuration slot {slot} (slots {SLOTS.start}-{SLOTS.stop - 1})"
        lower = int(data["securityProfile"]) < self.security_profile
        if lower and not self._faults.active(F.NETWORK_PROFILE_ALLOWS_DOWNGRADE):
            return f"security profile {data['securityProfile']} is below the active {self.security_profile}"
        if data["ocppVersion"] != OCPP_VERSION:
            return f"OCPP version {data['ocppVersion']} is not spoken here"
        scheme = urlparse(str(data["ocppCsmsUrl"])).scheme
        if scheme not in ("ws", "wss") or (scheme == "ws") != (int(data["securityProfile"]) <= 1):
            return f"URL scheme {scheme!r} does not fit security profile {data['securityProfile']}"
        return None
