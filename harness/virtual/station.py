"""The virtual charging station: wires the parts together and owns power cycle, reboot and factory reset."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Coroutine
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.aligned import AlignedSampler
from harness.virtual.auth_cache import AuthCache
from harness.virtual.authorization import Authorizer
from harness.virtual.availability import Availability
from harness.virtual.basic_auth import BasicAuthPassword
from harness.virtual.boot import BootController
from harness.virtual.certificate_signing import CertificateSigning
from harness.virtual.certificates import CertificateStore, factory_for
from harness.virtual.claims import DEFAULT_CLAIMS, MASTER_PASS_UI
from harness.virtual.clock import Clock
from harness.virtual.combined_certificate import CombinedCertificate
from harness.virtual.connection import Link, Target
from harness.virtual.customer import CustomerInformation
from harness.virtual.device_model import DeviceModel, VariableKey
from harness.virtual.display_messages import DisplayMessages
from harness.virtual.dm_catalog import StationIdentity
from harness.virtual.ev_side import EvSide, has_fixed_cable
from harness.virtual.evse import Evse, make_evses
from harness.virtual.evse_reset import EvseReset
from harness.virtual.external_limit import ExternalLimits
from harness.virtual.faults import FaultSet
from harness.virtual.features import StationFeatures, shape_catalog
from harness.virtual.firmware import FirmwareUpdater
from harness.virtual.handlers import CsmsRequests
from harness.virtual.local_list import LocalAuthList
from harness.virtual.logs import LogUploads
from harness.virtual.master_pass_ui import MasterPassMenu
from harness.virtual.meter_signing import MeterSigner, SigningPolicy
from harness.virtual.monitoring import Monitoring
from harness.virtual.network_profiles import ConnectionProfile, NetworkProfiles
from harness.virtual.outbox import Outbox
from harness.virtual.parking_bay import ParkingBay
from harness.virtual.plant import GridSupport, Plant
from harness.virtual.plug_lock import PlugLocks
from harness.virtual.power import RATED_POWER_W, STEP_S
from harness.virtual.reservation import Reservations
from harness.virtual.root_check import AdditionalRootCheck
from harness.virtual.rpc import Rpc
from harness.virtual.secc.config import SeccConfig
from harness.virtual.secc.server import SeccServer
from harness.virtual.secc_link import StationSeccLink
from harness.virtual.smart_charging import SmartCharging
from harness.virtual.station_certificate import StationCertificate, factory_client_files
from harness.virtual.tariff_cost import TariffCost
from harness.virtual.tls import StationTls, client_context, security_event_for
from harness.virtual.transactions import TransactionEngine
from harness.virtual.upgrade_guard import priority_guard
from harness.virtual.v2g_certificate import V2gCertificateRenewal

log = logging.getLogger("harness.virtual")

SLOW_REPLY_S = 12.0
REBOOT_PAUSE_S = 0.3
RESET_FLUSH_EXTRA_S = 2.0
ENERGY_DRIFT_SCALE = 1.03  # the energy-register-drifts fault: the register reads 3 % high


@dataclass(frozen=True)
class StationConfig:
    """Everything the command line decides about one station."""

    csms_url: str
    identity: StationIdentity
    password: str | None = None
    subprotocol: str = "ocpp2.0.1"
    evse_count: int = 1
    faults: tuple[str, ...] = field(default_factory=tuple)
    grid_support: GridSupport = field(default_factory=GridSupport)
    secc: SeccConfig | None = None  # ISO 15118-20 on the first EVSE; None: OCPP and basic charging only
    tls: StationTls | None = None  # security profiles 2 and 3 (wss://)
    manufacturer_root: Path | None = None  # L01: the factory CA firmware signing certificates must chain to
    features: StationFeatures = field(default_factory=StationFeatures)  # what the DUT profile claims
    claims: frozenset[str] = DEFAULT_CLAIMS  # Part 5 optional features it claims (harness/virtual/claims.py)


class Station:
    """One OCPP 2.0.1 charging station; `run` keeps it connected until asked to stop."""

    def __init__(self, config: StationConfig) -> None:
        self.config = config
        self.faults = FaultSet(config.faults)
        self.clock = Clock(omit_offset=self.faults.active(F.TIMESTAMP_WITHOUT_TIMEZONE))
        self.evses: list[Evse] = make_evses(config.evse_count)
        support = replace(config.grid_support, ignores_grid=self.faults.active(F.IGNORES_GRID))
        self.plant = Plant(support, rated_va=RATED_POWER_W * config.evse_count)
        for evse in self.evses:
            if self.faults.active(F.ENERGY_REGISTER_DRIFTS):
                evse.meter.register_scale = ENERGY_DRIFT_SCALE
            self.plant.meters.append(evse.meter)
        evse_ids = [evse.id for evse in self.evses]
        specs = dmc.build_catalog(config.identity, evse_ids, RATED_POWER_W)
        specs += dmc.secc_variables(config.secc.evse_id if config.secc is not None else None)
        catalog = shape_catalog(specs, config.features, config.claims, evse_ids)
        self.dm = DeviceModel(catalog, self.faults)
        self.outbox = Outbox(
            attempts=lambda: self.dm.get_int(dmc.MESSAGE_ATTEMPTS_TX),
            attempt_interval_s=lambda: float(self.dm.get_int(dmc.MESSAGE_ATTEMPT_INTERVAL_TX)),
        )
        self.outbox.retry_on_error = not self.faults.active(F.TX_EVENT_ERROR_NOT_RETRIED)
        self.outbox.retry_on_timeout = not self.faults.active(F.TX_EVENT_TIMEOUT_NOT_RETRIED)
        self.boot = BootController(config.identity, self.dm, self.faults, self.outbox, self._after_boot)
        self.availability = Availability(self.evses, self.clock, self.faults, self.outbox)
        self.engine = TransactionEngine(
            self.dm, self.clock, self.faults, self.outbox, self._online, self._transaction_ended
        )
        self.engine.signing = SigningPolicy(self.dm, self.faults, MeterSigner(config.identity.serial))
        self.ev_side = EvSide(
            self.dm, self.clock, self.faults, self.engine, self.availability,
            fixed_cable=has_fixed_cable(config.claims),
        )  # fmt: skip
        self.parking_bay = ParkingBay(self.faults, self.engine)
        self.authorizer = Authorizer(
            self.dm, self.clock, self.faults, self.outbox, self.engine, self._online, self.spawn
        )
        self.reservations = Reservations(self.dm, self.faults, self.outbox, self.evses, self.availability)
        self.display = DisplayMessages(
            self.faults, self.outbox, self.clock.epoch, lambda: {e.tx.id for e in self.evses if e.tx is not None}
        )
        self.authorizer.gate = self.reservations
        self.local_list = LocalAuthList(self.dm, self.faults)
        self.authorizer.local_list = self.local_list
        self.dm.bind(dmc.LOCAL_LIST_ENTRIES, lambda: str(self.local_list.count()))
        self.dm.bind(dmc.LOCAL_LIST_STORAGE, lambda: str(self.local_list.storage_bytes()))
        self.auth_cache = AuthCache(self.dm, self.clock, self.faults)
        self.authorizer.cache = self.auth_cache
        self.authorizer.evses = self.evses
        if MASTER_PASS_UI in config.claims:
            self.authorizer.master_pass_menu = MasterPassMenu(
                self.clock, self.faults, self.evses, self.authorizer.master_stop
            )
        self.engine.on_id_token_info = self.auth_cache.store_from_transaction
        self.dm.bind(dmc.AUTH_CACHE_STORAGE, lambda: str(self.auth_cache.storage_bytes()))
        self.aligned = AlignedSampler(
            self.dm, self.clock, self.outbox, self.engine, self.evses, self._online, self.faults
        )
        self.smart_charging = SmartCharging(self.dm, self.clock, self.engine, self.evses, self.faults)
        self.external_limits = ExternalLimits(self.smart_charging, self.outbox, self.clock)
        self.secc = SeccServer(config.secc, StationSeccLink(self, self.evses[0]), self.faults) if config.secc else None
        self.certificates = CertificateStore(factory_for(config.tls, self.secc), self.faults)
        secc_id = config.secc.evse_id if config.secc is not None else None
        self.signing = CertificateSigning(
            self.certificates, self.outbox, self.faults, self.spawn, dm=self.dm, security_event=self.security_event
        )
        self.station_certificate = StationCertificate(
            self.certificates, self.signing, self.dm, self.faults, config.identity, factory_client_files(config.tls),
            self._client_certificate_changed,
        )  # fmt: skip
        self.v2g_renewal = V2gCertificateRenewal(
            self.certificates, self.outbox, self.faults, secc_id, config.identity.vendor, self.spawn, self.signing
        )
        self.combined_certificate = CombinedCertificate(
            self.certificates, self.signing, self.station_certificate, self.dm, self.faults,
            secc_id or config.identity.serial, config.claims,
        )  # fmt: skip
        self.firmware = FirmwareUpdater(self, config.manufacturer_root)
        self.logs = LogUploads(self)
        self.monitoring = Monitoring(self.dm, self.faults, self.outbox, self.clock, evse_ids)
        self.monitoring.transaction_of = self._transaction_on
        self.monitoring.online = self._online
        self.plug_locks = PlugLocks(self.dm, self.monitoring)
        self.engine.lock_watch = self.plug_locks.watch
        self.customer = CustomerInformation(self)
        self.tariff_cost = TariffCost(self.faults)
        self.outbox.usable = self.tariff_cost.usable
        self.evse_reset = EvseReset(self)
        self.requests = CsmsRequests(self)
        self.network = NetworkProfiles(_first_connection_profile(config), self.faults)
        self.dm.bind(dmc.SECURITY_PROFILE, lambda: str(self.network.security_profile))
        self.dm.guard(dmc.NETWORK_PRIORITY, priority_guard(self.network, self.certificates, self.faults))
        tls = self._client_context()
        self._tls_context = tls
        self.link = Link(
            config.csms_url, config.identity.identity, config.subprotocol, config.password, self.dm,
            tls=tls, on_refused=self._connection_refused,
            basic_user=config.identity.serial if self.faults.active(F.BASIC_AUTH_WRONG_USER) else None,
            flat_backoff=self.faults.active(F.RECONNECT_BACKOFF_FLAT),
        )  # fmt: skip
        self.certificates.on_csms_roots_changed = self._trust_installed_roots
        self.link.fallback_skips_backoff = self.faults.active(F.NETWORK_FALLBACK_SKIPS_BACKOFF)
        self.basic_auth = BasicAuthPassword(self)
        self.root_check = AdditionalRootCheck(self)
        self._security_events: list[str] = []  # refusals to report once the CSMS accepts us again
        self.reset_scheduled = False
        self._startup_event = "StartupOfTheDevice"
        self._offline_since: float | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._bind_live_variables()
        self.dm.on_change(self._variable_changed)

    def _trust_installed_roots(self) -> None:
        """M05/M04: the next TLS handshakes trust exactly the CSMS roots in the certificate store (AS-2: the
        fallback root only after the new one refused the CSMS's certificate)."""
        if self.config.tls is None or self.faults.active(F.INSTALLED_CSMS_ROOT_NOT_TRUSTED):
            return
        roots, fallback = self.certificates.trust_anchors()
        if roots:
            settings = self.station_certificate.settings(self.config.tls)
            fallback_tls = client_context(settings, self.faults, fallback) if fallback else None
            self.link.use_tls(client_context(settings, self.faults, roots), fallback_tls)

    def transfer_tls(self) -> ssl.SSLContext | None:
        """The TLS client of HTTPS firmware downloads and log uploads: it trusts the CSMS roots the station holds."""
        if self.config.tls is None:
            return None
        roots, _ = self.certificates.trust_anchors()
        return client_context(self.station_certificate.settings(self.config.tls), self.faults, roots or None)

    def _client_context(self) -> ssl.SSLContext | None:
        """The TLS client with the station's current certificate: a CSMS asks for it only at profile 3."""
        if self.config.tls is None:
            return None
        return client_context(self.station_certificate.settings(self.config.tls), self.faults)

    def _client_certificate_changed(self) -> None:
        """A02: a renewed certificate is presented from the next connection on."""
        self._tls_context = self._client_context()
        self._trust_installed_roots()

    def security_event(self, event_type: str, tech_info: str) -> None:
        """A security event the station raises now (logged, and sent as soon as it is online)."""
        payload = {"type": event_type, "timestamp": self.clock.stamp(), "techInfo": tech_info[:255]}
        self.logs.security_event(payload)
        self.outbox.put("SecurityEventNotification", payload)

    def _online(self) -> bool:
        return self.link.connected and self.boot.ready

    def _transaction_on(self, evse_id: int | None) -> str | None:
        """The transaction running on this EVSE (monitor events carry it, N07)."""
        evse = next((e for e in self.evses if e.id == evse_id), None)
        return evse.tx.id if evse is not None and evse.tx is not None else None

    def _bind_live_variables(self) -> None:
        self.dm.bind(dmc.CLOCK_DATETIME, self.clock.stamp)
        self.dm.bind(dmc.DISPLAY_MESSAGES, lambda: str(self.display.count()))
        self.dm.bind(dmc.CERTIFICATE_ENTRIES, lambda: str(self.certificates.count()))
        self.dm.bind(
            dmc.STATION_AVAILABILITY, lambda: "Available" if self.availability.station_operative else "Unavailable"
        )
        for evse in self.evses:
            self.dm.bind(dmc.evse_availability(evse.id), evse.availability_state)
            self.dm.bind(dmc.evse_power(evse.id), evse.meter.power_text)
            for connector in evse.connectors:
                self.dm.bind(dmc.connector_availability(evse.id, connector.id), connector.status)
        self.dm.bind(dmc.STATION_POWER, lambda: f"{sum(float(e.meter.power_text()) for e in self.evses):.1f}")

    def _variable_changed(self, variable: VariableKey) -> None:
        """Interval variables take effect at once (B05): restart the schedules that depend on them."""
        now = self.clock.monotonic()
        if variable == dmc.TX_UPDATED_INTERVAL:
            interval = self.dm.get_int(variable)
            for evse in self.evses:
                if evse.tx is not None:
                    evse.tx.next_periodic = now + interval if interval > 0 else None
        elif variable == dmc.TX_ENDED_INTERVAL:
            interval = self.dm.get_int(variable)
            for evse in self.evses:
                if evse.tx is not None:
                    evse.tx.next_ended_sample = now + interval if interval > 0 else None
        elif variable in (dmc.ALIGNED_INTERVAL, dmc.ALIGNED_TX_ENDED_INTERVAL):
            self.aligned.reschedule()

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        """Run work that belongs to the running station; a power cycle cancels it."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("station task failed: %r", task.exception())

    def _cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def run(self, stop: asyncio.Event) -> None:
        """Stay connected to the CSMS and keep the plant model ticking until `stop` is set."""
        log.info(
            "station %s starting, CSMS %s, faults: %s",
            self.config.identity.identity,
            self.link.url,
            ",".join(self.faults.names) or "none",
        )
        if self.secc is not None:
            await self.secc.start()
        workers = [asyncio.ensure_future(self.link.run(self._session)), asyncio.ensure_future(self._tick())]
        try:
            await stop.wait()
        finally:
            log.info("station stopping")
            self.station_certificate.close()
            if self.secc is not None:
                await self.secc.stop()
            if self.link.connected:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.link.close(), 3.0)
            for task in [*workers, *self._tasks]:
                task.cancel()
            await asyncio.gather(*workers, *self._tasks, return_exceptions=True)

    async def _session(self, ws: ClientConnection) -> None:
        slow = SLOW_REPLY_S if self.faults.active(F.SLOW_RESPONSE) else 0.0
        rpc = Rpc(
            ws,
            self.requests.handle,
            message_timeout=lambda: float(self.dm.get_int(dmc.MESSAGE_TIMEOUT)),
            reply_delay_s=slow,
            lenient_enums=self.faults.active(F.ENUM_VALUES_UNCHECKED),
        )
        self._report_after_long_outage()
        workers = [
            asyncio.ensure_future(self.boot.run(rpc)),
            asyncio.ensure_future(self.boot.heartbeat(rpc)),
            asyncio.ensure_future(self.outbox.run(rpc, self.boot.allowed)),
        ]
        try:
            await rpc.serve()
        finally:
            self._offline_since = self.clock.monotonic()
            self.boot.disconnected()
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

    def _report_after_long_outage(self) -> None:
        """Back online without a reboot after more than OfflineThreshold: report every connector again."""
        since, self._offline_since = self._offline_since, None
        if since is None or self.boot.needs_boot:
            return
        if self.faults.active(F.OFFLINE_STATUS_NOT_REPORTED):
            self.outbox.drop_action("StatusNotification")  # the fault: changes made offline are never told
            return
        if self.clock.monotonic() - since <= self.dm.get_int(dmc.OFFLINE_THRESHOLD):
            return
        for evse in self.evses:
            for connector in evse.connectors:
                connector.reported_status = connector.status()
                self.outbox.put("StatusNotification", self.availability.payload(evse, connector))

    async def _after_boot(self, rpc: Rpc) -> None:
        """B01.FR.05: connector statuses, then the security event that tells why the station started."""
        self.outbox.drop_action("StatusNotification")
        security = {"type": self._startup_event, "timestamp": self.clock.stamp()}
        if self.faults.active(F.TWO_CALLS_IN_FLIGHT):
            # The fault: the whole post-boot burst goes out without waiting for any reply.
            burst = [("StatusNotification", payload) for payload in self.availability.statuses_after_boot()]
            await rpc.call_burst([*burst, ("SecurityEventNotification", security)])
            return
        self._forget_lower_profiles()
        await self.availability.report_all(rpc)
        self.logs.security_event(security)
        await rpc.call("SecurityEventNotification", security)
        await self._report_refusals(rpc)
        await self.firmware.after_boot(rpc.call)

    def _forget_lower_profiles(self) -> None:
        priority = self.dm.value(dmc.NETWORK_PRIORITY)
        pruned = self.network.without_lower_profiles(priority, self.link.slot)
        if pruned != priority:
            log.info("connected at a higher security profile: NetworkConfigurationPriority %s -> %s", priority, pruned)
            self.dm.put(dmc.NETWORK_PRIORITY, pruned)

    def _apply_network_priority(self) -> None:
        """B10: the boot after a new NetworkConfigurationPriority connects along it, first slot first."""
        priority = "1" if self.faults.active(F.NETWORK_PRIORITY_IGNORED) else self.dm.value(dmc.NETWORK_PRIORITY)
        ordered = self.network.ordered(priority)
        if self.faults.active(F.NETWORK_NO_FALLBACK):
            ordered = ordered[:1]
        targets = [
            Target(
                profile.url, self._tls_context if profile.url.startswith("wss:") else None, slot,
                basic_auth=profile.security_profile <= 2,
            )
            for slot, profile in ordered
        ]  # fmt: skip
        self.link.use_targets(targets)
        self.network.active_slot = ordered[0][0]

    def _connection_refused(self, exc: BaseException) -> None:
        """A02/A00.FR.4xx: remember why TLS failed; reported after the next boot (the CSMS is unreachable now)."""
        event = security_event_for(exc)
        if event is not None and event not in self._security_events and not self.faults.active(F.TLS_NO_SECURITY_EVENT):
            self._security_events.append(event)

    async def _report_refusals(self, rpc: Rpc) -> None:
        while self._security_events:
            event = self._security_events.pop(0)
            await rpc.call("SecurityEventNotification", {"type": event, "timestamp": self.clock.stamp()})

    async def _tick(self) -> None:
        """The single 100 ms task: plant model, time-driven transaction changes, clock-aligned data."""
        last = self.clock.monotonic()
        while True:
            await asyncio.sleep(STEP_S)
            now = self.clock.monotonic()
            step, last = min(now - last, 1.0), now
            try:
                self.plant.step(step)
                self.smart_charging.tick(self.clock.epoch())
                for evse in self.evses:
                    self.engine.tick(evse, now)
                self.aligned.tick(self.clock.epoch())
                self.reservations.tick(self.clock.epoch())
                self.monitoring.tick(self.clock.epoch())
            except Exception:  # the plant model must keep running whatever one step did
                log.exception("tick failed")

    def _transaction_ended(self, evse: Evse) -> None:
        self.smart_charging.transaction_ended(evse)
        self.availability.apply(evse, silent=self.availability.silent_after_change())
        self.evse_reset.transaction_ended(evse)
        idle = all(e.tx is None for e in self.evses) or self.faults.active(F.RESET_ONIDLE_FIRST_TRANSACTION)
        if self.reset_scheduled and idle:
            self.reset_scheduled = False
            self.spawn(self._reboot_when_flushed("ScheduledReset"))

    async def reset_now(self) -> None:
        """Reset Immediate (B12.FR.02/E07.FR.03): end every transaction, deliver the events, reboot."""
        for evse in self.evses:
            if evse.tx is not None:
                self.engine.end(evse, "ResetCommand", "ImmediateReset")
        await self._reboot_when_flushed("RemoteReset")

    async def _reboot_when_flushed(self, reason: str) -> None:
        timeout = self.dm.get_int(dmc.MESSAGE_TIMEOUT) + RESET_FLUSH_EXTRA_S
        await self.outbox.drained(lambda item: item.action == "TransactionEvent", timeout)
        self.reboot(reason)

    def _power_down(self) -> None:
        """What a reboot and a power loss share: the volatile state is gone, the EV stays plugged."""
        self._cancel_tasks()
        self._apply_network_priority()
        self.smart_charging.powered_down()
        self.availability.powered_down()
        self.display.powered_down()
        self.reset_scheduled = False
        self.evse_reset.forget()
        if self.authorizer.master_pass_menu is not None:
            self.authorizer.master_pass_menu.close()
        self.monitoring.powered_down()
        if self.secc is not None:
            self.secc.forget_sessions()  # the SECC restarts with the station: no connection, no paused session
        for evse in self.evses:
            evse.hlc_session = False
            evse.meter.hlc_setpoint_w = None
            evse.auth = None
            evse.authorizing = False
            evse.ev_engaged = False
            evse.engage_at = None
            evse.evse_suspended = False
            evse.session_closed = evse.plugged_connector() is not None
            evse.meter.stop_now()
            for connector in evse.connectors:
                connector.reported_status = None
        self.outbox.drop_volatile()

    def reboot(self, reason: str) -> None:
        """A controlled reboot after Reset: close the connection normally, come back with `reason`."""
        log.info("rebooting (%s)", reason)
        for evse in self.evses:
            if evse.tx is not None:
                self.engine.end(evse, "AbnormalCondition", "Reboot", offline=True)
        if self.faults.active(F.RESERVATION_LOST_ON_RESET):
            self.reservations.forget_all()
        self._power_down()
        for evse in self.evses:
            self.availability.apply(evse, silent=True)
        self._startup_event = "ResetOrReboot"
        self.boot.restart(reason)
        self.link.drop(abort=False, delay_s=REBOOT_PAUSE_S)

    def restart_controller(self, reason: str) -> None:
        """Restart only the controller (new firmware activated while charging, C-43): transactions go on."""
        log.info("controller restart (%s)", reason)
        self._startup_event = "ResetOrReboot"
        self.boot.restart(reason)
        self.link.drop(abort=False, delay_s=REBOOT_PAUSE_S)

    def power_cycle(self) -> None:
        """Cut the power: drop the link without a close frame, end transactions as a power loss would."""
        log.info("power cycle")
        for evse in self.evses:
            if evse.tx is not None:
                self.engine.end(evse, "AbnormalCondition", "PowerLoss", offline=True)
        self._power_down()
        for evse in self.evses:
            self.availability.apply(evse, silent=True)
        self._startup_event = "StartupOfTheDevice"
        self.boot.restart("PowerUp")
        self.link.drop(abort=True, delay_s=0.0)

    def factory_reset(self) -> None:
        """Back to the state it left the factory in: no EV, no queue, default device model, all operative."""
        log.info("factory reset")
        self._cancel_tasks()
        self.outbox.clear()
        self.dm.factory_reset()
        self.network.factory_reset()
        self.signing.forget()
        self.smart_charging.forget_all()
        self.certificates.reset()
        self.station_certificate.forget()
        self.reservations.forget_all()
        self.firmware.forget()
        self.logs.forget()
        self.monitoring.forget_all()
        self.local_list.forget_all()
        self.auth_cache.forget_all()
        self.customer.forget()
        self.display.forget_all()
        self.tariff_cost.forget_all()
        self.availability.station_operative = True
        for evse in self.evses:
            evse.tx = None
            evse.ev_suspended = False
            evse.ev_side_unplugged = False
            evse.lock_held_for = None
            evse.bay_occupied = False
            evse.plug_unlocked = False
            evse.requested_operative = True
            evse.meter.register_offset_wh = 0.0
            for connector in evse.connectors:
                connector.plugged = False
                connector.requested_operative = True
        self._power_down()
        for evse in self.evses:
            self.availability.apply(evse, silent=True)
        self.aligned.reschedule()
        self._startup_event = "StartupOfTheDevice"
        self.boot.restart("PowerUp")
        self.link.drop(abort=True, delay_s=0.0)


def _first_connection_profile(config: StationConfig) -> ConnectionProfile:
    """Slot 1: how the station was started (URL, and the security profile its TLS settings give)."""
    with_certificate = config.tls is not None and config.tls.client_certificate is not None
    profile = 1 if config.tls is None else 3 if with_certificate else 2
    return ConnectionProfile(config.csms_url, profile, message_timeout_s=30, interface="Wired0")
