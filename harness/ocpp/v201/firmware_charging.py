"""Steps of the L01 cases that update firmware while transactions run (TC_L_11_CS .. TC_L_16_CS).

L01.FR.06/07: a station that cannot download or install during a transaction schedules the step until every
transaction ended; AllowNewSessionsPendingFirmwareUpdate says whether idle EVSEs take new sessions meanwhile, else
their connectors go Unavailable until the new firmware runs.
"""

from __future__ import annotations

from harness.checks import require
from harness.ocpp.messages import Received
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, connector_report, expect_connector, read_variable
from harness.verdict import Inconclusive

ALLOW_NEW_SESSIONS = ("ChargingStation", "AllowNewSessionsPendingFirmwareUpdate")


async def allow_new_sessions(ctx: CaseContext, allow: bool, *, required: bool) -> None:
    """Configuration state: AllowNewSessionsPendingFirmwareUpdate (only `if implemented` unless `required`)."""
    if not required and await read_variable(ctx.csms, *ALLOW_NEW_SESSIONS) is None:
        return
    await configure(ctx.csms, [(*ALLOW_NEW_SESSIONS, "true" if allow else "false")])


def other_connectors(ctx: CaseContext, busy: Transaction) -> list[tuple[int, int]]:
    """The connectors of the EVSEs other than the one the transaction runs on."""
    return [(evse, connector) for evse, connector in ctx.connectors() if evse != busy.evse_id]


def second_transaction(ctx: CaseContext, first: Transaction) -> Transaction:
    """The <Configured second Connector>: the first connector of another EVSE."""
    others = other_connectors(ctx, first)
    if not others:
        raise Inconclusive("the case needs a second EVSE; the DUT profile lists one")
    return Transaction(*others[0])


async def idle_connectors_unavailable(ctx: CaseContext, busy: Transaction, step: str) -> None:
    """Every connector of the idle EVSEs is reported Unavailable (new sessions are not allowed meanwhile)."""
    for evse_id, connector_id in other_connectors(ctx, busy):
        await expect_connector(ctx.csms, evse_id, connector_id, "Unavailable")
    ctx.csms.evidence.note(f"{step}: idle connectors reported Unavailable")


async def unavailable_ones_available_again(ctx: CaseContext) -> None:
    """Every connector whose last report in this case was Unavailable is reported Available again."""
    for evse_id, connector_id in ctx.connectors():
        reports = [
            r for r in ctx.csms.history() if r.action in ("StatusNotification", "NotifyEvent")
            and any(connector_report(evse_id, connector_id, s)(r) for s in ("Unavailable", "Available"))
        ]  # fmt: skip
        last_unavailable = [r for r in reports if connector_report(evse_id, connector_id, "Unavailable")(r)]
        if last_unavailable and reports[-1] is last_unavailable[-1]:
            await expect_connector(ctx.csms, evse_id, connector_id, "Available", timeout=ctx.timing.boot_timeout_s)


def after_transactions(status: Received, ended: list[Received], what: str) -> None:
    """`status` (Downloading, Installing, a reboot) came only after every transaction's Ended event."""
    last = max(event.index for event in ended)
    require(
        status.index > last,
        f"{status.describe()} ({what}) came while a transaction was still running; the station claims it "
        "cannot do that during a transaction",
    )
