"""Before every case the station is Accepted, idle and fault-free (the general rule of the OCPP test labs)."""

from __future__ import annotations

import contextlib

from harness.lab import Bench
from harness.ocpp.messages import Predicate, Received
from harness.verdict import DutTimeout

STATUS_SETTLE_S = 2.0  # how long the baseline waits for each connector's status after boot


async def reach_baseline(bench: Bench) -> None:
    """Reset the DUT to its baseline and wait until it has booted and reported its connectors."""
    channel = bench.csms.channel
    timing = bench.lab.timing
    channel.begin_case()
    await bench.csms.restore_shipped()  # a security case that ended early must not lock the next one out
    changes = tuple(sorted(bench.csms.provisioning_changes))
    rebooted = await bench.actions.restore_baseline(changes)
    bench.csms.provisioning_changes.clear()
    await channel.wait_connected(timing.boot_timeout_s)
    if not rebooted:
        return
    await channel.expect("BootNotification", timeout=timing.boot_timeout_s, what="after the baseline power-up")
    for evse in bench.dut.evses:
        for connector in evse.connectors:
            try:
                await channel.expect(
                    "StatusNotification", _is_connector(evse.id, connector.id), timeout=STATUS_SETTLE_S
                )
            except DutTimeout:
                break  # cases that check the boot report will catch this; the baseline only waits for it
    # Taken here, so a case that reboots the station later never mistakes this one for its own; the cases that
    # check the startup event catch its absence.
    with contextlib.suppress(DutTimeout):
        await channel.expect("SecurityEventNotification", _is_startup, timeout=STATUS_SETTLE_S)


def _is_startup(received: Received) -> bool:
    return received.get("type") in ("StartupOfTheDevice", "ResetOrReboot")


def _is_connector(evse_id: int, connector_id: int) -> Predicate:
    def match(received: Received) -> bool:
        return bool(received.get("evseId") == evse_id and received.get("connectorId") == connector_id)

    return match
