"""Block B, Provisioning, continued: value formats (B05), base reports (B07), a Rejected station (B03) and resets
that keep the connector state or that name an EVSE (B11, B12)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from harness.catalogue import ocpp201_case
from harness.checks import require, require_equal
from harness.ocpp.messages import Predicate, Received
from harness.ocpp.v201 import reports, states
from harness.ocpp.v201.answers import boot_answers
from harness.ocpp.v201.reservation_steps import reservation_configuration, reserved
from harness.ocpp.v201.states import CaseContext
from harness.ocpp.v201.steps import connector_report, expect_connector

BLOCK = "B Provisioning"
CONNECTOR_STATUSES = ("Available", "Occupied", "Reserved", "Unavailable", "Faulted")
OFFLINE_THRESHOLD = "300"  # the configured offlineThreshold, as in TC_B_06_CS

# TC_B_11_CS: the variables it writes, with the data type the Part 2 appendix gives each.
FORMAT_TARGETS = (
    ("OCPPCommCtrlr", "OfflineThreshold", "integer"),
    ("SmartChargingCtrlr", "LimitChangeSignificance", "decimal"),
    ("AuthCtrlr", "AuthorizeRemoteStart", "boolean"),
    ("ClockCtrlr", "NextTimeOffsetTransitionDateTime", "dateTime"),
)


def _variable(comp: str, var: str, **extra: Any) -> dict[str, Any]:
    return {"component": {"name": comp}, "variable": {"name": var}, **extra}


def _format_values() -> list[tuple[str, str]]:
    """The five values of TC_B_11_CS, each with the one data type it is well formed for."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        (OFFLINE_THRESHOLD, "integer"),
        (f"{OFFLINE_THRESHOLD}.1", "decimal"),
        ("true", "boolean"),
        (now, "dateTime"),
        ("abc", "string"),
    ]


def _well_formed(value_type: str, data_type: str) -> bool:
    # An integer is also a well-formed decimal; nothing else is well formed for another type.
    return value_type == data_type or (value_type, data_type) == ("integer", "decimal")


def _any_state(evse_id: int, connector_id: int) -> Predicate:
    matchers = [connector_report(evse_id, connector_id, status) for status in CONNECTOR_STATUSES]
    return lambda received: any(match(received) for match in matchers)


async def _supported(ctx: CaseContext, comp: str, var: str) -> bool:
    outcome = await ctx.csms.call("GetVariables", {"getVariableData": [_variable(comp, var)]})
    return bool(outcome.get("getVariableResult.0.attributeStatus") == "Accepted")


# ---------------------------------------------------------------- B05 set variables


@ocpp201_case("TC_B_11_CS", "Set variables - invalidly formatted values", BLOCK, ["B05"], ["B05.FR.07"])
async def test_TC_B_11_CS(ctx: CaseContext) -> None:
    """Each of five values is written to four variables of different types; ill-formed ones must be Rejected.

    Part 6 allows Accepted or Rejected at each step; B05.FR.07 decides it: a value that does not fit the
    variable's data type is Rejected, a well-formed one may still be Rejected (range, mutability).
    """
    targets = [t for t in FORMAT_TARGETS if t[0] == "OCPPCommCtrlr" or await _supported(ctx, t[0], t[1])]
    for value, value_type in _format_values():
        for comp, var, data_type in targets:
            outcome = await ctx.csms.call(
                "SetVariables", {"setVariableData": [_variable(comp, var, attributeValue=value)]}
            )
            result = outcome.get("setVariableResult.0") or {}
            what = f"{comp}.{var} = {value!r}"
            require_equal(result.get("component", {}).get("name"), comp, f"{what}: component.name")
            require_equal(result.get("variable", {}).get("name"), var, f"{what}: variable.name")
            require_equal(result.get("attributeType", "Actual"), "Actual", f"{what}: attributeType")
            status = result.get("attributeStatus")
            if _well_formed(value_type, data_type):
                require(status in ("Accepted", "Rejected"), f"{what}: attributeStatus is {status!r}")
                continue
            require_equal(status, "Rejected", f"{what} ({data_type}): attributeStatus")
            reason = (result.get("attributeStatusInfo") or {}).get("reasonCode")
            if reason is not None:
                require_equal(str(reason).lower(), "invalidvalue", f"{what}: attributeStatusInfo.reasonCode")


@ocpp201_case("TC_B_37_CS", "Set variables - attribute type not supported", BLOCK, ["B05"], ["B05.FR.06"])
async def test_TC_B_37_CS(ctx: CaseContext) -> None:
    """Setting the Target attribute of OfflineThreshold, which has only Actual, is NotSupportedAttributeType."""
    outcome = await ctx.csms.call("SetVariables", {"setVariableData": [
        _variable("OCPPCommCtrlr", "OfflineThreshold", attributeValue=OFFLINE_THRESHOLD, attributeType="Target"),
    ]})  # fmt: skip
    result = outcome.get("setVariableResult.0") or {}
    require_equal(result.get("attributeStatus"), "NotSupportedAttributeType", "step 2: attributeStatus")
    require_equal(result.get("component", {}).get("name"), "OCPPCommCtrlr", "step 2: component.name")
    require_equal(result.get("variable", {}).get("name"), "OfflineThreshold", "step 2: variable.name")
    require_equal(result.get("attributeType"), "Target", "step 2: attributeType")


# ---------------------------------------------------------------- B07 base reports


@ocpp201_case(
    "TC_B_12_CS", "Get base report - ConfigurationInventory", BLOCK, ["B07"],
    ["B07.FR.01", "B07.FR.03", "B07.FR.04", "B07.FR.07", "B07.FR.10", "B07.FR.12"], needs=["base_report"],
)  # fmt: skip
async def test_TC_B_12_CS(ctx: CaseContext) -> None:
    """The configuration inventory lists writable variables only, with their characteristics, and at least every
    required variable the station lets the CSMS write (read from its full inventory afterwards)."""
    entries = await reports.base_report(ctx, "ConfigurationInventory", "step 2")
    reports.check_characteristics(entries, "step 3")
    for entry in entries:
        for attribute in entry.get("variableAttribute", []):
            require(
                attribute.get("mutability", "ReadWrite") in reports.WRITABLE,
                f"post: {reports.label(reports.key_of(entry))} is reported {attribute.get('mutability')}",
            )
    full = await reports.base_report(ctx, "FullInventory", "post (full inventory)")
    wanted = reports.required_for(ctx.profile.certification.profiles) & reports.writable(full)
    reports.check_required(entries, wanted, "post")


@ocpp201_case(
    "TC_B_13_CS", "Get base report - FullInventory", BLOCK, ["B07"],
    ["B07.FR.01", "B07.FR.03", "B07.FR.04", "B07.FR.08", "B07.FR.10", "B07.FR.12"], needs=["base_report"],
)  # fmt: skip
async def test_TC_B_13_CS(ctx: CaseContext) -> None:
    """The full inventory describes every variable and holds the required ones of the claimed profiles."""
    entries = await reports.base_report(ctx, "FullInventory", "step 2")
    reports.check_characteristics(entries, "step 3")
    reports.check_required(entries, reports.required_for(ctx.profile.certification.profiles), "post")


@ocpp201_case("TC_B_53_CS", "Get base report - mandatory variables", BLOCK, ["B07"], ["B07.FR.08"],
              needs=["base_report"])  # fmt: skip
async def test_TC_B_53_CS(ctx: CaseContext) -> None:
    """The full inventory holds every required variable; list values stay inside their valuesList and a
    WriteOnly variable shows no value."""
    entries = await reports.base_report(ctx, "FullInventory", "step 2")
    reports.check_required(entries, reports.required_for(ctx.profile.certification.profiles), "post")
    reports.check_characteristics(entries, "post")
    reports.check_list_values(entries, "post")


# ---------------------------------------------------------------- B03 Rejected


@ocpp201_case("TC_B_30_CS", "Cold boot - Rejected - SecurityError", BLOCK, ["B03"], ["B03.FR.08"])
async def test_TC_B_30_CS(ctx: CaseContext) -> None:
    """A station the CSMS rejected answers a CSMS request with CALLERROR SecurityError (when still connected)."""
    answers = boot_answers("Rejected", "Accepted", interval=ctx.cfg.boot_retry_interval_s)
    rejected = asyncio.Event()

    def reject(received: Received) -> dict[str, Any]:
        rejected.set()
        return answers(received)

    ctx.csms.respond("BootNotification", reject)
    await ctx.dut.power_cycle()
    await ctx.csms.expect("BootNotification", timeout=ctx.timing.boot_timeout_s, what="after the reboot")
    await asyncio.wait_for(rejected.wait(), ctx.timing.message_timeout_s)
    # The OCTT's request follows its Rejected answer; leave the station the moment a CSMS's next request takes.
    await asyncio.sleep(ctx.timing.manual_action_pause_s)
    if not ctx.csms.connected:
        return  # Part 6: the request is only sent to a station that stays connected
    outcome = await ctx.csms.call("GetBaseReport", {"requestId": 7399, "reportBase": "FullInventory"}, allow_error=True)
    require_equal(outcome.error_code, "SecurityError", "step 4: answer to GetBaseReportRequest while Rejected")


# ---------------------------------------------------------------- B11 / B12 reset


@ocpp201_case(
    "TC_B_23_CS", "Reset - Unavailable persists", BLOCK, ["B11"],
    ["B11.FR.01", "B11.FR.02", "B11.FR.03", "B11.FR.04", "B01.FR.03"], needs=["reset", "availability"],
)  # fmt: skip
async def test_TC_B_23_CS(ctx: CaseContext) -> None:
    """A connector made Inoperative is reported Unavailable again after an OnIdle reset."""
    evse_id, connector_id = ctx.cfg.evse_id, ctx.cfg.connector_id
    change = await ctx.csms.call(
        "ChangeAvailability",
        {"operationalStatus": "Inoperative", "evse": {"id": evse_id, "connectorId": connector_id}},
    )
    require_equal(change.get("status"), "Accepted", "memory state: ChangeAvailabilityResponse status")
    await expect_connector(ctx.csms, evse_id, connector_id, "Unavailable")
    answer = await ctx.csms.call("Reset", {"type": "OnIdle"})
    require_equal(answer.get("status"), "Accepted", "step 2: ResetResponse status")
    await ctx.csms.expect("BootNotification", timeout=ctx.timing.boot_timeout_s, what="after the reset")
    await _connectors_after_boot(ctx, "Unavailable")


@ocpp201_case(
    "TC_B_24_CS", "Reset - Reserved persists", BLOCK, ["B11"],
    ["B11.FR.01", "B11.FR.03", "B11.FR.04", "B11.FR.05", "B01.FR.03"], needs=["reset", "reservation"],
)  # fmt: skip
async def test_TC_B_24_CS(ctx: CaseContext) -> None:
    """A reserved EVSE is reported Reserved again after an OnIdle reset."""
    await reservation_configuration(ctx)
    await reserved(ctx)
    answer = await ctx.csms.call("Reset", {"type": "OnIdle"})
    require_equal(answer.get("status"), "Accepted", "step 2: ResetResponse status")
    boot = await ctx.csms.expect("BootNotification", timeout=ctx.timing.boot_timeout_s, what="after the reset")
    require_equal(boot.get("reason"), "RemoteReset", "step 3: BootNotification reason")
    await _connectors_after_boot(ctx, "Reserved")


async def _connectors_after_boot(ctx: CaseContext, configured_state: str) -> None:
    """Step 5: every connector reported; the first report after the boot decides (a station that forgot the
    configured connector's state shows it at once)."""
    for evse, connector in ctx.connectors():
        mine = (evse, connector) == (ctx.cfg.evse_id, ctx.cfg.connector_id)
        expected = configured_state if mine else "Available"
        report = await ctx.csms.expect(
            ("StatusNotification", "NotifyEvent"), _any_state(evse, connector),
            what=f"reporting connector {evse}/{connector} after the boot",
        )  # fmt: skip
        reported = next(s for s in CONNECTOR_STATUSES if connector_report(evse, connector, s)(report))
        require_equal(reported, expected, f"step 5: state of connector {evse}/{connector} after the reset")


@ocpp201_case(
    "TC_B_28_CS", "Reset EVSE - not supported", BLOCK, ["B11", "B12"],
    ["B11.FR.01", "B11.FR.09", "B12.FR.01", "B12.FR.09"], needs=["reset"],
)  # fmt: skip
async def test_TC_B_28_CS(ctx: CaseContext) -> None:
    """A station that cannot reset a single EVSE rejects a Reset naming one."""
    answer = await ctx.csms.call("Reset", {"type": "OnIdle", "evseId": ctx.cfg.evse_id})
    require_equal(answer.get("status"), "Rejected", "step 2: ResetResponse status")


@ocpp201_case(
    "TC_B_29_CS", "Reset EVSE - transaction ongoing, not supported", BLOCK, ["B11"], ["B12.FR.01", "B12.FR.09"],
    needs=["reset", "local_authorization"],
)  # fmt: skip
async def test_TC_B_29_CS(ctx: CaseContext) -> None:
    """While charging, a Reset naming the EVSE is rejected by a station that cannot reset one EVSE."""
    tx = ctx.new_transaction()
    await states.energy_transfer_started(ctx, tx)
    answer = await ctx.csms.call("Reset", {"type": "OnIdle", "evseId": tx.evse_id})
    require_equal(answer.get("status"), "Rejected", "step 2: ResetResponse status")
