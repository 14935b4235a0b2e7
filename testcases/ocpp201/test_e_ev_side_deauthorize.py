"""Block E, Transactions: the cable pulled out at the EV side ends the authorization (E09, E06 S3).

With TxCtrlr.StopTxOnEVSideDisconnect true the station deauthorizes the transaction when it loses the EV at the EV
side. OCPPCommCtrlr.UnlockOnEVSideDisconnect decides whether the socket lets the cable go at once (true) or keeps
it locked until the driver presents the idToken of the transaction again (false). The lock is a physical
observation: no OCPP message reports it and Part 6 validates none. What the tool checks is the TransactionEvent of
the disconnect and the connector becoming Available once the cable is out of the socket; in the virtual lab a
socket that stays locked refuses the manual action that pulls the cable out (a lab error that names the lock).
"""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.messages import Received
from harness.ocpp.v201.ev_side import ev_side_unplugged, has_fixed_cable, suspended_session
from harness.ocpp.v201.optional_config import configure_if_implemented
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import Transaction, configure, expect_connector

BLOCK = "E Transactions"
TX_STOP_POINTS_READ_WRITE = "C-52"


async def _deauthorized_on_ev_side(
    ctx: CaseContext, *, unlock: bool, extra: list[tuple[str, str, str]] | None = None
) -> tuple[Transaction, Received]:
    """Configuration state, EnergyTransferSuspended, then the EV-side disconnect and its step 1 checks."""
    await configure(
        ctx.csms,
        [*(extra or []), ("TxCtrlr", "StopTxOnEVSideDisconnect", "true"),
         ("OCPPCommCtrlr", "UnlockOnEVSideDisconnect", "true" if unlock else "false")],
    )  # fmt: skip
    tx = await suspended_session(ctx)
    return tx, await ev_side_unplugged(ctx, tx)


async def _cable_out_of_the_socket(ctx: CaseContext, tx: Transaction, *, unlock: bool) -> None:
    """Manual actions after the disconnect, then step 3: the connector is reported Available.

    A fixed cable (HFS-2) left the station's connector with the EV, so nothing is left to do. A socket kept locked
    (UnlockOnEVSideDisconnect false) lets the cable go after the driver presents the transaction's idToken.
    """
    if not has_fixed_cable(ctx):
        if not unlock:
            await ctx.dut.present_id_token(ctx.cfg.valid_id_token, tx.evse_id)
        await ctx.dut.unplug(tx.evse_id, tx.connector_id)
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Available")


def _deauthorizing_stop_point(ctx: CaseContext) -> list[tuple[str, str, str]]:
    """TxStopPoint "PowerPathClosed AND/OR Authorized" when ReadWrite (C-52): Authorized where claimed, so only the
    deauthorization itself can end the transaction; PowerPathClosed otherwise."""
    features = ctx.profile.certification.features
    if TX_STOP_POINTS_READ_WRITE not in features:
        return []
    return [("TxCtrlr", "TxStopPoint", "Authorized" if "C-10.2" in features else "PowerPathClosed")]


@ocpp201_case(
    "TC_E_17_CS", "Stop transaction options - Deauthorized, EV side disconnect", BLOCK, ["E06"],
    ["E06.FR.04", "E06.FR.15"],
)  # fmt: skip
async def test_TC_E_17_CS(ctx: CaseContext) -> None:
    """StopTxOnEVSideDisconnect true: losing the EV at the EV side deauthorizes and so ends the transaction
    (stoppedReason EVDisconnected); the socket stays locked until the idToken comes back, then the cable is freed."""
    await configure_if_implemented(
        ctx.csms, [("AuthCtrlr", "Enabled", "true"), ("AuthCtrlr", "DisableRemoteAuthorization", "false")]
    )
    tx, event = await _deauthorized_on_ev_side(ctx, unlock=False, extra=_deauthorizing_stop_point(ctx))
    require_equal(event.get("eventType"), "Ended", "step 1: eventType")
    require_equal(event.get("transactionInfo.stoppedReason"), "EVDisconnected", "step 1: transactionInfo.stoppedReason")
    await _cable_out_of_the_socket(ctx, tx, unlock=False)


@ocpp201_case(
    "TC_E_24_CS", "EV side disconnect - deauthorize, UnlockOnEVSideDisconnect true", BLOCK, ["E09"],
    ["E09.FR.01", "E09.FR.02", "E09.FR.04"],
)  # fmt: skip
async def test_TC_E_24_CS(ctx: CaseContext) -> None:
    """A detachable cable pulled out at the EV side: the transaction is deauthorized and the socket unlocks at once,
    so the cable can be taken out of the station and the connector becomes Available."""
    tx, _ = await _deauthorized_on_ev_side(ctx, unlock=True)
    await _cable_out_of_the_socket(ctx, tx, unlock=True)


@ocpp201_case(
    "TC_E_25_CS", "EV side disconnect - deauthorize, UnlockOnEVSideDisconnect false", BLOCK, ["E09"],
    ["E09.FR.01", "E09.FR.03", "E09.FR.04"],
)  # fmt: skip
async def test_TC_E_25_CS(ctx: CaseContext) -> None:
    """The transaction is deauthorized when the EV is lost at the EV side, but a socket keeps the cable locked
    until the driver presents the idToken again; after that the cable comes out and the connector is Available."""
    tx, _ = await _deauthorized_on_ev_side(ctx, unlock=False)
    await _cable_out_of_the_socket(ctx, tx, unlock=False)
