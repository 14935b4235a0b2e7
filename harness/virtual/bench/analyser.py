"""Virtual power analysers on the shared plant, one per driver dialect: Yokogawa WT, ZES LMG, HIOKI PW.

Elements 1..3 are the phases of the station's supply: U_k = plant voltage of phase k; P and Q are split evenly over
the phases; S = sqrt(P² + Q²), I = S/U, PF = P/S (1 when S = 0), f = plant frequency. THD_U rises from 1.2 % to 2 %
with load; THD_I falls from 40 % at no load to 4 % at 16 A (a rectifier front end's typical shape). Σ is what the
instrument itself would compute from its noisy elements (P, Q, S summed; U, I averaged; PF = P/S).

Every reading carries Gaussian noise whose standard deviation is noise_pct % of its range. The ranges (per element)
are those of a 300 V / 50 A input: U 300 V, I 50 A, P/Q/S 15 kW; PF 1; THD 10 %; frequency 1 Hz (a counter resolves
far finer than a level range, so a percentage of the 45-65 Hz span would be unrealistically coarse).

Energy is integrated from the true plant P (trapezoid, per element and Σ, import and export apart) on every plant
step while integration runs, independently of the station's own register and of the driver's code; the elapsed time
advances with the plant's dt. Lab fault "analyser-stale-reading" (`stale=True`): every measurement answer repeats
the first one the device ever gave, energy included, so it never changes after the first read.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, fields

from harness.virtual.bench.scpi_server import Behaviour, Handler, ScpiDevice, ScpiExecutionError
from harness.virtual.plant import Plant
from instruments.capabilities import ElementReading

ELEMENTS = 3
VOLTAGE_RANGE_V = 300.0
CURRENT_RANGE_A = 50.0
POWER_RANGE_W = 15000.0
PF_RANGE = 1.0
THD_RANGE_PCT = 10.0
FREQUENCY_RANGE_HZ = 1.0
RATED_CURRENT_A = 16.0
KEYS = ("1", "2", "3", "SIGMA")


@dataclass(frozen=True)
class Snapshot:
    """One measurement: readings per key ("1".."3", "SIGMA") and the integrator's registers at that instant."""

    readings: dict[str, ElementReading]
    import_wh: dict[str, float]
    export_wh: dict[str, float]
    elapsed_s: float


def _segment_wh(p0: float, p1: float, dt_s: float) -> tuple[float, float]:
    """(import, export) Wh of one linear step; a sign change is split at zero so nothing is netted away."""
    if p0 * p1 >= 0.0:
        area = (p0 + p1) / 2.0 * dt_s / 3600.0
        return (area, 0.0) if area >= 0.0 else (0.0, -area)
    share = p0 / (p0 - p1)
    first, second = p0 * share * dt_s / 7200.0, p1 * (1.0 - share) * dt_s / 7200.0
    return max(first, second), -min(first, second)


class VirtualAnalyser(ScpiDevice):
    """What every dialect shares: noisy plant readings, the stale fault, and the independent integrator."""

    def __init__(
        self,
        name: str,
        plant: Plant,
        behaviour: Behaviour | None = None,
        *,
        stale: bool = False,
        noise_pct: float = 0.1,
        seed: int | None = None,
    ) -> None:
        super().__init__(name, behaviour)
        self.plant = plant
        self.stale = stale
        self.noise_pct = noise_pct
        self._random = random.Random(seed)
        self._first: Snapshot | None = None
        self.integrating = False
        self._import = dict.fromkeys(KEYS, 0.0)
        self._export = dict.fromkeys(KEYS, 0.0)
        self.elapsed_s = 0.0
        self._last_p = self._true_powers()
        plant.observe(self._integrate)
        self._install()

    def _install(self) -> None:
        """Add the dialect's commands and state (subclasses)."""

    def output_state(self) -> dict[str, object]:
        return {"integrating": self.integrating}

    def reset_integrator(self) -> None:
        self._import = dict.fromkeys(KEYS, 0.0)
        self._export = dict.fromkeys(KEYS, 0.0)
        self.elapsed_s = 0.0

    def snapshot(self) -> Snapshot:
        """The reading a query answers from: fresh and noisy, or under the stale fault the very first one."""
        if self.stale and self._first is not None:
            return self._first
        readings = {str(k): self._element(k) for k in range(1, ELEMENTS + 1)}
        readings["SIGMA"] = _sigma(list(readings.values()))
        snap = Snapshot(readings, dict(self._import), dict(self._export), self.elapsed_s)
        if self._first is None:
            self._first = snap
        return snap

    # ------------------------------------------------------------ physics

    def _true_powers(self) -> dict[str, float]:
        total = self.plant.active_power_w()
        return {**dict.fromkeys(KEYS[:ELEMENTS], total / ELEMENTS), "SIGMA": total}

    def _integrate(self, dt_s: float) -> None:
        powers = self._true_powers()
        if self.integrating:
            for key in KEYS:
                imported, exported = _segment_wh(self._last_p[key], powers[key], dt_s)
                self._import[key] += imported
                self._export[key] += exported
            self.elapsed_s += dt_s
        self._last_p = powers

    def _element(self, k: int) -> ElementReading:
        u = self.plant.voltage_v(k)
        p = self.plant.active_power_w() / ELEMENTS
        q = self.plant.reactive_power_var() / ELEMENTS
        s = math.hypot(p, q)
        i = s / u if u > 0.0 else 0.0
        load = min(i / RATED_CURRENT_A, 1.0)
        return ElementReading(
            voltage_v=self._noisy(u, VOLTAGE_RANGE_V),
            current_a=abs(self._noisy(i, CURRENT_RANGE_A)),
            active_power_w=self._noisy(p, POWER_RANGE_W),
            reactive_power_var=self._noisy(q, POWER_RANGE_W),
            apparent_power_va=abs(self._noisy(s, POWER_RANGE_W)),
            power_factor=max(-1.0, min(1.0, self._noisy(p / s if s > 0.0 else 1.0, PF_RANGE))),
            frequency_hz=self._noisy(self.plant.frequency_hz(), FREQUENCY_RANGE_HZ),
            voltage_thd_pct=abs(self._noisy(1.2 + 0.8 * load, THD_RANGE_PCT)),
            current_thd_pct=abs(self._noisy(4.0 + 36.0 * (1.0 - load), THD_RANGE_PCT)),
        )

    def _noisy(self, value: float, span: float) -> float:
        return value + self._random.gauss(0.0, self.noise_pct / 100.0 * span)


def _sigma(readings: list[ElementReading]) -> ElementReading:
    p = sum(r.active_power_w for r in readings)
    s = sum(r.apparent_power_va for r in readings)
    n = len(readings)
    return ElementReading(
        voltage_v=sum(r.voltage_v for r in readings) / n,
        current_a=sum(r.current_a for r in readings) / n,
        active_power_w=p,
        reactive_power_var=sum(r.reactive_power_var for r in readings),
        apparent_power_va=s,
        power_factor=p / s if s > 0.0 else 1.0,
        frequency_hz=readings[0].frequency_hz,
        voltage_thd_pct=sum(r.voltage_thd_pct for r in readings) / n,
        current_thd_pct=sum(r.current_thd_pct for r in readings) / n,
    )


FIELD_NAMES = [f.name for f in fields(ElementReading)]  # U, I, P, Q, S, PF, f, THD U, THD I
# Each dialect's names for those fields, in the same order.
WT_FUNCTIONS = dict(zip(("URMS", "IRMS", "P", "Q", "S", "LAMB", "FU", "UTHD", "ITHD"), FIELD_NAMES, strict=True))
WT_ELEMENT_ONLY = ("FU", "UTHD", "ITHD")  # no Σ value: answered NAN
LMG_QUERIES = dict(zip(("UTRMS", "ITRMS", "P", "Q", "S", "PF", "FCYC", "HUHD", "HIHD"), FIELD_NAMES, strict=True))
HIOKI_ITEMS = dict(zip(("U", "I", "P", "Q", "S", "PF", "FREQU", "UTHD", "ITHD"), FIELD_NAMES, strict=True))
# The WT's :INTEGrate state machine: command -> (states it is accepted in, state after it).
WT_INTEGRATION = {"RES": (("RES", "STOP"), "RES"), "STAR": (("RES", "STOP"), "STAR"), "STOP": (("STAR",), "STOP")}
HIOKI_ITEM = re.compile(r"(U|I|P|S|Q|PF|FREQU|UTHD|ITHD)([1-9])", re.IGNORECASE)


def _field(snap: Snapshot, key: str, field: str) -> float:
    value: float = getattr(snap.readings[key], field)
    return value


class VirtualYokogawaWT(VirtualAnalyser):
    """WT5000 dialect: a `:NUMeric` item list read with `:NUM:NORM:VAL?`, and the `:INTEGrate` group."""

    identity = "YOKOGAWA,WT5000,VIRTUAL01,F1.00"
    energy_functions = ("WP", "WPP", "WPM")

    def _install(self) -> None:
        self.items: dict[int, tuple[str, str]] = {}
        self.count = 15
        self.state = "RES"
        self.add("COMMunicate:HEADer", lambda a, s: None)
        self.add("NUMeric:FORMat", self._format)
        self.add("NUMeric[:NORMal]:NUMBer", self._number)
        self.add("NUMeric[:NORMal]:ITEM<n>", self._item)
        self.add("NUMeric[:NORMal]:VALue?", self._values)
        for header, command in (("RESet", "RES"), ("STARt", "STAR"), ("STOP", "STOP")):
            self.add(f"INTEGrate:{header}", self._integration(command))
        self.add("INTEGrate:STATe?", lambda a, s: self.state)

    def reset(self) -> None:
        self.items, self.count, self.state, self.integrating = {}, 15, "RES", False
        self.reset_integrator()

    def _format(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        if not arguments or arguments[0].upper() not in ("ASC", "ASCII"):
            raise ScpiExecutionError(-224, "Illegal parameter value")  # only ASCII is modelled

    def _number(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        if len(arguments) != 1 or not arguments[0].isdigit() or not 1 <= int(arguments[0]) <= 255:
            raise ScpiExecutionError(-222, "Data out of range")
        self.count = int(arguments[0])

    def _item(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        function, element = (a.upper() for a in [*arguments, "", ""][:2])
        function = "LAMB" if function == "LAMBDA" else function
        known = {*WT_FUNCTIONS, *self.energy_functions, "TIME", "NONE"}
        if not 1 <= suffixes[0] <= 255 or function not in known or element not in KEYS:
            raise ScpiExecutionError(-224, "Illegal parameter value")
        self.items[suffixes[0]] = (function, element)

    def _values(self, arguments: list[str], suffixes: tuple[int, ...]) -> str:
        snap = self.snapshot()
        return ",".join(self._value(snap, *self.items.get(k, ("NONE", "1"))) for k in range(1, self.count + 1))

    def _value(self, snap: Snapshot, function: str, element: str) -> str:
        total, plus, minus = self.energy_functions
        if function == "TIME":
            return str(round(snap.elapsed_s))
        if function in (total, plus, minus):
            imported, exported = snap.import_wh[element], snap.export_wh[element]
            value = {total: imported - exported, plus: imported, minus: -exported}[function]
        elif function in WT_FUNCTIONS and not (function in WT_ELEMENT_ONLY and element == "SIGMA"):
            value = _field(snap, element, WT_FUNCTIONS[function])
        else:
            return "NAN"
        return f"{value:.5E}"

    def _integration(self, command: str) -> Handler:
        accepted_in, after = WT_INTEGRATION[command]

        def apply(arguments: list[str], suffixes: tuple[int, ...]) -> None:
            if self.state not in accepted_in:
                raise ScpiExecutionError(-221, "Settings conflict")  # e.g. RESet while integrating
            if after == "RES":
                self.reset_integrator()
            self.state, self.integrating = after, after == "STAR"

        return apply


class VirtualYokogawaWT1800(VirtualYokogawaWT):
    """WT1800 dialect: the same, with the WT1800's watt-hour symbols WH, WHP, WHM."""

    identity = "YOKOGAWA,WT1806,VIRTUAL01,F1.00"
    energy_functions = ("WH", "WHP", "WHM")


class VirtualZesLmg(VirtualAnalyser):
    """LMG670 dialect: SHORT-language queries after `*ZLANG SHORT`; `INIM` starts a new measuring cycle."""

    identity = "ZES ZIMMER Electronic Systems GmbH,LMG670,VIRTUAL01,1.00"

    def _install(self) -> None:
        self.language = "SCPI"
        self.cycle: Snapshot | None = None
        self.add("*ZLANG", self._zlang)
        for setting in ("FRMT", "CYCLMOD", "CYCL"):
            self.add(setting, self._short_setting)
        self.add("INIM", self._initiate)
        for name, field in LMG_QUERIES.items():
            self.add(f"{name}<n>?", self._query(field))

    def output_state(self) -> dict[str, object]:
        return {**super().output_state(), "language": self.language}

    def _zlang(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        if not arguments or arguments[0].upper() not in ("SHORT", "SCPI"):
            raise ScpiExecutionError(-224, "Illegal parameter value")
        self.language = arguments[0].upper()

    def _require_short(self) -> None:
        if self.language != "SHORT":
            raise ScpiExecutionError(-113, "Undefined header")  # SHORT headers mean nothing in SCPI mode

    def _short_setting(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        self._require_short()
        if len(arguments) != 1:
            raise ScpiExecutionError(-109, "Missing parameter")

    def _initiate(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        self._require_short()
        self.cycle = self.snapshot()

    def _query(self, field: str) -> Handler:
        def answer(arguments: list[str], suffixes: tuple[int, ...]) -> str:
            self._require_short()
            if not 1 <= suffixes[0] <= ELEMENTS:
                raise ScpiExecutionError(-224, "Illegal parameter value")
            snap = self.cycle or self.snapshot()
            return f"{_field(snap, str(suffixes[0]), field):.6E}"

        return answer


class VirtualHiokiPw(VirtualAnalyser):
    """PW8001 dialect: `:MEASure? <items>` answered in the order asked, headers switchable with `:HEADer`."""

    identity = "HIOKI,PW8001,VIRTUAL01,V1.00"

    def _install(self) -> None:
        self.headers = True  # HIOKI's default: answers carry their headers
        self.add("HEADer", self._header)
        self.add("HEADer?", lambda a, s: "ON" if self.headers else "OFF")
        self.add("MEASure[:POWer]?", self._measure)

    def _header(self, arguments: list[str], suffixes: tuple[int, ...]) -> None:
        if not arguments or arguments[0].upper() not in ("ON", "OFF", "1", "0"):
            raise ScpiExecutionError(-224, "Illegal parameter value")
        self.headers = arguments[0].upper() in ("ON", "1")

    def _measure(self, arguments: list[str], suffixes: tuple[int, ...]) -> str:
        parsed = [HIOKI_ITEM.fullmatch(a.strip()) for a in arguments]
        if not parsed or any(m is None or int(m.group(2)) > ELEMENTS for m in parsed):
            raise ScpiExecutionError(-224, "Illegal parameter value")
        snap = self.snapshot()
        answers = []
        for match in parsed:
            assert match is not None
            value = _field(snap, match.group(2), HIOKI_ITEMS[match.group(1).upper()])
            text = f"{value:+.5E}"
            answers.append(f"{match.group(0).upper()} {text}" if self.headers else text)
        return ",".join(answers)


ANALYSER_DEVICES: dict[str, type[VirtualAnalyser]] = {
    "yokogawa-wt5000": VirtualYokogawaWT,
    "yokogawa-wt1800": VirtualYokogawaWT1800,
    "zes-lmg600": VirtualZesLmg,
    "hioki-pw8001": VirtualHiokiPw,
}
