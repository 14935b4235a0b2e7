"""Display-message steps (O01-O06) shared by the block O cases: what the station supports, set, report, clear.

What the official tool takes from its configuration (priorities, formats, states) comes from the DUT profile: the
priorities and formats from the Part 5 features the station declares (UI-1.x, UI-2.x), the states from
`test_configuration.display_message_states`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from harness.checks import require, require_equal
from harness.ocpp.v201.states import CaseContext
from harness.verdict import LabError

PRIORITIES = {"UI-1.1": "AlwaysFront", "UI-1.2": "InFront", "UI-1.3": "NormalCycle"}
FORMATS = {"UI-2.1": "ASCII", "UI-2.2": "HTML", "UI-2.3": "URI", "UI-2.4": "UTF8"}
STATES = ("Charging", "Faulted", "Idle", "Unavailable")
# Content the station can tell apart per format; for an unsupported format it is what the CSMS would really send.
SAMPLE_CONTENT = {
    "ASCII": "Welcome - harness message",
    "UTF8": "Willkommen - Nachricht",
    "HTML": "<p>Welcome</p>",
    "URI": "https://example.org/welcome",
}

_request_ids = itertools.count(7100)


@dataclass(frozen=True)
class DisplaySupport:
    """What the DUT declares it can show; each list keeps the order of the enumeration in the specification."""

    priorities: list[str]
    formats: list[str]
    states: list[str]

    @classmethod
    def of(cls, ctx: CaseContext) -> DisplaySupport:
        features = set(ctx.profile.certification.features)
        priorities = [name for feature, name in PRIORITIES.items() if feature in features]
        formats = [name for feature, name in FORMATS.items() if feature in features]
        if not priorities or not formats:
            raise LabError(
                "the DUT profile claims advanced_user_interface but declares no message priority (UI-1.x) "
                "or no message format (UI-2.x) among certification.features"
            )
        return cls(priorities, formats, list(ctx.cfg.display_message_states))

    def priority(self, index: int = 0) -> str:
        """The configured priority (index 0) or another supported one (index 1)."""
        if index >= len(self.priorities):
            raise LabError(f"the case needs {index + 1} supported message priorities; the DUT declares one")
        return self.priorities[index]

    def state(self, index: int = 0) -> str:
        if index >= len(self.states):
            raise LabError(f"the case needs {index + 1} supported message states; the DUT profile lists one")
        return self.states[index]

    def unsupported_priority(self) -> str:
        return _first_missing(list(PRIORITIES.values()), self.priorities, "message priority (UI-1.x)")

    def unsupported_state(self) -> str:
        return _first_missing(list(STATES), self.states, "message state (test_configuration.display_message_states)")

    def unsupported_format(self) -> str:
        return _first_missing(list(FORMATS.values()), self.formats, "message format (UI-2.x)")


def _first_missing(every: list[str], supported: list[str], what: str) -> str:
    for name in every:
        if name not in supported:
            return name
    raise LabError(f"the case needs an unsupported {what}, but the DUT profile declares them all")


def message(
    support: DisplaySupport,
    message_id: int,
    *,
    priority: str | None = None,
    state: str | None = None,
    format: str | None = None,
    content: str | None = None,
    transaction_id: str | None = None,
) -> dict[str, Any]:
    """A MessageInfoType with the configured priority and format unless told otherwise."""
    chosen = format or support.formats[0]
    info: dict[str, Any] = {
        "id": message_id,
        "priority": priority or support.priority(),
        "message": {"format": chosen, "content": content or f"{SAMPLE_CONTENT[chosen]} {message_id}"},
    }
    if state is not None:
        info["state"] = state
    if transaction_id is not None:
        info["transactionId"] = transaction_id
    return info


async def set_message(ctx: CaseContext, info: dict[str, Any], step: str, expected: str = "Accepted") -> None:
    """SetDisplayMessage and the status the step requires."""
    answer = await ctx.csms.call("SetDisplayMessage", {"message": info})
    require_equal(answer.get("status"), expected, f"{step}: SetDisplayMessageResponse status")


async def configured(ctx: CaseContext, *infos: dict[str, Any]) -> None:
    """Memory state: the messages are stored on the station."""
    for info in infos:
        await set_message(ctx, info, f"memory state (message {info['id']})")


async def reported(ctx: CaseContext, criteria: dict[str, Any], step: str) -> list[dict[str, Any]]:
    """GetDisplayMessages Accepted, then every NotifyDisplayMessages part of that requestId (tbc chain)."""
    request_id = next(_request_ids)
    answer = await ctx.csms.call("GetDisplayMessages", {"requestId": request_id, **criteria})
    require_equal(answer.get("status"), "Accepted", f"{step}: GetDisplayMessagesResponse status")
    infos: list[dict[str, Any]] = []
    while True:
        part = await ctx.csms.expect(
            "NotifyDisplayMessages", lambda r: r.get("requestId") == request_id, what=f"for requestId {request_id}"
        )
        infos.extend(part.get("messageInfo", []) or [])
        if not part.get("tbc", False):
            return infos


async def not_found(ctx: CaseContext, criteria: dict[str, Any], step: str) -> None:
    """GetDisplayMessages for what the station does not hold: Unknown (O03.FR.06, O04.FR.02, O04.FR.07)."""
    answer = await ctx.csms.call("GetDisplayMessages", {"requestId": next(_request_ids), **criteria})
    require_equal(answer.get("status"), "Unknown", f"{step}: GetDisplayMessagesResponse status")


def require_exactly(infos: list[dict[str, Any]], expected: list[dict[str, Any]], step: str) -> None:
    """Post-scenario validation: the report holds every expected message, as configured, and nothing else."""
    ids = sorted(int(info.get("id", -1)) for info in infos)
    wanted = sorted(int(info["id"]) for info in expected)
    require(ids == wanted, f"{step}: NotifyDisplayMessages reported message ids {ids}, expected {wanted}")
    by_id = {int(info["id"]): info for info in infos}
    for sent in expected:
        got = by_id[int(sent["id"])]
        for field in ("priority", "state", "transactionId"):
            require_equal(got.get(field), sent.get(field), f"{step}: message {sent['id']} {field}")
        for field in ("format", "content"):
            require_equal(
                got.get("message", {}).get(field), sent["message"][field], f"{step}: message {sent['id']} {field}"
            )
