"""Block B, Provisioning: cold boot (B01-B03), get/set variables (B05, B06) and reset (B11, B12)."""

from __future__ import annotations

from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal, require_in
from harness.ocpp.messages import CallOutcome
from harness.ocpp.v201 import states
from harness.ocpp.v201.answers import boot_answers
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import configure, expect_connector

BLOCK = "B Provisioning"
# While a boot is Pending the station may only boot again and report what the CSMS asked for (B02.FR.02/.03).
ALLOWED_WHILE_PENDING = {"BootNotification", "NotifyReport"}


def _variable(comp: str, var: str, **extra: Any) -> dict[str, Any]:
    return {"component": {"name": comp}, "variable": {"name": var}, **extra}


def _result_for(outcome: CallOutcome, key: str, comp: str, var: str) -> dict[str, Any]:
    for result in outcome.get(key, []):
        if result.get("component", {}).get("name") == comp and result.get("variable", {}).get("name") == var:
            return dict(result)
    raise AssertionError(f"{key} holds no result for {comp}.{var}")


def _check_no_error(result: dict[str, Any], what: str) -> None:
    info = result.get("attributeStatusInfo")
    require(info is None or info.get("reasonCode") == "NoError", f"{what}: attributeStatusInfo is {info}")


# ---------------------------------------------------------------- B01-B03 cold boot


@ocpp201_case("TC_B_01_CS", "Cold boot - Accepted", BLOCK, ["B01"], ["B01.FR.01", "B01.FR.05", "B01.FR.09"], needs=[])
async def test_TC_B_01_CS(ctx: CaseContext) -> None:
    """After a power cycle the station boots, is Accepted and reports every connector (B01).

    Beyond Part 6, the harness also checks that the station adopts the heartbeat interval of the
    BootNotificationResponse (B01): no Heartbeat within the tolerance window right after the boot.
    """
    boot = await states.booted(ctx, via="power_cycle")
    require_equal(boot.get("chargingStation.vendorName"), ctx.profile.identity.vendor, "chargingStation.vendorName")
    require_equal(boot.get("chargingStation.model"), ctx.profile.identity.model, "chargingStation.model")
    quiet = min(ctx.timing.time_tolerance_s, ctx.cfg.heartbeat_interval_s / 2)
    await ctx.csms.expect_none(
        "Heartbeat", during=quiet,
        what=f"within {quiet:g} s of a boot accepted with interval {ctx.cfg.heartbeat_interval_s} s",
    )  # fmt: skip


@ocpp201_case(
    "TC_B_02_CS", "Cold boot - Pending", BLOCK, ["B02", "F06"],
    ["B02.FR.01", "B02.FR.02", "B02.FR.04", "B02.FR.05", "B02.FR.06", "B02.FR.08", "F06.FR.17"],
    needs=["base_report", "trigger_message"],
)  # fmt: skip
async def test_TC_B_02_CS(ctx: CaseContext) -> None:
    """While Pending the station takes configuration, refuses to start a transaction and boots again on request."""
    csms, cfg = ctx.csms, ctx.cfg
    csms.respond("BootNotification", boot_answers("Pending", "Accepted", interval=cfg.heartbeat_interval_s))
    await ctx.dut.power_cycle()
    first = await csms.expect("BootNotification", timeout=ctx.timing.boot_timeout_s, what="after the reboot")

    set_result = await csms.call(
        "SetVariables", {"setVariableData": [_variable("OCPPCommCtrlr", "OfflineThreshold", attributeValue="300")]}
    )
    require_equal(
        set_result.get("setVariableResult.0.attributeStatus"), "Accepted", "step 4: SetVariables attributeStatus"
    )
    get_result = await csms.call("GetVariables", {"getVariableData": [_variable("OCPPCommCtrlr", "OfflineThreshold")]})
    require_equal(
        get_result.get("getVariableResult.0.attributeStatus"), "Accepted", "step 6: GetVariables attributeStatus"
    )

    report = await csms.call("GetBaseReport", {"requestId": 201, "reportBase": "FullInventory"})
    require_equal(report.get("status"), "Accepted", "step 8: GetBaseReportResponse status")
    expected_seq = 0
    while True:
        part = await csms.expect("NotifyReport", lambda r: r.get("requestId") == 201, what="for requestId 201")
        require_equal(part.get("seqNo"), expected_seq, "step 9: NotifyReport seqNo")
        expected_seq += 1
        if not part.get("tbc", False):
            break

    start = await csms.call(
        "RequestStartTransaction",
        {"idToken": cfg.valid_id_token.as_ocpp(), "remoteStartId": 202, "evseId": cfg.evse_id},
    )
    require_equal(start.get("status"), "Rejected", "step 12: RequestStartTransactionResponse status while Pending")

    trigger = await csms.call("TriggerMessage", {"requestedMessage": "BootNotification"})
    require_in(trigger.get("status"), ("Accepted", "NotImplemented"), "step 14: TriggerMessageResponse status")
    if trigger.get("status") == "Accepted":
        second = await csms.expect("BootNotification", what="after TriggerMessage(BootNotification)")
        require_equal(second.get("reason"), "Triggered", "step 15: BootNotification reason")
    else:
        second = await csms.expect("BootNotification", timeout=cfg.heartbeat_interval_s + ctx.timing.time_tolerance_s)
    await states.all_connectors_reported(ctx, "Available")

    sent_while_pending = {r.action for r in csms.history() if first.index < r.index < second.index}
    unexpected = sorted(sent_while_pending - ALLOWED_WHILE_PENDING)
    require(not unexpected, f"while Pending the station sent {', '.join(unexpected)} (B02.FR.02)")


@ocpp201_case("TC_B_03_CS", "Cold boot - Rejected", BLOCK, ["B03"], ["B03.FR.02", "B03.FR.04", "B03.FR.06"])
async def test_TC_B_03_CS(ctx: CaseContext) -> None:
    """After a Rejected boot the station stays silent and boots again no sooner than the interval (B03)."""
    csms, interval = ctx.csms, ctx.cfg.boot_retry_interval_s
    csms.respond("BootNotification", boot_answers("Rejected", "Accepted", interval=interval))
    await ctx.dut.power_cycle()
    first = await csms.expect("BootNotification", timeout=ctx.timing.boot_timeout_s, what="after the reboot")
    second = await csms.expect(
        "BootNotification", timeout=interval + ctx.timing.time_tolerance_s + ctx.timing.message_timeout_s,
        what="repeating the boot after the interval",
    )  # fmt: skip
    waited = second.mono - first.mono
    require(
        waited >= interval - ctx.timing.clock_slack_s,
        f"the station booted again after {waited:.1f} s; the interval was {interval} s",
    )
    silent = [r.action for r in csms.history() if first.index < r.index < second.index]
    require(not silent, f"after the Rejected boot the station sent {', '.join(silent)} before booting again")
    await states.all_connectors_reported(ctx, "Available")


# ---------------------------------------------------------------- B06 get variables


@ocpp201_case(
    "TC_B_06_CS", "Get variables - single value", BLOCK, ["B06"],
    ["B06.FR.01", "B06.FR.02", "B06.FR.03", "B06.FR.04", "B06.FR.10", "B06.FR.11"],
)  # fmt: skip
async def test_TC_B_06_CS(ctx: CaseContext) -> None:
    """GetVariables for OCPPCommCtrlr.OfflineThreshold returns the configured 300."""
    await configure(ctx.csms, [("OCPPCommCtrlr", "OfflineThreshold", "300")])
    outcome = await ctx.csms.call(
        "GetVariables", {"getVariableData": [_variable("OCPPCommCtrlr", "OfflineThreshold", attributeType="Actual")]}
    )
    result = _result_for(outcome, "getVariableResult", "OCPPCommCtrlr", "OfflineThreshold")
    require_equal(result.get("attributeStatus"), "Accepted", "attributeStatus")
    require_equal(result.get("attributeType", "Actual"), "Actual", "attributeType")
    require_equal(result.get("attributeValue"), "300", "attributeValue")
    _check_no_error(result, "OfflineThreshold")


@ocpp201_case(
    "TC_B_07_CS", "Get variables - multiple values", BLOCK, ["B06"],
    ["B06.FR.01", "B06.FR.02", "B06.FR.03", "B06.FR.04", "B06.FR.10"],
)  # fmt: skip
async def test_TC_B_07_CS(ctx: CaseContext) -> None:
    """One GetVariables for two variables answers both, in any order."""
    await configure(
        ctx.csms, [("OCPPCommCtrlr", "OfflineThreshold", "300"), ("AuthCtrlr", "LocalAuthorizeOffline", "true")]
    )
    outcome = await ctx.csms.call("GetVariables", {"getVariableData": [
        _variable("OCPPCommCtrlr", "OfflineThreshold", attributeType="Actual"),
        _variable("AuthCtrlr", "LocalAuthorizeOffline", attributeType="Actual"),
    ]})  # fmt: skip
    for comp, var, value in (
        ("OCPPCommCtrlr", "OfflineThreshold", "300"),
        ("AuthCtrlr", "LocalAuthorizeOffline", "true"),
    ):
        result = _result_for(outcome, "getVariableResult", comp, var)
        require_equal(result.get("attributeStatus"), "Accepted", f"{comp}.{var} attributeStatus")
        require_equal(result.get("attributeType", "Actual"), "Actual", f"{comp}.{var} attributeType")
        require_equal(str(result.get("attributeValue")).lower(), value, f"{comp}.{var} attributeValue")
        _check_no_error(result, f"{comp}.{var}")


@ocpp201_case("TC_B_32_CS", "Get variables - unknown component", BLOCK, ["B06"], ["B06.FR.06"])
async def test_TC_B_32_CS(ctx: CaseContext) -> None:
    """A variable of a component the station does not have is reported as UnknownComponent."""
    outcome = await ctx.csms.call(
        "GetVariables", {"getVariableData": [_variable("UnknownComponent", "OfflineThreshold")]}
    )
    result = _result_for(outcome, "getVariableResult", "UnknownComponent", "OfflineThreshold")
    require_equal(result.get("attributeStatus"), "UnknownComponent", "attributeStatus")


@ocpp201_case("TC_B_33_CS", "Get variables - unknown variable", BLOCK, ["B06"], ["B06.FR.07"])
async def test_TC_B_33_CS(ctx: CaseContext) -> None:
    """An unknown variable of a known component is reported as UnknownVariable."""
    outcome = await ctx.csms.call("GetVariables", {"getVariableData": [_variable("OCPPCommCtrlr", "UnknownVariable")]})
    result = _result_for(outcome, "getVariableResult", "OCPPCommCtrlr", "UnknownVariable")
    require_equal(result.get("attributeStatus"), "UnknownVariable", "attributeStatus")


@ocpp201_case("TC_B_34_CS", "Get variables - attribute type not supported", BLOCK, ["B06"], ["B06.FR.08"])
async def test_TC_B_34_CS(ctx: CaseContext) -> None:
    """Asking for the Target attribute of OfflineThreshold, which has only Actual, is NotSupportedAttributeType."""
    outcome = await ctx.csms.call(
        "GetVariables", {"getVariableData": [_variable("OCPPCommCtrlr", "OfflineThreshold", attributeType="Target")]}
    )
    result = _result_for(outcome, "getVariableResult", "OCPPCommCtrlr", "OfflineThreshold")
    require_equal(result.get("attributeStatus"), "NotSupportedAttributeType", "attributeStatus")
    require_equal(result.get("attributeType"), "Target", "attributeType")


# ---------------------------------------------------------------- B05 set variables


@ocpp201_case(
    "TC_B_09_CS", "Set variables - single value", BLOCK, ["B05"],
    ["B05.FR.01", "B05.FR.02", "B05.FR.03", "B05.FR.10", "B05.FR.12"],
)  # fmt: skip
async def test_TC_B_09_CS(ctx: CaseContext) -> None:
    """Setting OCPPCommCtrlr.OfflineThreshold is Accepted, and the station then reports the new value."""
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [
        _variable("OCPPCommCtrlr", "OfflineThreshold", attributeValue="321", attributeType="Actual"),
    ]})  # fmt: skip
    result = _result_for(outcome, "setVariableResult", "OCPPCommCtrlr", "OfflineThreshold")
    require_equal(result.get("attributeStatus"), "Accepted", "attributeStatus")
    require_equal(result.get("attributeType", "Actual"), "Actual", "attributeType")
    _check_no_error(result, "OfflineThreshold")
    # B05.FR.01 and B06: an Accepted value is the value the station holds from now on.
    check = await ctx.csms.call("GetVariables", {"getVariableData": [_variable("OCPPCommCtrlr", "OfflineThreshold")]})
    require_equal(check.get("getVariableResult.0.attributeValue"), "321", "OfflineThreshold read back after the set")


@ocpp201_case(
    "TC_B_10_CS", "Set variables - multiple values", BLOCK, ["B05"],
    ["B05.FR.01", "B05.FR.02", "B05.FR.03", "B05.FR.10"],
)  # fmt: skip
async def test_TC_B_10_CS(ctx: CaseContext) -> None:
    """One SetVariables for two variables accepts both, in any order."""
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [
        _variable("OCPPCommCtrlr", "OfflineThreshold", attributeValue="300", attributeType="Actual"),
        _variable("AuthCtrlr", "LocalAuthorizeOffline", attributeValue="true", attributeType="Actual"),
    ]})  # fmt: skip
    for comp, var in (("OCPPCommCtrlr", "OfflineThreshold"), ("AuthCtrlr", "LocalAuthorizeOffline")):
        result = _result_for(outcome, "setVariableResult", comp, var)
        require_equal(result.get("attributeStatus"), "Accepted", f"{comp}.{var} attributeStatus")
        require_equal(result.get("attributeType", "Actual"), "Actual", f"{comp}.{var} attributeType")
        _check_no_error(result, f"{comp}.{var}")


@ocpp201_case("TC_B_35_CS", "Set variables - unknown component", BLOCK, ["B05"], ["B05.FR.05"])
async def test_TC_B_35_CS(ctx: CaseContext) -> None:
    """Setting a variable of an unknown component is answered UnknownComponent."""
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [
        _variable("UnknownComponent", "OfflineThreshold", attributeValue="300"),
    ]})  # fmt: skip
    result = _result_for(outcome, "setVariableResult", "UnknownComponent", "OfflineThreshold")
    require_equal(result.get("attributeStatus"), "UnknownComponent", "attributeStatus")


@ocpp201_case("TC_B_36_CS", "Set variables - unknown variable", BLOCK, ["B05"], ["B05.FR.06"])
async def test_TC_B_36_CS(ctx: CaseContext) -> None:
    """Setting an unknown variable of a known component is answered UnknownVariable."""
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [
        _variable("OCPPCommCtrlr", "UnknownVariable", attributeValue="300"),
    ]})  # fmt: skip
    result = _result_for(outcome, "setVariableResult", "OCPPCommCtrlr", "UnknownVariable")
    require_equal(result.get("attributeStatus"), "UnknownVariable", "attributeStatus")


@ocpp201_case("TC_B_39_CS", "Set variables - read-only variable", BLOCK, ["B05"], ["B05.FR.09"])
async def test_TC_B_39_CS(ctx: CaseContext) -> None:
    """Writing the read-only OCPPCommCtrlr.MessageTimeout (instance Default) is Rejected and changes nothing."""
    before = await ctx.csms.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "MessageTimeout", "instance": "Default"}},
    ]})  # fmt: skip
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "MessageTimeout", "instance": "Default"},
         "attributeValue": "77"},
    ]})  # fmt: skip
    result = _result_for(outcome, "setVariableResult", "OCPPCommCtrlr", "MessageTimeout")
    require_equal(result.get("attributeStatus"), "Rejected", "attributeStatus")
    require_equal(result.get("variable", {}).get("instance"), "Default", "variable.instance")
    after = await ctx.csms.call("GetVariables", {"getVariableData": [
        {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "MessageTimeout", "instance": "Default"}},
    ]})  # fmt: skip
    require_equal(
        after.get("getVariableResult.0.attributeValue"), before.get("getVariableResult.0.attributeValue"),
        "MessageTimeout after the rejected write",
    )  # fmt: skip


# ---------------------------------------------------------------- B11, B12 reset


@ocpp201_case(
    "TC_B_20_CS", "Reset - without ongoing transaction - OnIdle", BLOCK, ["B11"],
    ["B11.FR.01", "B11.FR.03", "B11.FR.04", "B01.FR.03"], needs=["reset"],
)  # fmt: skip
async def test_TC_B_20_CS(ctx: CaseContext) -> None:
    """An idle station accepts Reset OnIdle, reboots, boots again and reports its connectors Available."""
    answer = await ctx.csms.call("Reset", {"type": "OnIdle"})
    require_equal(answer.get("status"), "Accepted", "step 2: ResetResponse status")
    await ctx.csms.expect("BootNotification", timeout=ctx.timing.boot_timeout_s, what="after the reset")
    await states.all_connectors_reported(ctx, "Available")


@ocpp201_case(
    "TC_B_21_CS", "Reset - with ongoing transaction - OnIdle", BLOCK, ["B12"], ["B12.FR.01", "B12.FR.03"],
    needs=["reset", "local_authorization"],
)  # fmt: skip
async def test_TC_B_21_CS(ctx: CaseContext) -> None:
    """Reset OnIdle during a transaction is Scheduled; the station reboots once the transaction has ended."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await ctx.csms.call("Reset", {"type": "OnIdle"})
    require_equal(answer.get("status"), "Scheduled", "step 2: ResetResponse status")
    await ctx.csms.expect_none("BootNotification", during=ctx.cfg.transaction_duration_s, what="while charging")
    await states.stop_authorized(ctx, tx)
    boot = await ctx.csms.expect(
        "BootNotification", timeout=ctx.timing.boot_timeout_s, what="after the transaction ended"
    )
    require_equal(boot.get("reason"), "ScheduledReset", "step 7: BootNotification reason")
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Occupied")
    event = await ctx.csms.expect("SecurityEventNotification", what="after the reboot")
    require_in(event.get("type"), ("StartupOfTheDevice", "ResetOrReboot"), "step 11: SecurityEventNotification type")


@ocpp201_case(
    "TC_B_22_CS", "Reset - with ongoing transaction - Immediate", BLOCK, ["B12"],
    ["B12.FR.02", "B12.FR.04", "E07.FR.03", "B01.FR.03"], needs=["reset", "local_authorization"],
)  # fmt: skip
async def test_TC_B_22_CS(ctx: CaseContext) -> None:
    """Reset Immediate during a transaction ends it (ImmediateReset), then the station reboots."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await ctx.csms.call("Reset", {"type": "Immediate"})
    require_equal(answer.get("status"), "Accepted", "step 2: ResetResponse status")
    ended = await ctx.csms.expect("TransactionEvent", tx.is_mine(), what="ending the transaction for the reset")
    require_equal(ended.get("eventType"), "Ended", "step 3: eventType")
    require_equal(ended.get("triggerReason"), "ResetCommand", "step 3: triggerReason")
    require_equal(ended.get("transactionInfo.chargingState"), "EVConnected", "step 3: transactionInfo.chargingState")
    require_equal(ended.get("transactionInfo.stoppedReason"), "ImmediateReset", "step 3: transactionInfo.stoppedReason")
    require(ended.get("idToken") is None, "step 3: the Ended event must not carry an idToken")
    boot = await ctx.csms.expect("BootNotification", timeout=ctx.timing.boot_timeout_s, what="after the reset")
    require_equal(boot.get("reason"), "RemoteReset", "step 5: BootNotification reason")
    await expect_connector(ctx.csms, tx.evse_id, tx.connector_id, "Occupied")
