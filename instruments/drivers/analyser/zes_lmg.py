"""ZES ZIMMER LMG600 / LMG670 precision power analysers, driven in the LMG's SHORT command language.

Every measurement is `*OPC?` then one program message `INIM;UTRMS<n>?;ITRMS<n>?;P<n>?;S<n>?;Q<n>?;PF<n>?;FCYC<n>?;
HUHD<n>?;HIHD<n>?` per channel (`INIM` starts a fresh measuring cycle, so no answer predates the query). Σ is computed
by the driver from the channels (P, Q, S summed; U, I, f, THD averaged; PF = P/S): an LMG Σ query is not confirmed.

Where the commands were confirmed (public LMG670 drivers, not the vendor manual itself):
- `*ZLANG SHORT` / `*ZLANG SCPI`, `FRMT ASCii`, `CYCLMOD 0`, `CYCL <s>`, `INIM`, `UTRMS<n>?`, `ITRMS<n>?`, `P<n>?`,
  `S<n>?`, `Q<n>?`, `PF<n>?`, `FCYC<n>?`, `HUHD<n>?`, `HIHD<n>?`: the SunSpec SVP LMG670 driver and lmgtools.
- Errors are read in the SCPI language (`SYST:ERR?` after `*ZLANG SCPI`), as both public drivers do; the driver
  switches back to SHORT afterwards. That `SYST:ERR?` is refused under SHORT is assumed, not confirmed.
Missing: the LMG energy (integration) commands were not at hand, so `energy()` integrates polled P in software
(`common.PolledEnergy`): less accurate than the LMG's own integrator; call `poll_energy()` (or `measure("sigma")`)
often while integrating. The unit of HUHD/HIHD (taken as %) is not confirmed either.
"""

from __future__ import annotations

from collections.abc import Sequence

from instruments.capabilities import ElementReading
from instruments.drivers.analyser.common import (
    PolledAnalyser,
    PolledEnergy,
    clock_option,
    configured,
    elements_option,
    open_session,
    readings_from,
)
from instruments.registry import DriverSpec
from instruments.scpi import ScpiInstrument, ScpiSession

QUERIES = ("UTRMS", "ITRMS", "P", "S", "Q", "PF", "FCYC", "HUHD", "HIHD")
DEFAULT_CYCLE_S = 0.1


class ZesLmg(PolledAnalyser, ScpiInstrument):
    """A ZES LMG600-family analyser satisfying `PowerAnalyzer` (energy by software integration)."""

    def __init__(self, session: ScpiSession, elements: int, polled: PolledEnergy, cycle_s: float) -> None:
        super().__init__(session)
        self._elements = elements
        self._polled = polled
        self._cycle_s = cycle_s

    def configure(self) -> None:
        """Clear stale errors; SHORT language, ASCII answers, a fixed measuring cycle."""
        self.reset_status()
        self.command("*ZLANG SHORT")
        self.command("FRMT ASC")
        self.command("CYCLMOD 0")
        self.command(f"CYCL {self._cycle_s:g}")

    def check_errors(self, after: str) -> None:
        """The error queue is read in the SCPI language; return to SHORT even when errors were found."""
        self.session.write("*ZLANG SCPI")
        try:
            super().check_errors(after)
        finally:
            self.session.write("*ZLANG SHORT")

    def _read(self, channels: Sequence[int]) -> list[ElementReading]:
        # *OPC? first: over a socket a read right after a change can otherwise return the previous cycle.
        self.wait_complete()
        message = ";".join(["INIM"] + [f"{name}{k}?" for k in channels for name in QUERIES])
        return readings_from(self.query_floats(message, len(QUERIES) * len(channels)))

    def _powers(self) -> list[float]:
        self.wait_complete()
        message = ";".join(["INIM"] + [f"P{k}?" for k in range(1, self._elements + 1)])
        return self.query_floats(message, self._elements)


def open_driver(spec: DriverSpec) -> ZesLmg:
    """Open and configure an LMG600/670; options: `elements` (3), `cycle_s` (0.1), `clock` (software integration)."""
    elements = elements_option(spec.options)
    cycle_s = float(spec.options.get("cycle_s", DEFAULT_CYCLE_S))
    polled = PolledEnergy(elements, clock_option(spec.options))
    return configured(ZesLmg(open_session(spec), elements, polled, cycle_s))
