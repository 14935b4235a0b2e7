"""A05.FR.02 on the virtual station (harness/virtual/upgrade_guard.py): without a CSMS root, no NetworkConfiguration
Priority may name a TLS profile; the in-process station here runs at profile 1 and holds no CSMS root."""

from __future__ import annotations

from typing import Any

from harness.virtual.station import Station

from .fake_csms import FakeCsms, booted, run_scenario

TLS_PROFILE = {
    "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": "wss://127.0.0.1:9/ocpp",
    "messageTimeout": 5, "securityProfile": 2, "ocppInterface": "Wired0",
}  # fmt: skip


async def _priority_status(csms: FakeCsms, value: str) -> Any:
    setting = {
        "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "NetworkConfigurationPriority"},
        "attributeValue": value,
    }  # fmt: skip
    answer = await csms.result("SetVariables", {"setVariableData": [setting]})
    return answer["setVariableResult"][0]["attributeStatus"]


async def _tls_slot_stored(csms: FakeCsms) -> None:
    await booted(csms)
    answer = await csms.result("SetNetworkProfile", {"configurationSlot": 2, "connectionData": TLS_PROFILE})
    assert answer["status"] == "Accepted"


def test_tls_priority_rejected_without_csms_root() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await _tls_slot_stored(csms)
        assert await _priority_status(csms, "2,1") == "Rejected"
        assert await _priority_status(csms, "1") == "RebootRequired"  # the profile-1 slot alone stays possible

    run_scenario(scenario)


def test_profile_upgrade_without_csms_root_fault() -> None:
    async def scenario(csms: FakeCsms, station: Station, port: int) -> None:
        await _tls_slot_stored(csms)
        assert await _priority_status(csms, "2,1") == "RebootRequired"

    run_scenario(scenario, faults=("profile-upgrade-without-csms-root",))
