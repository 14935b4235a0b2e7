"""JosevSecc's lifecycle with a stand-in interpreter: the .env it writes, readiness, and that nothing outlives it.

No Java and no Josev are needed (a shell script plays Josev's Python); the SECC namespace of a NetBed is, so these
skip without root like the other test-bed tests. The real Josev runs in tests/iso15118/interop.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.iso15118.netbed import NetBed, can_create_namespaces
from harness.iso15118.reference.environment import JosevEnvironment
from harness.iso15118.reference.errors import ReferenceUnavailable
from harness.iso15118.reference.josev_secc import READY_LINE, JosevSecc, Plant
from harness.iso15118.sequence import Family


@pytest.fixture(scope="module")
def bed() -> Iterator[NetBed]:
    possible, why = can_create_namespaces()
    if not possible:
        pytest.skip(why)
    with NetBed() as created:
        yield created


def fake_josev(folder: Path, script: str) -> JosevEnvironment:
    """A "venv" whose python is `script` (sh); it runs in Josev's working folder, where the .env is."""
    python = folder / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f"#!/bin/sh\n{script}\n")
    python.chmod(0o755)
    jar = folder / "EXICodec.jar"
    jar.write_text("")
    return JosevEnvironment(folder, jar)


def alive(pid: int) -> bool:
    """Running (a zombie waiting for whoever adopted it to reap it counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_env_names_the_interface_protocols_eim_and_no_tls(bed: NetBed, tmp_path: Path) -> None:
    environment = fake_josev(tmp_path / "venv", f'cp .env "{tmp_path}/seen.env"; echo "{READY_LINE}"; sleep 30')
    with JosevSecc(bed.secc, (Family.DC, Family.AC), environment=environment) as secc:
        assert secc.running and secc.ready_after_s is not None
    seen = dict(line.split("=", 1) for line in (tmp_path / "seen.env").read_text().splitlines())
    assert seen["NETWORK_INTERFACE"] == bed.secc.interface
    assert seen["PROTOCOLS"] == "ISO_15118_20_DC,ISO_15118_20_AC"
    assert (seen["AUTH_MODES"], seen["SECC_ENFORCE_TLS"]) == ("EIM", "False")


def test_the_whole_process_group_is_killed_on_close(bed: NetBed, tmp_path: Path) -> None:
    # The child stands for the JVM Josev starts: it must die with its parent.
    script = f'sleep 300 & echo $! > "{tmp_path}/child.pid"; echo "{READY_LINE}"; wait'
    environment = fake_josev(tmp_path / "venv", script)
    secc = JosevSecc(bed.secc, environment=environment, plant=Plant.FOLLOWING, log_path=tmp_path / "secc.log")
    with secc:
        child = int((tmp_path / "child.pid").read_text())
        assert alive(child)
    deadline = time.monotonic() + 5
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child) and not secc.running
    assert READY_LINE in secc.log_text()  # the log the caller asked for stays


def test_an_early_exit_is_reference_unavailable_with_the_log(bed: NetBed, tmp_path: Path) -> None:
    environment = fake_josev(tmp_path / "venv", "echo 'interface v2g0 not found'; exit 3")
    with (
        pytest.raises(ReferenceUnavailable, match=r"exited with code 3.*interface v2g0 not found"),
        JosevSecc(bed.secc, environment=environment),
    ):
        pass


def test_silence_is_reference_unavailable_after_the_ready_timeout(bed: NetBed, tmp_path: Path) -> None:
    script = f'echo $$ > "{tmp_path}/pid"; exec sleep 300'
    environment = fake_josev(tmp_path / "venv", script)
    started = time.monotonic()
    with (
        pytest.raises(ReferenceUnavailable, match=r"not ready within 0\.5 s"),
        JosevSecc(bed.secc, environment=environment, ready_timeout=0.5),
    ):
        pass
    assert time.monotonic() - started < 5
    assert not alive(int((tmp_path / "pid").read_text()))
