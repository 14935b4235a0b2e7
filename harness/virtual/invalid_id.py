"""How a running transaction reacts when the CSMS answers its idToken with a status other than Accepted (E05, C15).

StopTxOnInvalidId true ends it at once, whatever MaxEnergyOnInvalidId says. Otherwise the transaction goes on,
still authorized (so the same idToken can stop it): with MaxEnergyOnInvalidId 0 the energy stops at once
(SuspendedEVSE); above 0 it flows on until that many Wh more have been delivered, counted from the deauthorization.
"""

from __future__ import annotations

from enum import Enum

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.device_model import DeviceModel
from harness.virtual.evse import Evse
from harness.virtual.faults import FaultSet
from harness.virtual.power import STEP_S


class Reaction(Enum):
    IGNORE = "ignore"  # only under the invalid-id-in-transaction-ignored fault
    END = "end"
    SUSPEND = "suspend"
    CAP = "cap"


def reaction(dm: DeviceModel, faults: FaultSet) -> tuple[Reaction, int]:
    """What to do with the transaction, and the energy (Wh) it may still draw under Reaction.CAP."""
    if faults.active(F.INVALID_ID_IN_TRANSACTION_IGNORED):
        return Reaction.IGNORE, 0
    if dm.get_bool(dmc.STOP_TX_ON_INVALID_ID):
        return Reaction.END, 0
    cap = dm.get_int(dmc.MAX_ENERGY_ON_INVALID_ID)
    return (Reaction.CAP, cap) if cap > 0 else (Reaction.SUSPEND, 0)


def cap_reached(evse: Evse) -> bool:
    """The capped energy is used up. The power lag lets about P x tau more flow after the contactor is told to open,
    and the next check comes one plant step later, so the station opens it that much earlier: the register stops
    at the cap, not above it."""
    tx = evse.tx
    if tx is None or tx.energy_cap_wh is None or evse.evse_suspended:
        return False
    meter = evse.meter
    still_to_flow_wh = max(meter.power_w, 0.0) * (meter.tau_s + STEP_S) / 3600.0
    return meter.register_wh + still_to_flow_wh >= tx.energy_cap_wh
