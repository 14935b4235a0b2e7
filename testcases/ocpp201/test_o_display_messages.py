"""Block O, Display messages: set (O01, O02, O06), report (O03, O04) and clear (O05) the messages a station stores.

What a display actually shows needs a person (those cases are `hardware` in the inventory); these cases judge the
message store through the CSMS requests that manage it.
"""

from __future__ import annotations

from harness.catalogue import ocpp201_case
from harness.checks import require_equal
from harness.ocpp.v201 import states
from harness.ocpp.v201.display_messages import (
    DisplaySupport,
    configured,
    message,
    not_found,
    reported,
    require_exactly,
    set_message,
)
from harness.ocpp.v201.states import CaseContext

BLOCK = "O Display messages"
# Message ids the cases generate; any positive integer would do.
FIRST_ID, SECOND_ID, UNUSED_ID = 5101, 5102, 5199


# ---------------------------------------------------------------- O03 / O04 report


@ocpp201_case(
    "TC_O_02_CS", "Get all display messages", BLOCK, ["O03"],
    ["O03.FR.01", "O03.FR.02", "O03.FR.03", "O03.FR.04", "O03.FR.05"],
)  # fmt: skip
async def test_TC_O_02_CS(ctx: CaseContext) -> None:
    """A request without criteria reports every stored message under its requestId."""
    support = DisplaySupport.of(ctx)
    stored = [message(support, FIRST_ID), message(support, SECOND_ID, priority=support.priorities[-1])]
    await configured(ctx, *stored)
    infos = await reported(ctx, {}, "step 2")
    require_exactly(infos, stored, "step 3")


@ocpp201_case("TC_O_03_CS", "Get all display messages - none configured", BLOCK, ["O03"], ["O03.FR.06"])
async def test_TC_O_03_CS(ctx: CaseContext) -> None:
    """With no message stored, a request without criteria is answered Unknown."""
    await not_found(ctx, {}, "step 2")


@ocpp201_case(
    "TC_O_07_CS", "Get a display message by id", BLOCK, ["O04"],
    ["O04.FR.01", "O04.FR.03", "O04.FR.04", "O04.FR.05", "O04.FR.06"],
)  # fmt: skip
async def test_TC_O_07_CS(ctx: CaseContext) -> None:
    """Asking for one id reports that message only, though another one is stored too."""
    support = DisplaySupport.of(ctx)
    wanted, other = message(support, FIRST_ID), message(support, SECOND_ID)
    await configured(ctx, wanted, other)
    infos = await reported(ctx, {"id": [FIRST_ID]}, "step 2")
    require_exactly(infos, [wanted], "step 3")


@ocpp201_case(
    "TC_O_08_CS", "Get display messages by priority", BLOCK, ["O04"],
    ["O04.FR.01", "O04.FR.03", "O04.FR.04", "O04.FR.05", "O04.FR.06"],
)  # fmt: skip
async def test_TC_O_08_CS(ctx: CaseContext) -> None:
    """Asking for a priority reports the messages of that priority only."""
    support = DisplaySupport.of(ctx)
    wanted = message(support, FIRST_ID, priority=support.priority())
    stored = [wanted]
    if len(support.priorities) > 1:  # a message of another priority shows that the filter is applied
        stored.append(message(support, SECOND_ID, priority=support.priority(1)))
    await configured(ctx, *stored)
    infos = await reported(ctx, {"priority": support.priority()}, "step 2")
    require_exactly(infos, [wanted], "step 3")


@ocpp201_case(
    "TC_O_09_CS", "Get display messages by state", BLOCK, ["O04"],
    ["O04.FR.01", "O04.FR.03", "O04.FR.04", "O04.FR.05", "O04.FR.06"],
)  # fmt: skip
async def test_TC_O_09_CS(ctx: CaseContext) -> None:
    """Asking for a state reports the messages bound to that state only (not one shown in any state)."""
    support = DisplaySupport.of(ctx)
    wanted = message(support, FIRST_ID, state=support.state())
    await configured(ctx, wanted, message(support, SECOND_ID))
    infos = await reported(ctx, {"state": support.state()}, "step 2")
    require_exactly(infos, [wanted], "step 3")


@ocpp201_case("TC_O_11_CS", "Get a display message - unknown id", BLOCK, ["O04"], ["O04.FR.02"])
async def test_TC_O_11_CS(ctx: CaseContext) -> None:
    """Asking for an id the station does not hold is answered Unknown, though another message is stored."""
    support = DisplaySupport.of(ctx)
    await configured(ctx, message(support, FIRST_ID))
    await not_found(ctx, {"id": [UNUSED_ID]}, "step 2")


@ocpp201_case("TC_O_33_CS", "Get a display message by id - none configured", BLOCK, ["O04"], ["O04.FR.07"])
async def test_TC_O_33_CS(ctx: CaseContext) -> None:
    """With no message stored, asking for an id is answered Unknown."""
    await not_found(ctx, {"id": [FIRST_ID]}, "step 2")


@ocpp201_case("TC_O_34_CS", "Get a display message - known id, other state", BLOCK, ["O04"], ["O04.FR.02"])
async def test_TC_O_34_CS(ctx: CaseContext) -> None:
    """Every criterion must match: the stored id asked with another state is Unknown."""
    support = DisplaySupport.of(ctx)
    await configured(ctx, message(support, FIRST_ID, state=support.state()))
    other = next(s for s in ("Charging", "Faulted", "Idle", "Unavailable") if s != support.state())
    await not_found(ctx, {"id": [FIRST_ID], "state": other}, "step 2")


@ocpp201_case("TC_O_35_CS", "Get a display message - known id, other priority", BLOCK, ["O04"], ["O04.FR.02"])
async def test_TC_O_35_CS(ctx: CaseContext) -> None:
    """Every criterion must match: the stored id asked with another supported priority is Unknown."""
    support = DisplaySupport.of(ctx)
    await configured(ctx, message(support, FIRST_ID, priority=support.priority()))
    await not_found(ctx, {"id": [FIRST_ID], "priority": support.priority(1)}, "step 2")


# ---------------------------------------------------------------- O05 clear


@ocpp201_case("TC_O_04_CS", "Clear a display message", BLOCK, ["O05"], ["O05.FR.01"])
async def test_TC_O_04_CS(ctx: CaseContext) -> None:
    """A cleared message is gone: asking for its id afterwards is answered Unknown."""
    support = DisplaySupport.of(ctx)
    await configured(ctx, message(support, FIRST_ID))
    answer = await ctx.csms.call("ClearDisplayMessage", {"id": FIRST_ID})
    require_equal(answer.get("status"), "Accepted", "step 2: ClearDisplayMessageResponse status")
    await not_found(ctx, {"id": [FIRST_ID]}, "step 4")


@ocpp201_case("TC_O_05_CS", "Clear a display message - unknown id", BLOCK, ["O05"], ["O05.FR.02"])
async def test_TC_O_05_CS(ctx: CaseContext) -> None:
    """Clearing an id the station does not hold is answered Unknown."""
    answer = await ctx.csms.call("ClearDisplayMessage", {"id": UNUSED_ID})
    require_equal(answer.get("status"), "Unknown", "step 2: ClearDisplayMessageResponse status")


# ---------------------------------------------------------------- O01 / O02 / O06 set


@ocpp201_case("TC_O_10_CS", "Set a display message - unknown transaction", BLOCK, ["O02"], ["O02.FR.01"])
async def test_TC_O_10_CS(ctx: CaseContext) -> None:
    """A message bound to a transaction the station does not run is refused as UnknownTransaction."""
    support = DisplaySupport.of(ctx)
    info = message(support, FIRST_ID, transaction_id="harness-unknown-tx-5101")
    await set_message(ctx, info, "step 2", expected="UnknownTransaction")


@ocpp201_case("TC_O_12_CS", "Set a display message - replace", BLOCK, ["O06"], ["O06.FR.01"])
async def test_TC_O_12_CS(ctx: CaseContext) -> None:
    """A message sent again with a stored id replaces the stored one as a whole.

    Part 6 only notes that the message is replaced; the harness reads it back to see that it was.
    """
    support = DisplaySupport.of(ctx)
    await configured(ctx, message(support, FIRST_ID, content="first version"))
    replacement = message(support, FIRST_ID, priority=support.priorities[-1], content="replacement")
    await set_message(ctx, replacement, "step 2")
    infos = await reported(ctx, {"id": [FIRST_ID]}, "read back")
    require_exactly(infos, [replacement], "read back")


@ocpp201_case(
    "TC_O_17_CS", "Set a display message - priority not supported", BLOCK, ["O01", "O02"],
    ["O01.FR.01", "O02.FR.03"],
)  # fmt: skip
async def test_TC_O_17_CS(ctx: CaseContext) -> None:
    """A priority the station does not support is refused as NotSupportedPriority."""
    support = DisplaySupport.of(ctx)
    info = message(support, FIRST_ID, priority=support.unsupported_priority())
    await set_message(ctx, info, "step 2", expected="NotSupportedPriority")


@ocpp201_case(
    "TC_O_18_CS", "Set a display message - state not supported", BLOCK, ["O01", "O02"], ["O01.FR.02", "O02.FR.04"]
)
async def test_TC_O_18_CS(ctx: CaseContext) -> None:
    """A message state the station does not support is refused as NotSupportedState."""
    support = DisplaySupport.of(ctx)
    info = message(support, FIRST_ID, state=support.unsupported_state())
    await set_message(ctx, info, "step 2", expected="NotSupportedState")


@ocpp201_case(
    "TC_O_19_CS", "Set a display message - format not supported", BLOCK, ["O01", "O02"],
    ["O01.FR.03", "O02.FR.05"],
)  # fmt: skip
async def test_TC_O_19_CS(ctx: CaseContext) -> None:
    """A message in a format the station does not support is refused as NotSupportedMessageFormat."""
    support = DisplaySupport.of(ctx)
    info = message(support, FIRST_ID, format=support.unsupported_format())
    await set_message(ctx, info, "step 2", expected="NotSupportedMessageFormat")


@ocpp201_case("TC_O_20_CS", "Set a display message - kept over a reboot", BLOCK, ["O01"], ["O01.FR.10"])
async def test_TC_O_20_CS(ctx: CaseContext) -> None:
    """A stored message is still reported, as it was set, after the station rebooted."""
    support = DisplaySupport.of(ctx)
    info = message(support, FIRST_ID)
    await set_message(ctx, info, "step 2")
    await states.booted(ctx)
    infos = await reported(ctx, {"id": [FIRST_ID]}, "step 5")
    require_exactly(infos, [info], "step 6")
