"""Clock-aligned meter data (J01): samples on wall-clock boundaries of AlignedDataCtrlr.Interval and TxEndedInterval."""

from __future__ import annotations

from collections.abc import Callable

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.clock import Clock, next_aligned
from harness.virtual.device_model import DeviceModel, VariableKey
from harness.virtual.evse import Evse
from harness.virtual.faults import FaultSet
from harness.virtual.metering import meter_value
from harness.virtual.outbox import Outbox
from harness.virtual.transactions import TransactionEngine


class AlignedSampler:
    """At each boundary: MeterValues for idle EVSEs; MeterValueClock events and TxEnded samples in a transaction."""

    def __init__(
        self,
        dm: DeviceModel,
        clock: Clock,
        outbox: Outbox,
        engine: TransactionEngine,
        evses: list[Evse],
        online: Callable[[], bool],
        faults: FaultSet | None = None,
    ) -> None:
        self._dm = dm
        self._faults = faults or FaultSet()
        self._clock = clock
        self._outbox = outbox
        self._engine = engine
        self._evses = evses
        self._online = online
        self._due: dict[VariableKey, float] = {}

    def reschedule(self) -> None:
        """An interval changed: the next boundaries are computed afresh on the next tick."""
        self._due.clear()

    def tick(self, epoch_s: float) -> None:
        for variable, fire in (
            (dmc.ALIGNED_INTERVAL, self._fire_interval),
            (dmc.ALIGNED_TX_ENDED_INTERVAL, self._fire_tx_ended),
        ):
            interval = self._dm.get_int(variable)
            if interval <= 0:
                self._due.pop(variable, None)
                continue
            due = self._due.get(variable)
            if due is None:
                self._due[variable] = next_aligned(epoch_s, interval)
            elif epoch_s >= due:
                self._due[variable] = next_aligned(epoch_s, interval)
                fire(self._clock.stamp_epoch(due))

    def _fire_interval(self, stamp: str) -> None:
        in_transaction = any(evse.tx is not None for evse in self._evses)
        only_idle = self._dm.get_bool(dmc.ALIGNED_SEND_DURING_IDLE) and not self._faults.active(
            F.ALIGNED_SEND_DURING_IDLE_IGNORED
        )
        if in_transaction and only_idle:
            return  # SendDuringIdle: no clock-aligned data while a transaction runs
        measurands = self._dm.get_list(dmc.ALIGNED_MEASURANDS)
        for evse in self._evses:
            if evse.tx is not None:
                self._engine.clock_aligned(evse, stamp, tx_data=True, ended_data=False)
                continue
            sign = self._engine.signer_for(evse, dmc.ALIGNED_SIGN_READINGS)
            sample = meter_value(evse.meter, measurands, "Sample.Clock", stamp, sign)
            if sample is not None and self._online() and self._outbox.has_room():
                self._outbox.put("MeterValues", {"evseId": evse.id, "meterValue": [sample]})

    def _fire_tx_ended(self, stamp: str) -> None:
        for evse in self._evses:
            self._engine.clock_aligned(evse, stamp, tx_data=False, ended_data=True)
