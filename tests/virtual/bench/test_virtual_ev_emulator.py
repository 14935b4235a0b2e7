"""The can-ev-emulator driver over python-can's socketcand client to the virtual EV emulator on 127.0.0.1."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness.virtual.bench.ev_emulator import SAMPLE_DBC, SAMPLE_SIGNALS, VirtualEvEmulator, pwm_for
from harness.virtual.bench.socketcand import SocketcandServer, parse_send
from instruments.capabilities import EvEmulator, Identity, pwm_to_current_a
from instruments.drivers.ev.can_emulator import CanEvEmulator
from instruments.errors import InstrumentError, InstrumentUnreachable
from instruments.registry import DriverSpec, open_instrument
from tests.instruments.bench_helpers import BackgroundLoop

EVSE = 2


class FakeStation:
    """A StationPort that records what the EV did and offers `offer_a` while an unsuspended EV is plugged."""

    def __init__(self) -> None:
        self.plugged = False
        self.suspended = True
        self.offer_a = 16.0
        self.calls: list[tuple[Any, ...]] = []

    def plug(self, evse_id: int) -> None:
        self.calls.append(("plug", evse_id))
        self.plugged = True

    def unplug(self, evse_id: int) -> None:
        self.calls.append(("unplug", evse_id))
        self.plugged = False

    def set_ev_suspended(self, evse_id: int, suspended: bool) -> None:
        self.calls.append(("suspended", evse_id, suspended))
        self.suspended = suspended

    def digital_communication(self, evse_id: int) -> bool:
        return False

    def offered_current_a(self, evse_id: int) -> float:
        return self.offer_a if self.plugged and not self.suspended else 0.0

    def is_plugged(self, evse_id: int) -> bool:
        return self.plugged


class Rig:
    def __init__(self, loop: BackgroundLoop, station: FakeStation, emulator: VirtualEvEmulator) -> None:
        self.loop, self.station, self.emulator = loop, station, emulator
        self.lines: list[tuple[str, str]] = []
        self.drivers: list[CanEvEmulator] = []

    def spec(self, signals: dict[str, str] | None = None, timeout_s: float = 2.0) -> DriverSpec:
        return DriverSpec(
            role="ev_emulator",
            driver="can-ev-emulator",
            resource=self.emulator.resource,
            name="ev",
            timeout_s=timeout_s,
            options={"dbc": str(SAMPLE_DBC), "signals": SAMPLE_SIGNALS if signals is None else signals},
            journal=lambda name, direction, text: self.lines.append((direction, text)),
        )

    def open(self, signals: dict[str, str] | None = None) -> CanEvEmulator:
        driver = open_instrument(self.spec(signals))
        assert isinstance(driver, CanEvEmulator)
        self.drivers.append(driver)
        return driver

    def emulator_state(self, attribute: str) -> Any:
        return self.loop.call(getattr, self.emulator, attribute)


@pytest.fixture
def rig() -> Iterator[Rig]:
    loop = BackgroundLoop()
    station = FakeStation()
    emulator = VirtualEvEmulator("ev", station, SAMPLE_DBC, evse_id=EVSE)
    loop.run(emulator.start())
    setup = Rig(loop, station, emulator)
    try:
        yield setup
    finally:
        for driver in setup.drivers:
            driver.close()
        loop.run(emulator.stop())
        loop.stop()


def wait_until(condition: Callable[[], bool], timeout_s: float = 2.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


# ---------------------------------------------------------------- the capability, end to end


def test_identity_names_the_dbc_and_the_firmware(rig: Rig) -> None:
    driver = rig.open()
    assert isinstance(driver, EvEmulator)
    assert driver.identify() == Identity("CAN EV emulator", "DBC ev_emulator.dbc", "", "1")


def test_plug_then_cp_b_then_c_drives_the_station(rig: Rig) -> None:
    driver = rig.open()
    assert driver.cp_state() == "A"
    assert driver.pwm() == (100.0, 0.0)  # no PWM without an EV

    driver.set_plugged(True)
    assert not rig.station.plugged  # plug in, but the pilot still shows no EV (state A)
    driver.set_cp_state("B")
    assert rig.station.plugged and rig.station.suspended
    assert driver.cp_state() == "B"

    driver.set_cp_state("C")
    assert rig.station.calls == [("plug", EVSE), ("suspended", EVSE, True), ("suspended", EVSE, False)]
    assert driver.cp_state() == "C"
    duty, frequency = driver.pwm()
    assert duty == pytest.approx(26.7, abs=0.05)  # 16 A
    assert frequency == 1000.0
    assert pwm_to_current_a(duty) == pytest.approx(16.0, abs=0.1)


def test_pwm_follows_the_offer(rig: Rig) -> None:
    driver = rig.open()
    driver.set_plugged(True)
    driver.set_cp_state("C")
    rig.loop.call(setattr, rig.station, "offer_a", 32.0)
    assert driver.pwm()[0] == pytest.approx(53.3, abs=0.05)
    rig.loop.call(setattr, rig.station, "offer_a", 0.0)
    assert driver.pwm() == (100.0, 0.0)


def test_safe_state_unplugs(rig: Rig) -> None:
    driver = rig.open()
    driver.set_plugged(True)
    driver.set_cp_state("C")
    driver.safe_state()
    assert not rig.station.plugged
    assert rig.station.calls[-1] == ("unplug", EVSE)
    assert driver.cp_state() == "A"
    assert rig.emulator_state("plugged") is False


def test_error_states_look_like_an_unplug(rig: Rig) -> None:
    driver = rig.open()
    driver.set_plugged(True)
    driver.set_cp_state("D")
    assert rig.station.plugged and not rig.station.suspended
    driver.set_cp_state("E")
    assert not rig.station.plugged
    assert driver.cp_state() == "E"
    assert driver.pwm() == (100.0, 0.0)


def test_every_command_sends_the_whole_message(rig: Rig) -> None:
    driver = rig.open()
    driver.set_plugged(True)
    driver.set_cp_state("C")
    driver.set_dc_voltage(400.5)
    assert rig.emulator_state("dc_voltage_v") == pytest.approx(400.5)
    assert rig.emulator_state("plugged") is True and rig.emulator_state("cp_requested") == "C"
    commands = [text for direction, text in rig.lines if direction == "tx"]
    assert len(commands) == 3 and all(text.startswith("610 ") for text in commands)
    # plug 1 (bit 0), CP C = 2 (bits 1-3), counter 3 (bits 4-7; the emulator echoed 0 at open), 400.5 V in 0.1 V
    whole = bytes([1 | 2 << 1 | 3 << 4]) + (4005).to_bytes(2, "little") + bytes(5)
    assert commands[-1] == "610 " + whole.hex().upper()


def test_an_out_of_range_voltage_is_refused_before_sending(rig: Rig) -> None:
    driver = rig.open()
    driver.set_dc_voltage(350)
    rig.lines.clear()
    with pytest.raises(InstrumentError, match=r"DcVoltageRequest.*1400"):
        driver.set_dc_voltage(1400)
    assert not [line for line in rig.lines if line[0] == "tx"]
    driver.set_plugged(True)  # the kept values are those of the last command that went out
    assert rig.emulator_state("dc_voltage_v") == pytest.approx(350.0)


def test_without_a_counter_the_driver_still_works(rig: Rig) -> None:
    signals = {k: v for k, v in SAMPLE_SIGNALS.items() if k not in ("counter", "counter_echo")}
    driver = rig.open(signals)
    driver.set_plugged(True)
    driver.set_cp_state("C")
    wait_until(lambda: driver.cp_state() == "C")
    assert rig.station.plugged and not rig.station.suspended


def test_a_silent_emulator_fails_at_open() -> None:
    loop = BackgroundLoop()
    server = SocketcandServer()
    try:
        port = loop.run(server.start())
        spec = DriverSpec(
            role="ev_emulator",
            driver="can-ev-emulator",
            resource=f"socketcand:vcan0@127.0.0.1:{port}",
            timeout_s=0.5,
            options={"dbc": str(SAMPLE_DBC), "signals": SAMPLE_SIGNALS},
        )
        with pytest.raises(InstrumentUnreachable, match=r"silent.*no EVEMU_Status frame within 0\.5 s"):
            open_instrument(spec)
    finally:
        loop.run(server.stop())
        loop.stop()


# ---------------------------------------------------------------- the lab file's signal map


def test_the_signal_map_is_checked_against_the_dbc_in_one_error() -> None:
    signals = dict(SAMPLE_SIGNALS)
    del signals["pwm_frequency"]
    signals["plug"] = "EVEMU_Cmd.PlugConnect"
    signals["cp_state"] = "EVEMU_Command.CpState"
    signals["dc_voltage"] = "DcVoltage"
    signals["colour"] = "EVEMU_Status.CpState"
    spec = DriverSpec(
        role="ev_emulator",
        driver="can-ev-emulator",
        resource="socketcand:vcan0@127.0.0.1:9",  # never reached: the map is refused first
        options={"dbc": str(SAMPLE_DBC), "signals": signals},
    )
    with pytest.raises(InstrumentError) as caught:
        open_instrument(spec)
    message = str(caught.value)
    for expected in (
        "pwm_frequency: missing",
        "plug: no message 'EVEMU_Cmd'",
        "cp_state: message EVEMU_Command has no signal 'CpState'",
        "dc_voltage: 'DcVoltage' is not 'Message.Signal'",
        "colour: not a capability signal",
    ):
        assert expected in message


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"signals": SAMPLE_SIGNALS}, "options.dbc"),
        ({"dbc": str(SAMPLE_DBC)}, "options.signals must map"),
        ({"dbc": str(SAMPLE_DBC), "signals": {**SAMPLE_SIGNALS, "counter": None}}, "counter"),
    ],
)
def test_missing_options_are_clear_errors(options: dict[str, Any], complaint: str) -> None:
    spec = DriverSpec(
        role="ev_emulator", driver="can-ev-emulator", resource="socketcand:vcan0@127.0.0.1:9", options=options
    )
    with pytest.raises(InstrumentError, match=complaint):
        open_instrument(spec)


# ---------------------------------------------------------------- the virtual device on its own


def test_pwm_for_offers() -> None:
    assert pwm_for(None) == (100.0, 0.0)
    assert pwm_for(5.9) == (100.0, 0.0)
    assert pwm_for(16.0)[0] == pytest.approx(26.667, abs=0.001)
    assert pwm_for(100.0)[0] == pytest.approx(96.0)  # capped at 80 A


def test_parse_send() -> None:
    frame = parse_send("send 610 3 35 a0 f")
    assert frame is not None and (frame.arbitration_id, frame.data, frame.extended) == (0x610, b"\x35\xa0\x0f", False)
    extended = parse_send("send 18DAF110 0")
    assert extended is not None and extended.extended and extended.data == b""
    for bad in ("send 610 2 35", "send 610 9 0 0 0 0 0 0 0 0 0", "send 800 0", "send zz 0", "send 610 1 100", "send"):
        assert parse_send(bad) is None, bad


def _connect(port: int) -> socket.socket:
    client = socket.create_connection(("127.0.0.1", port), timeout=2.0)
    assert client.recv(64) == b"< hi >"
    return client


def _read_until(client: socket.socket, marker: bytes, timeout_s: float = 2.0) -> bytes:
    received = b""
    deadline = time.monotonic() + timeout_s
    while marker not in received:
        client.settimeout(max(0.01, deadline - time.monotonic()))
        received += client.recv(256)
    return received


def _exchange(client: socket.socket, text: bytes) -> bytes:
    client.sendall(text)
    return client.recv(256)


def test_malformed_socketcand_input_does_not_crash_the_server(rig: Rig) -> None:
    port = rig.emulator.server.port
    rude = _connect(port)
    rude.sendall(b"hello there\r\n")
    assert _exchange(rude, b"< open can7 >") == b"< error could not open bus >"
    assert _exchange(rude, b"< rawmode >") == b"< error unexpected command >"
    rude.sendall(b"\xff\xfe<<< >>> < " + b"x" * 5000)  # garbage, then an unterminated message
    rude.sendall(bytes(range(256)))
    rude.close()

    raw = _connect(port)
    assert _exchange(raw, b"< open vcan0 >") == b"< ok >"
    assert _exchange(raw, b"< rawmode >") == b"< ok >"
    raw.sendall(b"< send zz 1 00 >< send 610 9 1 >< send 610 2 1 >< bogus >< send 610 2 1 2 3 >")
    raw.sendall(b"< send 610 1 ff >")  # a command too short to decode: the emulator ignores it
    raw.sendall(b"< send 610 8 f 0 0 0 0 0 0 0 >")  # CP value 7 is no state: ignored as well
    assert b"< frame 611 " in _read_until(raw, b">")  # raw mode: the cyclic status reaches this client
    raw.close()

    assert rig.emulator.server.malformed >= 8
    assert rig.emulator_state("commands_received") == 0
    driver = rig.open()  # still serving
    driver.set_plugged(True)
    driver.set_cp_state("C")
    assert driver.pwm()[0] == pytest.approx(26.7, abs=0.05)
