"""Manual actions on the device under test: through the virtual lab's control API, or by asking an operator.

Test cases call `dut.plug_in()` and never know which one they got; each action goes to the evidence.
"""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Protocol

from harness.config import IdTokenSpec
from harness.evidence import Evidence
from harness.verdict import LabError

CONTROL_TIMEOUT_S = 10.0

# Provisioning a case may change and the harness does not undo over OCPP (B09.FR.04 forbids lowering the security
# profile; a station that dropped the lab's CSMS root or uses a per-run root, endpoint or password would not reach
# the lab's CSMS after the run): the next baseline has it restored outside OCPP. Each reads as what to restore.
SECURITY_PROFILE_RAISED = "its factory network configuration (the DUT profile's security profile and CSMS URL)"
CSMS_ROOTS_CHANGED = "its CSMS root certificates (only the lab's CSMS root)"
BASIC_AUTH_PASSWORD_CHANGED = "the DUT profile's HTTP Basic password (SecurityCtrlr.BasicAuthPassword)"
NETWORK_PROFILE_CHANGED = "its factory network connection profiles (NetworkConfigurationPriority)"
STATION_CERTIFICATE_REMOVED = "its ChargingStationCertificate (the one it had before the case, if any)"


class DutActions(Protocol):
    async def plug_in(self, evse_id: int = 1, connector_id: int = 1) -> None: ...
    async def plug_in_unlocked(self, evse_id: int = 1, connector_id: int = 1) -> None:
        """Plug in a cable not fully inserted, so that the socket's retention lock cannot engage (G05)."""
        ...

    async def unplug(self, evse_id: int = 1, connector_id: int = 1) -> None: ...
    async def present_id_token(self, token: IdTokenSpec, evse_id: int = 1) -> None: ...
    async def ev_suspend(self, evse_id: int = 1) -> None: ...
    async def ev_resume(self, evse_id: int = 1) -> None: ...
    async def ev_not_ready(self, evse_id: int = 1) -> None: ...
    async def ev_side_unplug(self, evse_id: int = 1) -> None: ...
    async def ev_side_plug_in(self, evse_id: int = 1) -> None: ...
    async def ev_enters_bay(self, evse_id: int = 1) -> None: ...
    async def ev_leaves_bay(self, evse_id: int = 1) -> None: ...
    async def power_cycle(self) -> None: ...
    async def master_pass_choice(self, evse_id: int | None) -> None:
        """On the menu a master pass opened (C16.FR.01): stop every transaction (None) or the one on `evse_id`."""
        ...

    async def external_limit(self, limit: float, unit: str, evse_id: int = 0) -> None:
        """An external system (EMS, grid operator signal) limits `evse_id` (0: the station) to `limit` A or W."""
        ...

    async def release_external_limit(self, evse_id: int = 0) -> None: ...
    async def store_customer_identifier(self, identifier: str) -> None: ...
    async def customer_data_available(self, available: bool) -> None: ...
    async def erase_log(self, log_type: str) -> None: ...
    async def hardware_fault(self, active: bool) -> None: ...
    async def remove_station_certificate(self) -> None: ...
    async def restore_baseline(self, changes: tuple[str, ...] = ()) -> bool:
        """Bring the DUT to idle; True when that rebooted it (so a BootNotification follows). `changes`: what the
        last case changed in the provisioning that no OCPP message can undo (the constants below)."""
        ...


class VirtualDut:
    """Drives the virtual station's control API (HTTP + JSON on the loopback interface)."""

    def __init__(self, host: str, port: int, evidence: Evidence, pause_s: float) -> None:
        self.host, self.port, self.evidence, self.pause_s = host, port, evidence, pause_s

    async def plug_in(self, evse_id: int = 1, connector_id: int = 1) -> None:
        await self._act(
            f"plug in the EV on EVSE {evse_id}", "/plug", {"evse_id": evse_id, "connector_id": connector_id}
        )

    async def plug_in_unlocked(self, evse_id: int = 1, connector_id: int = 1) -> None:
        await self._act(
            f"plug the EV into EVSE {evse_id} without the cable locking", "/plug/unlocked",
            {"evse_id": evse_id, "connector_id": connector_id},
        )  # fmt: skip

    async def unplug(self, evse_id: int = 1, connector_id: int = 1) -> None:
        await self._act(
            f"unplug the EV from EVSE {evse_id}", "/unplug", {"evse_id": evse_id, "connector_id": connector_id}
        )

    async def present_id_token(self, token: IdTokenSpec, evse_id: int = 1) -> None:
        body = {"evse_id": evse_id, "id_token": token.id_token, "type": token.type}
        await self._act(f"present idToken {token.id_token} ({token.type}) at EVSE {evse_id}", "/present-id-token", body)

    async def ev_suspend(self, evse_id: int = 1) -> None:
        await self._act(f"the EV on EVSE {evse_id} suspends charging", "/ev/suspend", {"evse_id": evse_id})

    async def ev_resume(self, evse_id: int = 1) -> None:
        await self._act(f"the EV on EVSE {evse_id} resumes charging", "/ev/resume", {"evse_id": evse_id})

    async def ev_not_ready(self, evse_id: int = 1) -> None:
        await self._act(
            f"the EV for EVSE {evse_id} is not ready for energy transfer", "/ev/not-ready", {"evse_id": evse_id}
        )

    async def ev_side_unplug(self, evse_id: int = 1) -> None:
        await self._act(
            f"pull the cable of EVSE {evse_id} out of the EV, leaving it at the station", "/ev/unplug",
            {"evse_id": evse_id},
        )  # fmt: skip

    async def ev_side_plug_in(self, evse_id: int = 1) -> None:
        await self._act(f"plug the cable of EVSE {evse_id} back into the EV", "/ev/plug", {"evse_id": evse_id})

    async def ev_enters_bay(self, evse_id: int = 1) -> None:
        await self._act(f"drive the EV into the parking bay of EVSE {evse_id}", "/bay/enter", {"evse_id": evse_id})

    async def ev_leaves_bay(self, evse_id: int = 1) -> None:
        await self._act(f"drive the EV out of the parking bay of EVSE {evse_id}", "/bay/leave", {"evse_id": evse_id})

    async def power_cycle(self) -> None:
        await self._act("power cycle the charging station", "/power-cycle", {})

    async def master_pass_choice(self, evse_id: int | None) -> None:
        what = "every transaction" if evse_id is None else f"the transaction on EVSE {evse_id}"
        body = {} if evse_id is None else {"evse_id": evse_id}
        await self._act(f"on the station's master pass menu, choose to stop {what}", "/ui/master-pass", body)

    async def external_limit(self, limit: float, unit: str, evse_id: int = 0) -> None:
        where = "the station" if evse_id == 0 else f"EVSE {evse_id}"
        await self._act(
            f"the energy management system limits {where} to {limit:g} {unit}", "/external-limit",
            {"evse_id": evse_id, "limit": limit, "unit": unit},
        )  # fmt: skip

    async def release_external_limit(self, evse_id: int = 0) -> None:
        where = "the station" if evse_id == 0 else f"EVSE {evse_id}"
        await self._act(
            f"the energy management system lifts its limit on {where}", "/external-limit/release",
            {"evse_id": evse_id},
        )  # fmt: skip

    async def store_customer_identifier(self, identifier: str) -> None:
        await self._act(
            f"store customer data under customerIdentifier {identifier} at the station", "/customer-identifier",
            {"customer_identifier": identifier},
        )  # fmt: skip

    async def customer_data_available(self, available: bool) -> None:
        what = "make the customer data store readable again" if available else "make the customer data unreadable"
        await self._act(what, "/customer-data", {"available": available})

    async def erase_log(self, log_type: str) -> None:
        await self._act(f"erase the station's {log_type}", "/logs/erase", {"log_type": log_type})

    async def hardware_fault(self, active: bool) -> None:
        what = "cause a hardware fault (ChargingStation.Problem)" if active else "repair the hardware fault"
        await self._act(what, "/hardware-fault", {"active": active})

    async def remove_station_certificate(self) -> None:
        await self._act("remove the station's ChargingStationCertificate", "/station-certificate/remove", {})

    async def restore_baseline(self, changes: tuple[str, ...] = ()) -> bool:
        # The factory reset of the virtual station also brings back its whole factory provisioning.
        extra = "".join(f", {change}" for change in changes)
        await self._act(
            f"restore the station to its factory baseline (idle, unplugged, operative{extra})",
            "/factory-reset",
            {},
            pause=False,
        )
        return True

    async def state(self) -> dict[str, Any]:
        return await self.request("GET", "/state", None)

    async def _act(self, description: str, path: str, body: dict[str, Any], *, pause: bool = True) -> None:
        # Without a pause the plug would race the station's handling of the previous step, which no driver can do.
        # The factory reset starts a case: it discards whatever the station was doing, so there is nothing to race.
        if pause:
            await asyncio.sleep(self.pause_s)
        self.evidence.action(f"Manual action (virtual lab): {description}")
        await self.request("POST", path, body)

    async def request(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        try:
            return await asyncio.wait_for(self._exchange(method, path, body), CONTROL_TIMEOUT_S)
        except TimeoutError:
            raise LabError(f"the virtual station's control API did not answer {method} {path}") from None
        except OSError as exc:
            raise LabError(f"the virtual station's control API is unreachable: {exc.strerror or exc}") from None

    async def _exchange(self, method: str, path: str, body: dict[str, Any] | None) -> dict[str, Any]:
        reader, writer = await asyncio.open_connection(self.host, self.port)
        try:
            data = json.dumps(body).encode() if body is not None else b""
            head = (
                f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + data)
            await writer.drain()
            raw = await reader.read(1 << 20)
        finally:
            writer.close()
        head_text, _, payload = raw.partition(b"\r\n\r\n")
        status_line = head_text.split(b"\r\n", 1)[0].decode("latin-1")
        parts = status_line.split(" ", 2)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        try:
            answer = json.loads(payload or b"{}")
        except json.JSONDecodeError:
            answer = {"error": payload[:200].decode("utf-8", "replace")}
        if status != 200:
            raise LabError(f"the virtual station refused {method} {path}: {answer.get('error', status_line)}")
        return answer if isinstance(answer, dict) else {"value": answer}


class OperatorDut:
    """A real lab without an EV emulator driver: each manual action is a prompt the operator confirms."""

    def __init__(self, evidence: Evidence, timeout_s: float) -> None:
        self.evidence, self.timeout_s = evidence, timeout_s

    async def plug_in(self, evse_id: int = 1, connector_id: int = 1) -> None:
        await self._ask(f"Plug the EV into EVSE {evse_id}, connector {connector_id}")

    async def plug_in_unlocked(self, evse_id: int = 1, connector_id: int = 1) -> None:
        await self._ask(
            f"Plug the EV into EVSE {evse_id}, connector {connector_id}, but leave the plug short of fully inserted "
            "(or hold the retention lock back) so that the connector lock cannot engage; leave it so until the case "
            "ends"
        )

    async def unplug(self, evse_id: int = 1, connector_id: int = 1) -> None:
        await self._ask(f"Unplug the EV from EVSE {evse_id}, connector {connector_id}")

    async def present_id_token(self, token: IdTokenSpec, evse_id: int = 1) -> None:
        await self._ask(f"Present idToken {token.id_token} ({token.type}) at EVSE {evse_id}")

    async def ev_suspend(self, evse_id: int = 1) -> None:
        await self._ask(f"Make the EV on EVSE {evse_id} suspend charging")

    async def ev_not_ready(self, evse_id: int = 1) -> None:
        await self._ask(
            f"Set the EV that will be plugged into EVSE {evse_id} to NOT ready for energy transfer "
            "(it must not ask for energy once connected)"
        )

    async def ev_resume(self, evse_id: int = 1) -> None:
        await self._ask(f"Make the EV on EVSE {evse_id} resume charging")

    async def ev_side_unplug(self, evse_id: int = 1) -> None:
        await self._ask(
            f"Unplug the cable of EVSE {evse_id} at the EV side only: the cable stays in (or attached to) the station"
        )

    async def ev_side_plug_in(self, evse_id: int = 1) -> None:
        await self._ask(f"Plug the cable of EVSE {evse_id} back into the EV (at the EV side)")

    async def ev_enters_bay(self, evse_id: int = 1) -> None:
        await self._ask(
            f"Drive the EV into the parking bay of EVSE {evse_id} (or trigger its bay occupancy sensor); do not plug in"
        )

    async def ev_leaves_bay(self, evse_id: int = 1) -> None:
        await self._ask(f"Drive the EV out of the parking bay of EVSE {evse_id} (its bay sensor must see it leave)")

    async def power_cycle(self) -> None:
        await self._ask("Power cycle the charging station (switch it off and on)")

    async def master_pass_choice(self, evse_id: int | None) -> None:
        what = "ALL ongoing transactions" if evse_id is None else f"ONLY the transaction on EVSE {evse_id}"
        await self._ask(f"On the station's screen (the menu the master pass opened), choose to stop {what}")

    async def external_limit(self, limit: float, unit: str, evse_id: int = 0) -> None:
        where = "the whole station" if evse_id == 0 else f"EVSE {evse_id}"
        await self._ask(
            f"Through the station's external control input (energy management system or grid operator signal, "
            f"not the CSMS), limit {where} to {limit:g} {unit}"
        )

    async def release_external_limit(self, evse_id: int = 0) -> None:
        where = "the whole station" if evse_id == 0 else f"EVSE {evse_id}"
        await self._ask(f"Lift the limit the external control input set on {where}")

    async def store_customer_identifier(self, identifier: str) -> None:
        await self._ask(
            f"Store customer data at the station under customerIdentifier {identifier} (the DUT profile's "
            "test_configuration.customer_identifier), the way the station's manual describes"
        )

    async def customer_data_available(self, available: bool) -> None:
        if available:
            await self._ask("Bring the station back to normal: it can process CustomerInformation requests again")
        else:
            await self._ask("Bring the station into a state in which it cannot process CustomerInformation requests")

    async def erase_log(self, log_type: str) -> None:
        await self._ask(f"Erase the station's {log_type}, so that it has no {log_type} data to upload")

    async def hardware_fault(self, active: bool) -> None:
        if active:
            await self._ask(
                "Cause a hardware fault that the station's firmware reports by itself in a NotifyEvent "
                "(a hard-wired notification, e.g. on ChargingStation.Problem)"
            )
        else:
            await self._ask("Repair the hardware fault you caused, so that the station has no problem any more")

    async def remove_station_certificate(self) -> None:
        await self._ask(
            "With the manufacturer's tools (not over OCPP), remove the station's ChargingStationCertificate, so that "
            "it holds no valid one; keep its CSMS root certificate"
        )

    async def restore_baseline(self, changes: tuple[str, ...] = ()) -> bool:
        if changes:
            await self._ask(
                "The last case changed the station's provisioning in a way no OCPP message can undo. With the "
                f"manufacturer's tools, restore {'; '.join(changes)}"
            )
        await self._ask("Bring the station to idle: no EV plugged, no transaction, every EVSE operative")
        return False

    async def _ask(self, instruction: str) -> None:
        self.evidence.action(f"Manual action (operator): {instruction}")
        try:
            await asyncio.wait_for(_in_daemon_thread(instruction), self.timeout_s)
        except TimeoutError:
            raise LabError(f"the operator did not confirm '{instruction}' within {self.timeout_s:g} s") from None
        except OSError:
            raise LabError(f"manual action needed ('{instruction}') but no operator terminal is attached") from None


def _in_daemon_thread(instruction: str) -> asyncio.Future[None]:
    """Wait for the operator on a daemon thread, so an unanswered prompt never keeps the process alive at exit."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()

    def settle(error: OSError | None) -> None:
        if future.done():
            return
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)

    def work() -> None:
        try:
            _prompt_on_tty(instruction)
            loop.call_soon_threadsafe(settle, None)
        except OSError as exc:
            loop.call_soon_threadsafe(settle, exc)

    threading.Thread(target=work, name="operator-prompt", daemon=True).start()
    return future


def _prompt_on_tty(instruction: str) -> None:
    # /dev/tty, not stdin: pytest captures stdin, and the operator sits at the terminal anyway.
    with open("/dev/tty", "r+", encoding="utf-8") as tty:
        tty.write(f"\n>>> MANUAL ACTION: {instruction}\n    press Enter when done ")
        tty.flush()
        tty.readline()
