"""The parking bay occupancy sensor of each EVSE (Part 5 C-09.6, C-10.5; E01.FR.01, E06.FR.01).

A vehicle driving into the bay makes TxCtrlr TxStartPoint/TxStopPoint ParkingBayOccupancy hold (trigger
EVDetected); leaving the bay ends it (trigger EVDeparted). A transaction ended by the departure keeps the reason
its session was stopped with (Remote, Local), as when the cable is pulled out after a stop.
"""

from __future__ import annotations

import logging

from harness.virtual import faults as F
from harness.virtual.evse import Evse
from harness.virtual.faults import FaultSet
from harness.virtual.manual import ControlError
from harness.virtual.transactions import TransactionEngine

log = logging.getLogger("harness.virtual")


class ParkingBay:
    """Reads the bay sensors and feeds their changes to the transaction engine."""

    def __init__(self, faults: FaultSet, engine: TransactionEngine) -> None:
        self._faults, self._engine = faults, engine

    def entered(self, evse: Evse) -> None:
        if evse.bay_occupied:
            raise ControlError(409, f"a vehicle already stands in the parking bay of EVSE {evse.id}")
        if self._faults.active(F.PARKING_BAY_SENSOR_UNREAD):
            log.info("EVSE %d: a vehicle drove into the parking bay, sensor not read (fault)", evse.id)
            return
        evse.bay_occupied = True
        log.info("EVSE %d: a vehicle drove into the parking bay", evse.id)
        self._engine.evaluate(evse, "EVDetected")

    def left(self, evse: Evse) -> None:
        if not evse.bay_occupied and not self._faults.active(F.PARKING_BAY_SENSOR_UNREAD):
            raise ControlError(409, f"no vehicle in the parking bay of EVSE {evse.id}")
        evse.bay_occupied = False
        log.info("EVSE %d: the vehicle left the parking bay", evse.id)
        # Stopped by nobody (the stop point alone ended it): the driver left, as after a local stop.
        self._engine.evaluate(evse, "EVDeparted", stopped_reason="Local")
