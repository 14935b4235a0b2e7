"""EXI codec speed: our pure-Python codec and the Java codec inside PyPI iso15118, side by side in one run.

Run on demand: `python benchmarks/exi.py [--repeat N] [--json] [--no-java]`. For SessionSetupReq,
DC_ChargeLoopReq, DC_ChargeLoopRes and a ScheduleExchangeRes with a full schedule (3 schedule tuples of 1024
power entries), prints median and p95 µs of encode and decode for both codecs and the ratio. The Java times are
taken inside its bridge process around each call (py4j round trip included, as a Python caller pays it).
Target (issue 4): DC_ChargeLoopReq encode + decode median ≤ 100 µs and ≥ 200 times faster than the Java codec.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.iso15118.exi.codec import grammar, namespace_urn
from harness.iso15118.exi.jsonform import to_json
from harness.iso15118.messages.base import message_document
from harness.iso15118.messages.common_messages import (
    ChargingSchedule,
    PowerSchedule,
    PowerScheduleEntry,
    PowerScheduleEntryList,
    Scheduled_SEResControlMode,
    ScheduleExchangeRes,
    ScheduleTuple,
    SessionSetupReq,
)
from harness.iso15118.messages.common_types import (
    EvseNotification,
    EVSEStatus,
    MessageHeader,
    Processing,
    RationalNumber,
    ResponseCode,
)
from harness.iso15118.messages.dc import (
    DC_ChargeLoopReq,
    DC_ChargeLoopRes,
    Scheduled_DC_CLReqControlMode,
    Scheduled_DC_CLResControlMode,
)

HEADER = MessageHeader(session_id=bytes.fromhex("0a1b2c3d4e5f6071"), time_stamp=1_763_800_000)


def _r(value: int, exponent: int = 0) -> RationalNumber:
    return RationalNumber(exponent=exponent, value=value)


def documents() -> dict[str, tuple[str, dict[str, Any]]]:
    """Name -> (namespace, document) of the benchmarked messages."""
    loop_req = DC_ChargeLoopReq(
        header=HEADER, meter_info_requested=False, ev_present_voltage=_r(400),
        scheduled_dc_cl_req_control_mode=Scheduled_DC_CLReqControlMode(
            ev_target_energy_request=_r(40, 3), ev_maximum_energy_request=_r(60, 3), ev_minimum_energy_request=_r(-20),
            ev_target_current=_r(125), ev_target_voltage=_r(400), ev_maximum_charge_power=_r(50, 3),
            ev_minimum_charge_power=_r(0), ev_maximum_charge_current=_r(200), ev_maximum_voltage=_r(450),
        ),
    )  # fmt: skip
    loop_res = DC_ChargeLoopRes(
        header=HEADER, response_code=ResponseCode.OK,
        evse_status=EVSEStatus(notification_max_delay=0, evse_notification=EvseNotification.Pause),
        evse_present_current=_r(124), evse_present_voltage=_r(401), evse_power_limit_achieved=False,
        evse_current_limit_achieved=False, evse_voltage_limit_achieved=False,
        scheduled_dc_cl_res_control_mode=Scheduled_DC_CLResControlMode(
            evse_maximum_charge_power=_r(150, 3), evse_minimum_charge_power=_r(0), evse_maximum_charge_current=_r(300),
            evse_maximum_voltage=_r(920),
        ),
    )  # fmt: skip
    tuples = [
        ScheduleTuple(
            schedule_tuple_id=index + 1,
            charging_schedule=ChargingSchedule(
                power_schedule=PowerSchedule(
                    time_anchor=1_763_800_000,
                    power_schedule_entries=PowerScheduleEntryList(
                        power_schedule_entry=[
                            PowerScheduleEntry(duration=60, power=_r(11000 - (step % 50) * 100)) for step in range(1024)
                        ]
                    ),
                )
            ),
        )
        for index in range(3)
    ]
    schedule = ScheduleExchangeRes(
        header=HEADER, response_code=ResponseCode.OK, evse_processing=Processing.Finished,
        scheduled_se_res_control_mode=Scheduled_SEResControlMode(schedule_tuple=tuples),
    )  # fmt: skip
    setup = SessionSetupReq(header=HEADER, evccid="WMIV1234567890ABCDEX")
    return {
        "SessionSetupReq": ("common", message_document(setup)),
        "DC_ChargeLoopReq": ("dc", message_document(loop_req)),
        "DC_ChargeLoopRes": ("dc", message_document(loop_res)),
        "ScheduleExchangeRes (3 x 1024 entries)": ("common", message_document(schedule)),
    }


def _time(call: Callable[[], object], repeat: int) -> list[float]:
    for _ in range(max(10, repeat // 10)):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def _stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_us": round(statistics.median(ordered), 2),
        "p95_us": round(ordered[int(len(ordered) * 0.95) - 1], 2),
    }


def measure(repeat: int, with_java: bool) -> dict[str, Any]:
    results: dict[str, Any] = {"repeat": repeat, "messages": {}}
    java = None
    if with_java:
        try:
            from harness.iso15118.reference.java_codec import JavaExiCodec

            java = JavaExiCodec()
            java.start()
            results["java_codec"] = java.versions
        except Exception as exc:  # the benchmark still reports our side, and says why Java is missing
            results["java_unavailable"] = str(exc)
            java = None
    try:
        for name, (namespace, document) in documents().items():
            codec = grammar(namespace)
            data = codec.encode(document)
            big = len(data) > 10_000
            runs = max(20, repeat // 20) if big else repeat
            row: dict[str, Any] = {"bytes": len(data), "runs": runs}
            row["ours_encode"] = _stats(_time(functools.partial(codec.encode, document), runs))
            row["ours_decode"] = _stats(_time(functools.partial(codec.decode, data), runs))
            if java is not None:
                urn = namespace_urn(namespace)
                text = json.dumps(to_json(codec, document))
                assert java.encode(urn, text, strict=False) == data, f"{name}: the codecs disagree"
                java_runs = max(10, runs // 5)
                java.time_encode(urn, text, max(5, java_runs // 5))  # warm-up
                row["java_encode"] = _stats(java.time_encode(urn, text, java_runs))
                row["java_decode"] = _stats(java.time_decode(urn, data, java_runs))
                ours = row["ours_encode"]["median_us"] + row["ours_decode"]["median_us"]
                theirs = row["java_encode"]["median_us"] + row["java_decode"]["median_us"]
                row["ratio_encode_plus_decode"] = round(theirs / ours, 1)
            results["messages"][name] = row
    finally:
        if java is not None:
            java.close()
    loop = results["messages"]["DC_ChargeLoopReq"]
    total = loop["ours_encode"]["median_us"] + loop["ours_decode"]["median_us"]
    results["target"] = {
        "DC_ChargeLoopReq_encode_plus_decode_median_us": round(total, 1),
        "median_at_most_100_us": total <= 100,
        "ratio": loop.get("ratio_encode_plus_decode"),
        "at_least_200x": (loop.get("ratio_encode_plus_decode") or 0) >= 200,
    }
    return results


def _print(results: dict[str, Any]) -> None:
    print(f"EXI codec benchmark ({results['repeat']} runs per message; times in µs, median / p95)")
    if "java_unavailable" in results:
        print(f"Java codec unavailable: {results['java_unavailable']}")
    header = (
        f"{'message':40} {'bytes':>7} {'ours enc':>15} {'ours dec':>15} {'java enc':>17} {'java dec':>17} {'ratio':>7}"
    )
    print(header)
    for name, row in results["messages"].items():

        def cell(key: str, width: int, row: dict[str, Any] = row) -> str:
            value = row.get(key)
            return f"{value['median_us']:>{width - 9}.1f} /{value['p95_us']:>7.1f}" if value else f"{'-':>{width}}"

        ratio = row.get("ratio_encode_plus_decode")
        print(
            f"{name:40} {row['bytes']:>7} {cell('ours_encode', 15)} {cell('ours_decode', 15)} "
            f"{cell('java_encode', 17)} {cell('java_decode', 17)} {(str(ratio) + 'x') if ratio else '-':>7}"
        )
    target = results["target"]
    print(
        f"DC_ChargeLoopReq encode + decode: {target['DC_ChargeLoopReq_encode_plus_decode_median_us']} µs median "
        f"(target ≤ 100: {'met' if target['median_at_most_100_us'] else 'NOT met'}); "
        f"{target['ratio']}x the Java codec (target ≥ 200x: {'met' if target['at_least_200x'] else 'NOT met'})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000, help="timed runs per message and operation (ours)")
    parser.add_argument("--json", action="store_true", help="print the results as one JSON object")
    parser.add_argument("--no-java", action="store_true", help="measure our codec only")
    options = parser.parse_args()
    results = measure(options.repeat, not options.no_java)
    if options.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        _print(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
