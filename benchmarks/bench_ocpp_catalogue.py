"""How long the OCPP 2.0.1 catalogue takes against the virtual lab: wall time, time per case, the slowest cases.

Run on demand: `python benchmarks/bench_ocpp_catalogue.py [-k EXPRESSION]` (default: every `_CS` case). The target
of the certification-suite issue is at most 1 s per case on average on a 2-core machine; the slowest cases show
where the waiting is (boot, heartbeat, retry and offline timers of the virtual lab).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_PER_CASE_S = 1.0
SLOWEST = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="keyword", default="_CS", help="pytest -k expression (default: %(default)s)")
    options = parser.parse_args()
    run_dir = Path(tempfile.mkdtemp(prefix="bench-ocpp-")) / "run"
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", "-k", options.keyword, "--out", str(run_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.monotonic() - started
    results_path = run_dir / "results.jsonl"
    if not results_path.exists():
        print(f"the run recorded nothing (exit {finished.returncode}):\n{finished.stderr[-2000:]}")
        return 1
    results = [json.loads(line) for line in results_path.read_text().splitlines() if line.strip()]
    ran = [r for r in results if r["verdict"] != "not_applicable"]
    durations = [float(r["duration_s"]) for r in ran]
    verdicts: dict[str, int] = {}
    for record in results:
        verdicts[record["verdict"]] = verdicts.get(record["verdict"], 0) + 1
    print(f"{len(results)} cases ({len(ran)} run), verdicts {verdicts}, harness exit {finished.returncode}")
    print(f"wall time {wall:.1f} s (start-up included): {wall / max(len(ran), 1):.2f} s per case run")
    if durations:
        mean = statistics.mean(durations)
        verdict = "met" if mean <= TARGET_PER_CASE_S else "missed"
        print(
            f"case time: mean {mean:.2f} s, median {statistics.median(durations):.2f} s, "
            f"max {max(durations):.2f} s; target {TARGET_PER_CASE_S:g} s: {verdict}"
        )
    print("slowest:")
    for record in sorted(ran, key=lambda r: -float(r["duration_s"]))[:SLOWEST]:
        print(f"  {float(record['duration_s']):6.2f} s  {record['id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
