"""Block F, Remote control: remote start before plug-in (F02, E03) and UnlockConnector (F05)."""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.channel import StationChannel
from harness.ocpp.v201 import states
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_transaction_event
from harness.verdict import Inconclusive, Nonconformity

BLOCK = "F Remote control"
UNKNOWN_CONNECTOR_ID = 999  # Part 6 TC_F_10_CS


async def configure_if_implemented(csms: StationChannel, settings: list[tuple[str, str, str]]) -> None:
    """Configuration State items Part 6 marks "if implemented": a station without the variable is fine as it is."""
    data = [
        {"component": {"name": comp}, "variable": {"name": var}, "attributeValue": value}
        for comp, var, value in settings
    ]
    outcome = await csms.call("SetVariables", {"setVariableData": data})
    for result in outcome.get("setVariableResult", []):
        if result.get("attributeStatus") not in ("Accepted", "UnknownComponent", "UnknownVariable"):
            raise Inconclusive(
                f"configuration state not reached: {result.get('component', {}).get('name')}."
                f"{result.get('variable', {}).get('name')} was {result.get('attributeStatus')}"
            )


async def remote_authorization_on(ctx: CaseContext) -> None:
    """AuthCtrlr enabled and remote authorization not disabled, where the station has those variables."""
    await configure_if_implemented(
        ctx.csms, [("AuthCtrlr", "Enabled", "true"), ("AuthCtrlr", "DisableRemoteAuthorization", "false")]
    )


@ocpp201_case(
    "TC_F_03_CS", "Remote start transaction - remote start first, AuthorizeRemoteStart false", BLOCK, ["F02"],
    ["F02.FR.01", "F01.FR.02"], needs=["remote_start_stop"],
)  # fmt: skip
async def test_TC_F_03_CS(ctx: CaseContext) -> None:
    """RequestStartTransaction before the EV arrives, AuthorizeRemoteStart false: charging without an Authorize."""
    # Prerequisite: AuthorizeRemoteStart is not a ReadOnly true; a station that refuses false never gets there.
    await configure(ctx.csms, [("AuthCtrlr", "AuthorizeRemoteStart", "false")])
    await remote_authorization_on(ctx)
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx, "remote")
    await states.energy_transfer_started(ctx, tx)
    authorizes = ctx.csms.history("Authorize")
    if authorizes:
        raise Nonconformity(
            f"F01.FR.02: with AuthorizeRemoteStart false the station sent {authorizes[0].describe()} "
            "for the remote start"
        )


@ocpp201_case(
    "TC_F_04_CS", "Remote start transaction - remote start first, cable plug-in timeout", BLOCK, ["F02", "E03"],
    ["F02.FR.01", "E03.FR.01", "E03.FR.05"], needs=["remote_start_stop"],
)  # fmt: skip
async def test_TC_F_04_CS(ctx: CaseContext) -> None:
    """A remote start with no cable ends after EVConnectionTimeOut (EVConnectTimeout); the EVSE can start again."""
    timeout_s = ctx.cfg.ev_connection_timeout_s
    await configure(ctx.csms, [("TxCtrlr", "EVConnectionTimeOut", str(timeout_s))])
    await remote_authorization_on(ctx)
    # Part 6 allows ParkingBayOccupancy too; Authorized is the start point every station offers.
    await configure(ctx.csms, [("TxCtrlr", "TxStartPoint", "Authorized")])
    ctx.tx_start_point = ["Authorized"]
    tx = ctx.new_transaction()
    await states.authorized(ctx, tx, "remote")
    started = tx.events[0]
    ended = await expect_transaction_event(
        ctx.csms, tx, "ending the transaction after EVConnectionTimeOut",
        timeout=timeout_s + ctx.timing.time_tolerance_s, extra=lambda r: r.get("eventType") == "Ended",
    )  # fmt: skip
    elapsed = ended.mono - started.mono
    require(
        elapsed >= timeout_s - ctx.timing.clock_slack_s,
        f"step 1: the transaction ended {elapsed:.1f} s after it started, before EVConnectionTimeOut ({timeout_s} s)",
    )
    require_equal(ended.get("triggerReason"), "EVConnectTimeout", "step 1: TransactionEvent triggerReason")
    # Step 3: the EVSE must take a new remote start.
    await states.authorized(ctx, ctx.new_transaction(), "remote")


@ocpp201_case(
    "TC_F_05_CS", "Remote unlock connector - with ongoing transaction", BLOCK, ["F05"], ["F05.FR.01", "F05.FR.02"],
    needs=["local_authorization"],
)  # fmt: skip
async def test_TC_F_05_CS(ctx: CaseContext) -> None:
    """UnlockConnector on the connector of a running transaction answers OngoingAuthorizedTransaction."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await ctx.csms.call("UnlockConnector", {"evseId": tx.evse_id, "connectorId": tx.connector_id})
    require_equal(answer.get("status"), "OngoingAuthorizedTransaction", "step 2: UnlockConnectorResponse status")


@ocpp201_case(
    "TC_F_06_CS", "Remote unlock connector - without ongoing transaction, Unlocked", BLOCK, ["F05"],
    ["F05.FR.01", "F05.FR.04"],
)  # fmt: skip
async def test_TC_F_06_CS(ctx: CaseContext) -> None:
    """UnlockConnector on the configured connector without a transaction answers Unlocked."""
    answer = await ctx.csms.call("UnlockConnector", {"evseId": ctx.cfg.evse_id, "connectorId": ctx.cfg.connector_id})
    require_equal(answer.get("status"), "Unlocked", "step 2: UnlockConnectorResponse status")


@ocpp201_case(
    "TC_F_07_CS", "Remote unlock connector - without ongoing transaction, no cable", BLOCK, ["F05"],
    ["F05.FR.01", "F05.FR.06"],
)  # fmt: skip
async def test_TC_F_07_CS(ctx: CaseContext) -> None:
    """UnlockConnector on a connector with no cable in it answers Unlocked."""
    # Charging State "no cable connected" is the baseline every case starts from (no EV, idle).
    answer = await ctx.csms.call("UnlockConnector", {"evseId": ctx.cfg.evse_id, "connectorId": ctx.cfg.connector_id})
    require_equal(answer.get("status"), "Unlocked", "step 2: UnlockConnectorResponse status")


@ocpp201_case("TC_F_10_CS", "Remote unlock connector - UnknownConnector", BLOCK, ["F05"], ["F05.FR.03"])
async def test_TC_F_10_CS(ctx: CaseContext) -> None:
    """UnlockConnector for a connector the EVSE does not have answers UnknownConnector."""
    request = {"evseId": ctx.cfg.evse_id, "connectorId": UNKNOWN_CONNECTOR_ID}
    answer = await ctx.csms.call("UnlockConnector", request)
    require_equal(answer.get("status"), "UnknownConnector", "step 2: UnlockConnectorResponse status")
