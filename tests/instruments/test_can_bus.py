"""PythonCanBus: resource strings, DBC encoding and decoding over python-can's in-process `virtual` interface."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import can
import pytest

from instruments.can_bus import CanResource, PythonCanBus, format_frame, parse_can_resource
from instruments.capabilities import CanBus, CanFrame
from instruments.errors import InstrumentError, InstrumentTimeout, InstrumentUnreachable
from instruments.registry import DriverSpec, open_instrument

DBC = Path(__file__).resolve().parents[2] / "lab_setup" / "can" / "ev_emulator.dbc"
COMMAND = {"PlugConnect": 1, "CpStateRequest": 2, "Counter": 3, "DcVoltageRequest": 400.0}

Lines = list[tuple[str, str]]


# ---------------------------------------------------------------- resource strings


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("socketcan:can0", CanResource("socketcan", "can0")),
        ("virtual:bench", CanResource("virtual", "bench")),
        ("pcan:PCAN_USBBUS1", CanResource("pcan", "PCAN_USBBUS1")),
        ("socketcand:can0@192.168.10.7:29536", CanResource("socketcand", "can0", "192.168.10.7", 29536)),
        ("socketcand:vcan0@bench-pi.lab:29536", CanResource("socketcand", "vcan0", "bench-pi.lab", 29536)),
        ("socketcand:vcan0@[::1]:29536", CanResource("socketcand", "vcan0", "::1", 29536)),
    ],
)
def test_resource_strings_parse_and_print_back(text: str, expected: CanResource) -> None:
    assert parse_can_resource(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "expected '<interface>:<channel>'"),
        ("can0", "expected '<interface>:<channel>'"),
        (":can0", "expected '<interface>:<channel>'"),
        ("socketcan:", "expected '<interface>:<channel>'"),
        ("SocketCAN:can0", "not an interface name"),
        ("nosuchbus:can0", "python-can has no interface 'nosuchbus'"),
        ("socketcan:can 0", "malformed"),
        ("socketcan:can0@host:1", "malformed"),
        ("socketcand:can0", "socketcand:<channel>@<host>:<port>"),
        ("socketcand:@host:29536", "socketcand:<channel>@<host>:<port>"),
        ("socketcand:can0@host", "needs ':<port>' after the host"),
        ("socketcand:can0@host:", "port must be a number"),
        ("socketcand:can0@host:99999", "port must be a number"),
        ("socketcand:can0@:29536", "needs a host"),
        ("socketcand:can0@[::1]29536", "IPv6"),
    ],
)
def test_malformed_resource_strings_say_what_is_wrong(text: str, complaint: str) -> None:
    with pytest.raises(InstrumentError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        parse_can_resource(text)


def test_journal_format() -> None:
    assert format_frame(CanFrame(0x610, bytes([0x35, 0xA0, 0x0F]))) == "610 35A00F"
    assert format_frame(CanFrame(0x18DAF110, b"\x01", extended=True)) == "18DAF110 01"
    assert format_frame(CanFrame(0x7FF, b"")) == "7FF"


# ---------------------------------------------------------------- one process, virtual interface


@pytest.fixture
def channel() -> str:
    return f"test-{uuid.uuid4().hex}"  # python-can's virtual channels are process-global


@pytest.fixture
def lines() -> Lines:
    return []


@pytest.fixture
def bus(channel: str, lines: Lines) -> Iterator[PythonCanBus]:
    spec = DriverSpec(
        role="can",
        driver="python-can",
        resource=f"virtual:{channel}",
        name="can",
        options={"dbc": str(DBC)},
        journal=lambda name, direction, text: lines.append((direction, text)),
    )
    opened = open_instrument(spec)
    assert isinstance(opened, PythonCanBus)
    yield opened
    opened.close()


@pytest.fixture
def peer(channel: str) -> Iterator[can.BusABC]:
    other = can.Bus(interface="virtual", channel=channel)
    yield other
    other.shutdown()


def test_send_message_encodes_with_the_dbc(bus: PythonCanBus, peer: can.BusABC, lines: Lines) -> None:
    assert isinstance(bus, CanBus)
    bus.send_message("EVEMU_Command", COMMAND)
    received = peer.recv(1.0)
    assert received is not None
    assert (received.arbitration_id, bytes(received.data)) == (0x610, bytes.fromhex("35a00f0000000000"))
    assert lines == [("tx", "610 35A00F0000000000")]


def test_receive_message_decodes_and_skips_other_frames(bus: PythonCanBus, peer: can.BusABC, lines: Lines) -> None:
    status = bus.encode(
        "EVEMU_Status",
        {
            "PlugConnected": 1,
            "CpState": 2,
            "CounterEcho": 3,
            "PwmDuty": 26.7,
            "PwmFrequency": 1000,
            "DcVoltage": 400,
            "FirmwareVersion": 7,
        },
    )
    peer.send(can.Message(arbitration_id=0x123, data=b"\x01\x02", is_extended_id=False))
    peer.send(can.Message(arbitration_id=status.arbitration_id, data=status.data, is_extended_id=False))
    decoded = bus.receive_message("EVEMU_Status", 1.0)
    assert decoded is not None
    assert decoded["CpState"] == 2
    assert decoded["PwmDuty"] == pytest.approx(26.7)
    assert decoded["PwmFrequency"] == 1000.0
    assert decoded["DcVoltage"] == pytest.approx(400.0)
    assert [direction for direction, _ in lines] == ["rx", "rx"]  # the skipped frame is journaled too
    assert lines[0] == ("rx", "123 0102")


def test_raw_frames_both_ways(bus: PythonCanBus, peer: can.BusABC, lines: Lines) -> None:
    bus.send(CanFrame(0x18DAF110, b"\x02\x10\x03", extended=True))
    echoed = peer.recv(1.0)
    assert echoed is not None and echoed.is_extended_id and echoed.arbitration_id == 0x18DAF110
    peer.send(can.Message(arbitration_id=0x7DF, data=b"\xaa", is_extended_id=False))
    frame = bus.receive(1.0)
    assert frame is not None and (frame.arbitration_id, frame.data, frame.extended) == (0x7DF, b"\xaa", False)
    assert lines == [("tx", "18DAF110 021003"), ("rx", "7DF AA")]


def test_an_out_of_range_value_is_a_clear_error_and_nothing_is_sent(
    bus: PythonCanBus, peer: can.BusABC, lines: Lines
) -> None:
    with pytest.raises(InstrumentError, match=r"DcVoltageRequest.*1000.*1400") as caught:
        bus.send_message("EVEMU_Command", {**COMMAND, "DcVoltageRequest": 1400.0})
    assert "cannot encode EVEMU_Command" in str(caught.value)
    assert peer.recv(0.1) is None
    assert lines == []


def test_unknown_message_missing_signal_and_no_dbc(bus: PythonCanBus, channel: str) -> None:
    with pytest.raises(InstrumentError, match=r"no message 'Nope'.*EVEMU_Command, EVEMU_Status"):
        bus.send_message("Nope", {})
    with pytest.raises(InstrumentError, match="cannot encode EVEMU_Command"):
        bus.send_message("EVEMU_Command", {"PlugConnect": 1})
    raw = PythonCanBus("raw", can.Bus(interface="virtual", channel=channel))
    try:
        with pytest.raises(InstrumentError, match="needs a DBC"):
            raw.send_message("EVEMU_Command", COMMAND)
    finally:
        raw.close()


def test_a_short_frame_of_a_known_message_is_a_clear_error(bus: PythonCanBus, peer: can.BusABC) -> None:
    peer.send(can.Message(arbitration_id=0x611, data=b"\x01", is_extended_id=False))
    with pytest.raises(InstrumentError, match="cannot decode EVEMU_Status from 611 01"):
        bus.receive_message("EVEMU_Status", 1.0)


def test_waits_are_bounded(bus: PythonCanBus) -> None:
    started = time.monotonic()
    assert bus.receive_message("EVEMU_Status", 0.2) is None
    assert bus.receive(0.1) is None
    assert time.monotonic() - started < 1.5
    for bad in (-1.0, float("inf"), float("nan"), 1e6):
        with pytest.raises(InstrumentError, match="timeout"):
            bus.receive(bad)


def test_a_closed_bus_refuses_politely(bus: PythonCanBus) -> None:
    bus.close()
    bus.close()  # idempotent
    with pytest.raises(InstrumentError, match="closed"):
        bus.send(CanFrame(0x100, b""))


def test_dbc_problems_are_instrument_errors(tmp_path: Path, channel: str) -> None:
    garbage = tmp_path / "broken.dbc"
    garbage.write_text("BO_ this is not a DBC\n")
    for path, complaint in ((tmp_path / "absent.dbc", "does not exist"), (garbage, "cannot be parsed")):
        spec = DriverSpec(role="can", driver="python-can", resource=f"virtual:{channel}", options={"dbc": str(path)})
        with pytest.raises(InstrumentError, match=complaint):
            open_instrument(spec)


# ---------------------------------------------------------------- socketcand: failing fast


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_unreachable_socketcand_fails_fast() -> None:
    spec = DriverSpec(role="can", driver="python-can", resource=f"socketcand:vcan0@127.0.0.1:{_free_port()}")
    started = time.monotonic()
    with pytest.raises(InstrumentUnreachable, match="cannot reach socketcand"):
        open_instrument(spec)
    assert time.monotonic() - started < 2.0


def test_a_silent_socketcand_times_out_instead_of_hanging() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)  # accepts connections (in the backlog) but never says "< hi >"
        port = listener.getsockname()[1]
        spec = DriverSpec(role="can", driver="python-can", resource=f"socketcand:vcan0@127.0.0.1:{port}", timeout_s=0.5)
        started = time.monotonic()
        with pytest.raises(InstrumentTimeout, match=r"did not complete within 0\.5 s"):
            open_instrument(spec)
        assert time.monotonic() - started < 2.0
