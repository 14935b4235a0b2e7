"""The virtual EV emulator: speaks the sample DBC (lab_setup/can/ev_emulator.dbc) over a virtual socketcand bus
and acts on the virtual station through `StationPort`, the way a real emulator acts on a charger's inlet.

The station sees an EV when the plug is in and the control pilot is B, C or D: B means plugged but not ready
(suspended by the EV), C/D the EV asks for energy, A is no EV, E/F are errors and look like an unplug.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Protocol

import cantools
from cantools.database.can import Database

from harness.paths import LAB_DIR
from harness.virtual.bench.socketcand import SocketcandServer
from instruments.capabilities import CanFrame, CpState, current_to_pwm_pct

log = logging.getLogger("harness.virtual.bench.ev_emulator")

SAMPLE_DBC = LAB_DIR / "can" / "ev_emulator.dbc"
# The lab file's options.signals for the sample DBC (also documented at the top of the DBC).
SAMPLE_SIGNALS = {
    "plug": "EVEMU_Command.PlugConnect",
    "cp_state": "EVEMU_Command.CpStateRequest",
    "dc_voltage": "EVEMU_Command.DcVoltageRequest",
    "counter": "EVEMU_Command.Counter",
    "cp_state_actual": "EVEMU_Status.CpState",
    "pwm_duty": "EVEMU_Status.PwmDuty",
    "pwm_frequency": "EVEMU_Status.PwmFrequency",
    "counter_echo": "EVEMU_Status.CounterEcho",
    "firmware": "EVEMU_Status.FirmwareVersion",
}
COMMAND = "EVEMU_Command"
STATUS = "EVEMU_Status"
CP_STATES: tuple[CpState, ...] = ("A", "B", "C", "D", "E", "F")
STATUS_PERIOD_S = 0.1
PWM_FREQUENCY_HZ = 1000.0
FIRMWARE_VERSION = 1
MIN_PWM_CURRENT_A = 6.0  # IEC 61851-1: below 6 A there is no valid PWM offer, so the station shows none
MAX_PWM_CURRENT_A = 80.0


class StationPort(Protocol):
    """What the emulated EV can do to (and see of) the station's EVSE."""

    def plug(self, evse_id: int) -> None: ...

    def unplug(self, evse_id: int) -> None: ...

    def set_ev_suspended(self, evse_id: int, suspended: bool) -> None: ...

    def offered_current_a(self, evse_id: int) -> float:
        """What the station's PWM offers."""
        ...

    def is_plugged(self, evse_id: int) -> bool: ...

    def digital_communication(self, evse_id: int) -> bool:
        """The station asks for high-level communication (ISO 15118): the pilot shows 5 %."""
        ...


DIGITAL_COMMUNICATION_DUTY_PCT = 5.0  # IEC 61851-1: 5 % duty cycle = digital communication required


def pwm_for(offered_a: float | None) -> tuple[float, float]:
    """(duty %, frequency Hz) of the pilot for an offered current; None or < 6 A: no PWM (100 %, 0 Hz)."""
    if offered_a is None or offered_a < MIN_PWM_CURRENT_A:
        return 100.0, 0.0
    return current_to_pwm_pct(min(offered_a, MAX_PWM_CURRENT_A)), PWM_FREQUENCY_HZ


class VirtualEvEmulator:
    """An EV emulator on a socketcand bus: EVEMU_Command in, EVEMU_Status out (cyclic and after each command)."""

    def __init__(self, name: str, port: StationPort, dbc_path: str | Path, evse_id: int = 1) -> None:
        self.name = name
        self.port = port
        self.evse_id = evse_id
        self.database = _load(dbc_path)
        self.plugged = False
        self.cp_requested: CpState = "A"
        self.dc_voltage_v = 0.0
        self.counter_echo = 0
        self.commands_received = 0
        self.server = SocketcandServer(self.on_frame)
        self._ticker: asyncio.Task[None] | None = None
        self._command_id = self.database.get_message_by_name(COMMAND).frame_id

    # ------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0, channel: str = "vcan0") -> int:
        """Serve the bus and start the cyclic status; returns the TCP port."""
        self.server.host, self.server.port, self.server.channel = host, port, channel
        bound = await self.server.start()
        self._ticker = asyncio.create_task(self._cyclic_status(), name=f"{self.name} status")
        return bound

    async def stop(self) -> None:
        ticker, self._ticker = self._ticker, None
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
        await self.server.stop()

    async def __aenter__(self) -> VirtualEvEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def resource(self) -> str:
        """The CAN resource a driver opens to reach this emulator."""
        return f"socketcand:{self.server.channel}@{self.server.host}:{self.server.port}"

    # ------------------------------------------------------------ the EV

    @property
    def cp_actual(self) -> CpState:
        """What the pilot line shows: nothing connected without the plug."""
        return self.cp_requested if self.plugged else "A"

    def on_frame(self, frame: CanFrame) -> None:
        """A frame from the bus: act on EVEMU_Command, ignore the rest."""
        if frame.arbitration_id != self._command_id or frame.extended:
            return
        try:
            values = self.database.get_message_by_name(COMMAND).decode_simple(frame.data, decode_choices=False)
        except Exception as exc:  # a short or garbled command is dropped, as real firmware would
            log.warning("%s: undecodable %s %s: %s", self.name, COMMAND, frame.data.hex(), exc)
            return
        numbers = {key: value for key, value in values.items() if isinstance(value, int | float)}
        raw_state = int(numbers.get("CpStateRequest", -1))
        if not 0 <= raw_state < len(CP_STATES):
            log.warning("%s: CP state value %d is not A..F; command ignored", self.name, raw_state)
            return
        self.commands_received += 1
        self.counter_echo = int(numbers.get("Counter", 0))
        self.plugged = bool(numbers.get("PlugConnect", 0))
        self.cp_requested = CP_STATES[raw_state]
        self.dc_voltage_v = float(numbers.get("DcVoltageRequest", 0.0))
        self._apply()
        self.server.send(self.status_frame())

    def _apply(self) -> None:
        """Bring the station in line with plug and CP state; the station's own view decides what to call."""
        connected = self.plugged and self.cp_requested in ("B", "C", "D")
        try:
            if connected:
                if not self.port.is_plugged(self.evse_id):
                    self.port.plug(self.evse_id)
                self.port.set_ev_suspended(self.evse_id, self.cp_requested == "B")
            elif self.port.is_plugged(self.evse_id):
                self.port.unplug(self.evse_id)
        except Exception:  # the station misbehaving is the station's story; the emulator keeps running
            log.exception("%s: the station refused plug %s / CP %s", self.name, self.plugged, self.cp_requested)

    def status_frame(self) -> CanFrame:
        """EVEMU_Status as it stands now."""
        offered: float | None = None
        digital = False
        if self.cp_actual in ("B", "C", "D"):
            try:
                digital = self.port.digital_communication(self.evse_id)
                offered = self.port.offered_current_a(self.evse_id)
            except Exception:
                log.exception("%s: cannot read the station's offered current", self.name)
        duty, frequency = (DIGITAL_COMMUNICATION_DUTY_PCT, PWM_FREQUENCY_HZ) if digital else pwm_for(offered)
        message = self.database.get_message_by_name(STATUS)
        data = message.encode(
            {
                "PlugConnected": int(self.plugged),
                "CpState": CP_STATES.index(self.cp_actual),
                "CounterEcho": self.counter_echo,
                "PwmDuty": round(duty, 1),
                "PwmFrequency": frequency,
                "DcVoltage": self.dc_voltage_v,
                "FirmwareVersion": FIRMWARE_VERSION,
            }
        )
        return CanFrame(message.frame_id, bytes(data), extended=message.is_extended_frame)

    async def _cyclic_status(self) -> None:
        while True:
            await asyncio.sleep(STATUS_PERIOD_S)
            try:
                self.server.send(self.status_frame())
            except Exception:  # one bad cycle must not end the cyclic status
                log.exception("%s: status frame failed", self.name)


def _load(dbc_path: str | Path) -> Database:
    database = cantools.database.load_file(str(dbc_path))
    if not isinstance(database, Database):
        raise ValueError(f"{dbc_path}: not a CAN database")
    for message, signals in {
        COMMAND: ("PlugConnect", "CpStateRequest", "Counter", "DcVoltageRequest"),
        STATUS: ("PlugConnected", "CpState", "CounterEcho", "PwmDuty", "PwmFrequency", "DcVoltage", "FirmwareVersion"),
    }.items():
        names = {s.name for s in database.get_message_by_name(message).signals}
        missing = set(signals) - names
        if missing:
            raise ValueError(f"{dbc_path}: {message} lacks {', '.join(sorted(missing))}")
    return database
