"""GetVariables, SetVariables, GetBaseReport and RPC-level errors (B05-B07, Part 4 §4.3)."""

from __future__ import annotations

import asyncio
from typing import Any

from .fake_csms import booted, lab


def _get(component: str, variable: str, **extra: Any) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": variable}, **extra}


def _set(component: str, variable: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value, **extra}


def test_get_variables_statuses() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, _port):
            await booted(csms)
            answer = await csms.result(
                "GetVariables",
                {
                    "getVariableData": [
                        _get("OCPPCommCtrlr", "OfflineThreshold", attributeType="Actual"),
                        _get("UnknownComponent", "OfflineThreshold"),
                        _get("OCPPCommCtrlr", "UnknownVariable"),
                        _get("OCPPCommCtrlr", "OfflineThreshold", attributeType="Target"),
                        {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}},
                        {
                            "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                            "variable": {"name": "ConnectorType"},
                        },
                    ]
                },
            )
            results = answer["getVariableResult"]
            assert [r["attributeStatus"] for r in results] == [
                "Accepted",
                "UnknownComponent",
                "UnknownVariable",
                "NotSupportedAttributeType",
                "Accepted",
                "Accepted",
            ]
            assert results[0]["attributeValue"] == "180" and results[0]["attributeType"] == "Actual"
            assert results[3]["attributeType"] == "Target"
            assert results[5]["attributeValue"] == "cType2"
            assert csms.violations == []

    asyncio.run(scenario())


def test_set_variables_statuses_and_effect() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, _port):
            await booted(csms)
            answer = await csms.result(
                "SetVariables",
                {
                    "setVariableData": [
                        _set("OCPPCommCtrlr", "OfflineThreshold", "300", attributeType="Actual"),
                        _set("AuthCtrlr", "LocalAuthorizeOffline", "true"),
                        _set("UnknownComponent", "OfflineThreshold", "1"),
                        _set("OCPPCommCtrlr", "UnknownVariable", "1"),
                        _set("OCPPCommCtrlr", "OfflineThreshold", "1", attributeType="Target"),
                        {
                            **_set("OCPPCommCtrlr", "MessageTimeout", "30"),
                            "variable": {"name": "MessageTimeout", "instance": "Default"},
                        },
                        _set("OCPPCommCtrlr", "HeartbeatInterval", "abc"),
                        _set("OCPPCommCtrlr", "HeartbeatInterval", "300.1"),
                        _set("AuthCtrlr", "AuthorizeRemoteStart", "yes"),
                        _set("TxCtrlr", "TxStartPoint", "EVConnected,Bogus"),
                        _set("TxCtrlr", "TxStopPoint", "EVConnected,PowerPathClosed"),
                    ]
                },
            )
            statuses = [r["attributeStatus"] for r in answer["setVariableResult"]]
            assert statuses == [
                "Accepted",
                "Accepted",
                "UnknownComponent",
                "UnknownVariable",
                "NotSupportedAttributeType",
                "Rejected",
                "Rejected",
                "Rejected",
                "Rejected",
                "Rejected",
                "Accepted",
            ]
            assert answer["setVariableResult"][5]["variable"] == {"name": "MessageTimeout", "instance": "Default"}
            read = await csms.result(
                "GetVariables",
                {
                    "getVariableData": [
                        _get("OCPPCommCtrlr", "OfflineThreshold"),
                        _get("TxCtrlr", "TxStopPoint"),
                        _get("OCPPCommCtrlr", "HeartbeatInterval"),
                    ]
                },
            )
            values = [r["attributeValue"] for r in read["getVariableResult"]]
            assert values == ["300", "EVConnected,PowerPathClosed", "300"]

    asyncio.run(scenario())


def test_base_report_is_split_by_items_per_message() -> None:
    async def scenario() -> None:
        async with lab(evses=2) as (csms, _station, _port):
            await booted(csms, 2)
            answer = await csms.result("GetBaseReport", {"requestId": 42, "reportBase": "FullInventory"})
            assert answer == {"status": "Accepted"}
            reports: list[dict[str, Any]] = []
            while not reports or reports[-1]["tbc"]:
                reports.append(await csms.expect("NotifyReport"))
            assert [r["seqNo"] for r in reports] == list(range(len(reports)))
            assert all(r["requestId"] == 42 for r in reports)
            assert all(len(r["reportData"]) <= 10 for r in reports)
            entries = [entry for r in reports for entry in r["reportData"]]
            names = {(e["component"]["name"], e["variable"]["name"]) for e in entries}
            assert ("OCPPCommCtrlr", "HeartbeatInterval") in names and ("EVSE", "Power") in names
            power = next(e for e in entries if e["variable"]["name"] == "Power")
            assert power["variableCharacteristics"]["maxLimit"] == 11000.0
            config = await csms.result("GetBaseReport", {"requestId": 43, "reportBase": "ConfigurationInventory"})
            assert config["status"] == "Accepted"
            assert csms.violations == []

    asyncio.run(scenario())


def test_rpc_errors_for_unknown_unsupported_and_invalid_calls() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, _port):
            await booted(csms)
            unknown = await csms.call("MakeCoffee", {})
            assert unknown[0] == 4 and unknown[2] == "NotImplemented"
            # A Local Controller's action: a charging station does not serve it.
            unsupported = await csms.call("UnpublishFirmware", {"checksum": "0123456789abcdef0123456789abcdef"})
            assert unsupported[0] == 4 and unsupported[2] == "NotSupported"
            missing = await csms.call("GetVariables", {})
            assert missing[2] == "OccurrenceConstraintViolation"
            wrong_type = await csms.call("Reset", {"type": 5})
            assert wrong_type[2] == "TypeConstraintViolation"
            bad_enum = await csms.call("Reset", {"type": "Sometime"})
            assert bad_enum[2] == "PropertyConstraintViolation"
            await csms.send_raw('[2, "abc", "Heartbeat"')
            broken = await csms.next_raw_reply()
            assert broken[0] == 4 and broken[2] == "RpcFrameworkError"
            too_many = await csms.call(
                "GetVariables", {"getVariableData": [_get("OCPPCommCtrlr", "OfflineThreshold")] * 51}
            )
            assert too_many[2] == "OccurrenceConstraintViolation"

    asyncio.run(scenario())
