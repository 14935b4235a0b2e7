"""A dedicated virtualenv holding Josev (`iso15118==0.31.2`), built once per machine and shared by test processes.

Josev pins pydantic 1 and ours uses pydantic 2, so it cannot live in our environment. The venv is built in a
temporary directory beside its final place and renamed into place only once it works, under a lock file, so two
pytest processes starting together neither build it twice nor see half of it. A marker file inside records what was
installed; a directory without the marker is never reused nor deleted.

`python -m harness.iso15118.reference.environment` builds it (if needed) and prints its path.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from harness.iso15118.reference.errors import ReferenceUnavailable

log = logging.getLogger(__name__)
MODULE = "harness.iso15118.reference.environment"  # not __name__, which is "__main__" when run with -m

JOSEV_VERSION = "0.31.2"
# aiofile is imported by Josev but not declared as a dependency.
REQUIREMENTS: tuple[str, ...] = (f"iso15118=={JOSEV_VERSION}", "aiofile")
ENV_VENV = "HARNESS_JOSEV_VENV"
# Set to 1 where the Java reference codec cannot run: its tests then skip, with this as the reason, instead of failing.
ENV_SKIP = "HARNESS_SKIP_REFERENCE_CODEC"
MARKER_NAME = "harness-josev.json"
MARKER_FORMAT = 1
DEFAULT_INSTALL_TIMEOUT = 900.0
PIP_SOCKET_TIMEOUT = 60

# Run inside the new venv: proves that Josev, py4j and the jar are there, and lists what pip installed.
_PROBE = """
import importlib.metadata, importlib.util, json, pathlib, sys
import py4j.java_gateway
spec = importlib.util.find_spec("iso15118")
jar = pathlib.Path(spec.origin).parent / "shared" / "EXICodec.jar"
if not jar.is_file():
    sys.exit(f"iso15118 has no EXICodec.jar at {jar}")
versions = {d.metadata["Name"]: d.version for d in importlib.metadata.distributions()}
print(json.dumps({"jar": str(jar.relative_to(sys.prefix)), "installed": versions}))
"""


@dataclass(frozen=True)
class JosevEnvironment:
    """A working Josev venv: where it is, its interpreter, the EXI jar inside it and what pip installed."""

    path: Path
    jar: Path
    installed: dict[str, str] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"


@dataclass(frozen=True)
class Availability:
    """Whether the Java reference codec can run here; `reason` is one line when it cannot."""

    ok: bool
    reason: str = ""
    environment: JosevEnvironment | None = None


@dataclass(frozen=True)
class BuiltVenv:
    """What a builder reports: the jar's path relative to the venv and the installed distributions' versions."""

    jar: str
    installed: dict[str, str]


Builder = Callable[[Path, float], BuiltVenv]


def default_venv_path() -> Path:
    """`$HARNESS_JOSEV_VENV`, else `~/.cache/v2g-harness/josev-<version>` (honouring `$XDG_CACHE_HOME`)."""
    configured = os.environ.get(ENV_VENV)
    if configured:
        return Path(configured).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "v2g-harness" / f"josev-{JOSEV_VERSION}"


NO_JAVA = "no `java` on PATH (the EXI jar in Josev needs a Java runtime, 11 or later)"


def java_executable() -> str | None:
    """The `java` the bridge will start (py4j runs `java` from PATH), or None."""
    return shutil.which("java")


def read_marker(path: Path) -> JosevEnvironment | None:
    """The environment described by the marker in `path`, or None if it is missing, stale or incomplete."""
    try:
        marker = json.loads((path / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("format") != MARKER_FORMAT:
        return None
    if marker.get("requirements") != list(REQUIREMENTS) or not isinstance(marker.get("jar"), str):
        return None
    environment = JosevEnvironment(path, path / marker["jar"], dict(marker.get("installed", {})))
    if not environment.python.exists() or not environment.jar.is_file():
        return None
    return environment


def ensure_josev_venv(
    path: Path | None = None,
    *,
    install_timeout: float = DEFAULT_INSTALL_TIMEOUT,
    lock_timeout: float | None = None,
    builder: Builder | None = None,
) -> JosevEnvironment:
    """Reuse the Josev venv at `path` (default: `default_venv_path()`) or build it; raises `ReferenceUnavailable`.

    `builder(directory, deadline)` populates an empty directory and says what it installed; tests pass a
    fake one, the default creates a venv and pip-installs `REQUIREMENTS` within `install_timeout` seconds.
    """
    final = (path or default_venv_path()).absolute()
    existing = read_marker(final)
    if existing is not None:
        return existing
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReferenceUnavailable(f"cannot create {final.parent}: {exc.strerror}") from exc
    wait = install_timeout + 60 if lock_timeout is None else lock_timeout
    with _locked(final.parent / f".{final.name}.lock", wait):
        existing = read_marker(final)  # another process may have finished while we waited
        if existing is not None:
            return existing
        _remove_previous(final)
        started = time.monotonic()
        log.info("building the Josev venv at %s", final)
        _build_and_rename(final, builder or _pip_builder, started + install_timeout)
        log.info("Josev venv ready at %s after %.0f s", final, time.monotonic() - started)
    built = read_marker(final)
    if built is None:
        raise ReferenceUnavailable(f"the Josev venv at {final} was built but its marker does not check out")
    return built


def availability(*, create: bool = True, path: Path | None = None) -> Availability:
    """Can the Java reference codec run here? With `create`, builds the venv if it is missing."""
    if java_executable() is None:
        return Availability(False, NO_JAVA)
    target = path or default_venv_path()
    if not create:
        environment = read_marker(target.absolute())
        if environment is None:
            return Availability(False, f"no Josev venv at {target} (build it: python -m {MODULE})")
        return Availability(True, environment=environment)
    try:
        return Availability(True, environment=ensure_josev_venv(target))
    except ReferenceUnavailable as exc:
        return Availability(False, str(exc))


@contextmanager
def _locked(lock_path: Path, timeout: float) -> Iterator[None]:
    try:
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o644)
    except OSError as exc:
        raise ReferenceUnavailable(f"cannot open the lock file {lock_path}: {exc.strerror}") from exc
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ReferenceUnavailable(
                        f"another process has held {lock_path} for over {timeout:.0f} s (building the Josev venv?)"
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _remove_previous(final: Path) -> None:
    """Clear what an earlier build left: its temporary directories, and a venv whose marker is out of date."""
    for leftover in final.parent.glob(f".{final.name}.build-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if not final.exists():
        return
    if not (final / MARKER_NAME).exists():
        raise ReferenceUnavailable(
            f"{final} exists but was not built by the harness (no {MARKER_NAME}); remove it or set {ENV_VENV}"
        )
    stale = final.with_name(f".{final.name}.build-stale-{os.getpid()}")
    os.rename(final, stale)
    shutil.rmtree(stale, ignore_errors=True)


def _build_and_rename(final: Path, builder: Builder, deadline: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f".{final.name}.build-", dir=final.parent))
    try:
        workdir.chmod(0o755)  # mkdtemp makes it private; the venv is an ordinary shared cache
        built = builder(workdir, deadline)
        marker = {
            "format": MARKER_FORMAT,
            "requirements": list(REQUIREMENTS),
            "jar": built.jar,
            "installed": built.installed,
            "python": ".".join(map(str, sys.version_info[:3])),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        (workdir / MARKER_NAME).write_text(json.dumps(marker, indent=2) + "\n")
        os.rename(workdir, final)  # atomic: readers see no venv or a complete one
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise


def _pip_builder(directory: Path, deadline: float) -> BuiltVenv:
    """Create a venv in `directory` and install Josev from PyPI into it.

    The venv is moved after this, so everything later runs as `<venv>/bin/python -m ...`, never through the
    entry-point scripts, whose first line still names the build directory.
    """
    _run("creating the venv", [sys.executable, "-m", "venv", str(directory)], deadline)
    python = str(directory / "bin" / "python")
    pip = [python, "-I", "-m", "pip", "install", "--no-input", "--disable-pip-version-check"]
    pip += ["--timeout", str(PIP_SOCKET_TIMEOUT), "--retries", "2", *REQUIREMENTS]
    _run("pip install " + " ".join(REQUIREMENTS), pip, deadline)
    probe = _run("checking the installed Josev", [python, "-I", "-c", _PROBE], deadline)
    try:
        report = json.loads(probe.splitlines()[-1])
        return BuiltVenv(str(report["jar"]), {str(k): str(v) for k, v in report["installed"].items()})
    except (ValueError, IndexError, KeyError, TypeError) as exc:
        raise ReferenceUnavailable(f"checking the installed Josev gave unexpected output: {probe[-200:]!r}") from exc


def _run(what: str, command: Sequence[str], deadline: float) -> str:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ReferenceUnavailable(f"{what}: out of time for building the Josev venv")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=remaining, env=child_environment(), check=False
        )
    except subprocess.TimeoutExpired:
        raise ReferenceUnavailable(f"{what}: did not finish within {remaining:.0f} s") from None
    except OSError as exc:
        raise ReferenceUnavailable(f"{what}: cannot run {command[0]}: {exc.strerror}") from exc
    if done.returncode != 0:
        raise ReferenceUnavailable(f"{what} failed (exit {done.returncode}): {last_error_line(done.stderr)}")
    return done.stdout


def child_environment() -> dict[str, str]:
    """Our environment minus what would make the Josev interpreter see our packages instead of its own."""
    hidden = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONSAFEPATH"}
    return {name: value for name, value in os.environ.items() if name not in hidden}


def last_error_line(output: str, limit: int = 300) -> str:
    """The line of a tool's output that best says why it failed: the last `ERROR:` line, else the last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:") or "Error" in line.split(":", 1)[0]]
    chosen = (errors or lines or ["(no output)"])[-1]
    return chosen if len(chosen) <= limit else chosen[: limit - 3] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {MODULE}", description="Build (or reuse) the Josev venv and print its path."
    )
    parser.add_argument("--path", type=Path, help=f"where the venv lives (default: ${ENV_VENV} or the user cache)")
    parser.add_argument("--check", action="store_true", help="only report whether it is there; build nothing")
    parser.add_argument("--install-timeout", type=float, default=DEFAULT_INSTALL_TIMEOUT, metavar="SECONDS")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if args.check:
        state = availability(create=False, path=args.path)
        if not state.ok:
            print(state.reason, file=sys.stderr)
            return 1
        assert state.environment is not None
        print(state.environment.path)
        return 0
    if java_executable() is None:
        print("warning: no `java` on PATH; the venv is built but the codec will not start", file=sys.stderr)
    try:
        environment = ensure_josev_venv(args.path, install_timeout=args.install_timeout)
    except ReferenceUnavailable as exc:
        print(f"cannot build the Josev venv: {exc}", file=sys.stderr)
        return 1
    print(environment.path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
