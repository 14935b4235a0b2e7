"""Reusable bench states for measured test cases: plain async functions over capabilities, like the OCPP states."""

from __future__ import annotations

import asyncio

from harness.config import Lab
from instruments.capabilities import GridSimulator


async def supplied_at_nominal(grid: GridSimulator, lab: Lab) -> None:
    """The grid simulator at the envelope's nominal voltage and frequency, output on."""
    assert lab.envelope is not None  # the lab model requires an envelope whenever there are instruments
    await asyncio.to_thread(grid.set_voltage, lab.envelope.nominal_voltage_v)
    await asyncio.to_thread(grid.set_frequency, lab.envelope.nominal_frequency_hz)
    await asyncio.to_thread(grid.output, True)
