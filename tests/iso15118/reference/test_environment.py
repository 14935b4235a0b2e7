"""Building the Josev venv: once, atomically, never over someone else's directory; failures give one-line reasons.

A fake builder stands in for `python -m venv` + pip, so these tests need neither network nor Java.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.iso15118.reference import environment
from harness.iso15118.reference.environment import (
    MARKER_NAME,
    BuiltVenv,
    availability,
    default_venv_path,
    ensure_josev_venv,
    last_error_line,
    read_marker,
)
from harness.iso15118.reference.errors import ReferenceUnavailable


class FakeBuilder:
    """Makes the files a Josev venv must have; counts its calls; can be slow or fail."""

    def __init__(self, delay: float = 0.0, fail: str = "") -> None:
        self.delay = delay
        self.fail = fail
        self.calls: list[Path] = []
        self._lock = threading.Lock()

    def __call__(self, directory: Path, deadline: float) -> BuiltVenv:
        with self._lock:
            self.calls.append(directory)
        time.sleep(self.delay)
        (directory / "bin").mkdir()
        (directory / "bin" / "python").write_text("")
        if self.fail:
            raise ReferenceUnavailable(self.fail)
        (directory / "EXICodec.jar").write_text("")
        return BuiltVenv("EXICodec.jar", {"iso15118": "0.31.2", "aiofile": "3.12.3"})


def test_default_path_is_the_user_cache_unless_the_variable_says_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HARNESS_JOSEV_VENV", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/cache")
    assert default_venv_path() == Path("/cache/v2g-harness/josev-0.31.2")
    monkeypatch.setenv("HARNESS_JOSEV_VENV", "/elsewhere/josev")
    assert default_venv_path() == Path("/elsewhere/josev")


def test_a_build_writes_the_marker_and_the_next_call_reuses_it(tmp_path: Path) -> None:
    builder = FakeBuilder()
    built = ensure_josev_venv(tmp_path / "josev", builder=builder)
    assert built.path == tmp_path / "josev" and built.jar == tmp_path / "josev" / "EXICodec.jar"
    marker = json.loads((tmp_path / "josev" / MARKER_NAME).read_text())
    assert marker["requirements"] == ["iso15118==0.31.2", "aiofile"]
    assert marker["installed"]["iso15118"] == "0.31.2"
    assert ensure_josev_venv(tmp_path / "josev", builder=builder) == built
    assert len(builder.calls) == 1


def test_two_processes_starting_together_build_once(tmp_path: Path) -> None:
    builder = FakeBuilder(delay=0.5)
    with ThreadPoolExecutor(3) as pool:  # flock locks separate opens of the lock file even within one process
        results = list(pool.map(lambda _: ensure_josev_venv(tmp_path / "josev", builder=builder), range(3)))
    assert len(builder.calls) == 1
    assert results[0] == results[1] == results[2]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".josev.lock", "josev"]


def test_the_venv_appears_only_when_complete(tmp_path: Path) -> None:
    builder = FakeBuilder(delay=0.5)
    worker = threading.Thread(target=ensure_josev_venv, args=(tmp_path / "josev",), kwargs={"builder": builder})
    worker.start()
    time.sleep(0.2)
    assert not (tmp_path / "josev").exists()  # still being built beside it
    assert [p.name.startswith(".josev.build-") for p in tmp_path.iterdir() if p.is_dir()] == [True]
    worker.join()
    assert read_marker(tmp_path / "josev") is not None


def test_a_failed_build_leaves_nothing_and_the_next_call_tries_again(tmp_path: Path) -> None:
    with pytest.raises(ReferenceUnavailable, match="pip install failed"):
        ensure_josev_venv(tmp_path / "josev", builder=FakeBuilder(fail="pip install failed (exit 1): ERROR: no net"))
    assert [p.name for p in tmp_path.iterdir()] == [".josev.lock"]
    assert ensure_josev_venv(tmp_path / "josev", builder=FakeBuilder()).path == tmp_path / "josev"


def test_leftovers_of_a_killed_build_are_cleared(tmp_path: Path) -> None:
    (tmp_path / ".josev.build-abc123" / "lib").mkdir(parents=True)
    ensure_josev_venv(tmp_path / "josev", builder=FakeBuilder())
    assert not (tmp_path / ".josev.build-abc123").exists()


def test_a_directory_without_the_marker_is_neither_used_nor_deleted(tmp_path: Path) -> None:
    (tmp_path / "josev").mkdir()
    (tmp_path / "josev" / "precious.txt").write_text("mine")
    with pytest.raises(ReferenceUnavailable, match="not built by the harness"):
        ensure_josev_venv(tmp_path / "josev", builder=FakeBuilder())
    assert (tmp_path / "josev" / "precious.txt").read_text() == "mine"


def test_a_venv_with_an_outdated_marker_is_rebuilt(tmp_path: Path) -> None:
    ensure_josev_venv(tmp_path / "josev", builder=FakeBuilder())
    marker = tmp_path / "josev" / MARKER_NAME
    marker.write_text(marker.read_text().replace("iso15118==0.31.2", "iso15118==0.30.0"))
    assert read_marker(tmp_path / "josev") is None
    builder = FakeBuilder()
    ensure_josev_venv(tmp_path / "josev", builder=builder)
    assert len(builder.calls) == 1 and read_marker(tmp_path / "josev") is not None


def test_a_lock_held_too_long_is_a_reason_not_a_hang(tmp_path: Path) -> None:
    slow = FakeBuilder(delay=1.0)
    worker = threading.Thread(target=ensure_josev_venv, args=(tmp_path / "josev",), kwargs={"builder": slow})
    worker.start()
    time.sleep(0.2)
    with pytest.raises(ReferenceUnavailable, match="held"):
        ensure_josev_venv(tmp_path / "josev", builder=FakeBuilder(), lock_timeout=0.3)
    worker.join()


def test_without_java_the_reason_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    state = availability(create=False, path=tmp_path / "josev")
    assert not state.ok and "no `java` on PATH" in state.reason


def test_without_the_venv_and_without_building_the_reason_says_how_to_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(environment, "java_executable", lambda: "/usr/bin/java")
    state = availability(create=False, path=tmp_path / "josev")
    assert not state.ok and "python -m harness.iso15118.reference.environment" in state.reason


def test_a_failing_step_gives_its_error_line(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "import sys; print('noise', file=sys.stderr); sys.exit('ERROR: no network')"]
    with pytest.raises(ReferenceUnavailable, match=r"^pip failed \(exit 1\): ERROR: no network$"):
        environment._run("pip", command, time.monotonic() + 30)


def test_a_step_past_the_deadline_is_stopped(tmp_path: Path) -> None:
    with pytest.raises(ReferenceUnavailable, match="did not finish"):
        environment._run("pip", [sys.executable, "-c", "import time; time.sleep(30)"], time.monotonic() + 0.5)


def test_last_error_line_prefers_error_lines() -> None:
    output = "Collecting x\nERROR: Could not find a version that satisfies iso15118==9\nnotice: upgrade pip\n"
    assert last_error_line(output) == "ERROR: Could not find a version that satisfies iso15118==9"
    assert last_error_line("Traceback\nModuleNotFoundError: No module named 'py4j'") == (
        "ModuleNotFoundError: No module named 'py4j'"
    )
    assert last_error_line("") == "(no output)"
