"""`harness lab check`: connect every instrument of a lab file, show who answered and the envelope in force.

A virtual lab is brought up first (CSMS and virtual station with its virtual bench), exactly as a run would;
every instrument ends in its safe state whatever happened.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

from harness.config import Dut, Lab
from harness.evidence import Evidence
from harness.lab import Bench
from harness.lab_instruments import ROLE_TITLES, LabInstruments
from harness.verdict import LabError
from instruments.guard import Arming

Print = Callable[[str], None]


def check_lab(lab: Lab, lab_path: Path, dut: Dut, say: Print) -> bool:
    """True when every instrument answered; prints identities, protection read-backs and the envelope."""
    with tempfile.TemporaryDirectory(prefix="harness-lab-check-") as scratch:
        evidence = Evidence(Path(scratch))
        try:
            return asyncio.run(_check(lab, lab_path, dut, evidence, Path(scratch), say))
        finally:
            evidence.close()


async def _check(lab: Lab, lab_path: Path, dut: Dut, evidence: Evidence, scratch: Path, say: Print) -> bool:
    say(f"lab: {lab.name} ({lab.kind})")
    if not lab.instruments:
        say("no instruments are configured")
        return True
    # Nothing is energised by a check: the bench stays unarmed even on a real lab.
    arming = Arming(required=lab.kind == "real")
    bench: Bench | None = None
    resources: dict[str, str] = {}
    if lab.kind == "virtual":
        bench = Bench(lab, lab_path, dut, evidence, [], scratch, arming, open_instruments=False)
        try:
            await bench.start()
        except LabError as exc:
            say(f"the virtual lab did not come up: {exc}")
            await bench.stop()
            return False
        assert bench.station is not None
        resources = bench.station.instruments
    instruments = LabInstruments(lab, lab_path, evidence, arming, resources)
    try:
        problems = await asyncio.to_thread(instruments.open_each)
        for role, entry in lab.instruments.items():
            title = f"{ROLE_TITLES[role]:<15} {entry.driver:<16}"
            opened = instruments.opened.get(role)
            if opened is None:
                say(f"  FAIL {title} {problems.get(role, 'not opened')}")
                continue
            say(f"  ok   {title} {opened.identity}")
            if opened.protection:
                limits = ", ".join(f"{k} {v:g}" for k, v in opened.protection.items())
                say(f"       protection read back: {limits}")
        if instruments.envelope is not None:
            say("safety envelope in force:")
            for line in instruments.envelope.describe():
                say(f"  {line}")
    finally:
        reports = await asyncio.to_thread(instruments.safe_state_all)
        for report in reports:
            state = "safe" if report.ok else f"NOT SAFE: {'; '.join(report.errors)}"
            say(f"  {report.instrument}: {state}")
        if bench is not None:
            await bench.stop()
    return not problems and all(report.ok for report in reports)
