"""G05 on the virtual station: a cable whose retention lock cannot engage is reported and never energized."""

from __future__ import annotations

import asyncio
from typing import Any

from .fake_csms import booted, control, lab


def _lock_event(request: dict[str, Any]) -> bool:
    return any(item["component"]["name"] == "ConnectorPlugRetentionLock" for item in request["eventData"])


def _charging(event: dict[str, Any]) -> bool:
    return bool(event["transactionInfo"].get("chargingState") == "Charging")


def test_an_unlocked_cable_is_reported_and_not_charged_until_it_comes_out() -> None:
    async def scenario() -> None:
        async with lab() as (csms, _station, port):
            await booted(csms)
            assert (await control(port, "POST", "/plug/unlocked", {"evse_id": 1}))[0] == 200
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("Authorize")
            notified = await csms.expect("NotifyEvent", _lock_event)
            event = notified["eventData"][0]
            assert (event["trigger"], event["variable"]["name"], event["actualValue"]) == ("Delta", "Problem", "true")
            await csms.expect_none("TransactionEvent", during=0.8, where=_charging)
            await control(port, "POST", "/unplug", {"evse_id": 1})
            cleared = await csms.expect("NotifyEvent", _lock_event)
            assert cleared["eventData"][0]["actualValue"] == "false"

    asyncio.run(scenario())


def test_an_unread_lock_sensor_charges_silently() -> None:
    async def scenario() -> None:
        async with lab(faults=("connector-lock-failure-ignored",)) as (csms, _station, port):
            await booted(csms)
            await control(port, "POST", "/plug/unlocked", {"evse_id": 1})
            await control(port, "POST", "/present-id-token", {"evse_id": 1, "id_token": "AB12"})
            await csms.expect("Authorize")
            await csms.expect("TransactionEvent", _charging)
            await csms.expect_none("NotifyEvent", during=0.4, where=_lock_event)

    asyncio.run(scenario())


def test_factory_reset_forgets_a_cable_that_did_not_lock() -> None:
    """Each case starts from the factory reset: a half-inserted cable left by one case must not block the next."""

    async def scenario() -> None:
        async with lab() as (csms, station, port):
            await booted(csms)
            await control(port, "POST", "/plug/unlocked", {"evse_id": 1})
            await control(port, "POST", "/factory-reset", {})
            await booted(csms)
            assert not any(evse.plug_unlocked for evse in station.evses)

    asyncio.run(scenario())
