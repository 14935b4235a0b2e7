"""Configuration State items Part 6 marks "(If implemented)": set them where the station has the variable."""

from __future__ import annotations

from harness.ocpp.channel import StationChannel
from harness.verdict import Inconclusive

ABSENT = ("UnknownComponent", "UnknownVariable")


async def configure_if_implemented(csms: StationChannel, settings: list[tuple[str, str, str]]) -> None:
    """Each (component, variable, value) must be Accepted unless the station does not know the variable at all."""
    data = [
        {"component": {"name": comp}, "variable": {"name": var}, "attributeValue": value}
        for comp, var, value in settings
    ]
    outcome = await csms.call("SetVariables", {"setVariableData": data})
    for result in outcome.get("setVariableResult", []):
        if result.get("attributeStatus") not in ("Accepted", *ABSENT):
            raise Inconclusive(
                f"configuration state not reached: {result.get('component', {}).get('name')}."
                f"{result.get('variable', {}).get('name')} was {result.get('attributeStatus')}"
            )
