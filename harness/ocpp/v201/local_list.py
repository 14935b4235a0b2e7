"""Steps for the Local Authorization List (D01, D02) and the memory state IdTokenLocalAuthList of Part 6."""

from __future__ import annotations

from typing import Any

from harness.checks import require_equal
from harness.config import IdTokenSpec
from harness.ocpp.channel import StationChannel
from harness.ocpp.v201.steps import configure
from harness.verdict import Inconclusive

# The "Configured versionNumber" of the official tool; above 1 so that TC_D_06_CS can send an older one.
LIST_VERSION = 5

Entry = tuple[IdTokenSpec, str | None]  # an idToken and its status in the list; None removes it (Differential)


def entries(items: list[Entry], group: IdTokenSpec | None = None) -> list[dict[str, Any]]:
    """AuthorizationData elements: an idToken with its idTokenInfo (and GroupId), or without one to remove it."""
    data: list[dict[str, Any]] = []
    for token, status in items:
        element: dict[str, Any] = {"idToken": token.as_ocpp()}
        if status is not None:
            element["idTokenInfo"] = {"status": status}
            if group is not None:
                element["idTokenInfo"]["groupIdToken"] = group.as_ocpp()
        data.append(element)
    return data


async def send_local_list(
    csms: StationChannel, update_type: str, version: int, items: list[Entry], expected: str, step: str
) -> None:
    """SendLocalListRequest; the response status must be `expected`."""
    payload: dict[str, Any] = {"versionNumber": version, "updateType": update_type}
    if items:
        payload["localAuthorizationList"] = entries(items)
    answer = await csms.call("SendLocalList", payload)
    require_equal(answer.get("status"), expected, f"{step}: SendLocalListResponse status")


async def require_list_version(csms: StationChannel, expected: int, step: str) -> None:
    """GetLocalListVersion must report `expected`."""
    answer = await csms.call("GetLocalListVersion", {})
    require_equal(answer.get("versionNumber"), expected, f"{step}: GetLocalListVersionResponse versionNumber")


async def local_list_enabled(csms: StationChannel, *, pre_authorize: bool | None = None) -> None:
    """Configuration state: LocalAuthListCtrlr.Enabled true (and AuthCtrlr.LocalPreAuthorize when given)."""
    settings = [("LocalAuthListCtrlr", "Enabled", "true")]
    if pre_authorize is not None:
        settings.append(("AuthCtrlr", "LocalPreAuthorize", "true" if pre_authorize else "false"))
    await configure(csms, settings)


async def token_in_local_list(
    csms: StationChannel, items: list[Entry], version: int = LIST_VERSION, group: IdTokenSpec | None = None
) -> None:
    """Memory state IdTokenLocalAuthList: a Full list holding the given idTokens; a refusal leaves it unreached."""
    payload = {"versionNumber": version, "updateType": "Full", "localAuthorizationList": entries(items, group)}
    answer = await csms.call("SendLocalList", payload)
    if answer.get("status") != "Accepted":
        raise Inconclusive(f"memory state IdTokenLocalAuthList not reached: SendLocalList {answer.get('status')}")
