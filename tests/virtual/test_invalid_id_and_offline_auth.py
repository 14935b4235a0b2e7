"""The virtual station's reaction to an idToken invalidated during a transaction (E05, C15), its offline use of the
local list (C13), DisableRemoteAuthorization (C-58) and the cable lock before authorization (AQ-2)."""

from __future__ import annotations

import pytest

from harness.virtual import dm_catalog as dmc
from harness.virtual import faults as F
from harness.virtual.authorization import remote_authorization_disabled
from harness.virtual.device_model import DeviceModel
from harness.virtual.evse import Authorization, Evse, Transaction, make_evses
from harness.virtual.faults import FaultSet
from harness.virtual.invalid_id import Reaction, cap_reached, reaction
from harness.virtual.local_list import LocalAuthList
from harness.virtual.socket_shutter import refuses_plug

TOKEN = {"idToken": "LISTED-1", "type": "ISO14443"}
IDENT = dmc.StationIdentity("VS-T", "Vendor", "Model", "SN", "1.0")


def _dm(*faults: str) -> tuple[DeviceModel, FaultSet]:
    fault_set = FaultSet(faults)
    return DeviceModel(dmc.build_catalog(IDENT, [1], 11000.0), fault_set), fault_set


@pytest.mark.parametrize(
    ("stop_tx", "cap", "expected"),
    [("true", "500", Reaction.END), ("false", "0", Reaction.SUSPEND), ("false", "10", Reaction.CAP)],
)
def test_stop_tx_on_invalid_id_overrides_the_energy_cap(stop_tx: str, cap: str, expected: Reaction) -> None:
    dm, faults = _dm()
    dm.put(dmc.STOP_TX_ON_INVALID_ID, stop_tx)
    dm.put(dmc.MAX_ENERGY_ON_INVALID_ID, cap)
    assert reaction(dm, faults)[0] is expected
    faulty_dm, faulty = _dm(F.INVALID_ID_IN_TRANSACTION_IGNORED)
    assert reaction(faulty_dm, faulty)[0] is Reaction.IGNORE


def _charging_evse(register_wh: float, power_w: float) -> Evse:
    evse = make_evses(1)[0]
    evse.tx = Transaction(id="tx", evse_id=1, energy_cap_wh=20.0)
    evse.meter.register_wh_raw = register_wh
    evse.meter.power_w = power_w
    return evse


def test_the_cap_counts_the_energy_still_in_the_power_lag() -> None:
    assert not cap_reached(_charging_evse(10.0, 11000.0))
    # 11 kW over the lag and one plant step (0.6 s): about 1.8 Wh still to come once the contactor is told to open.
    assert cap_reached(_charging_evse(18.6, 11000.0))
    assert cap_reached(_charging_evse(20.0, 0.0))


def test_offline_a_listed_token_that_is_not_accepted_is_refused_unless_faulty() -> None:
    for fault, accepted in (((), False), ((F.OFFLINE_LIST_STATUS_IGNORED,), True)):
        dm, faults = _dm(*fault)
        local = LocalAuthList(dm, faults)
        items = [{"idToken": TOKEN, "idTokenInfo": {"status": "Blocked"}}]
        local.send({"versionNumber": 1, "updateType": "Full", "localAuthorizationList": items})
        decided = local.decide(TOKEN, online=False)
        assert decided is not None and decided[0] is accepted


def test_disable_remote_authorization() -> None:
    dm, faults = _dm()
    assert not remote_authorization_disabled(dm, faults)
    dm.put(dmc.DISABLE_REMOTE_AUTHORIZATION, "true")
    assert remote_authorization_disabled(dm, faults)
    faulty_dm, faulty = _dm(F.DISABLE_REMOTE_AUTHORIZATION_IGNORED)
    faulty_dm.put(dmc.DISABLE_REMOTE_AUTHORIZATION, "true")
    assert not remote_authorization_disabled(faulty_dm, faulty)


def test_the_socket_opens_only_after_an_authorization_when_the_station_claims_aq_2() -> None:
    evse = make_evses(1)[0]
    assert not refuses_plug(frozenset(), evse)
    assert refuses_plug(frozenset({"AQ-2"}), evse)
    evse.auth = Authorization(TOKEN)
    assert not refuses_plug(frozenset({"AQ-2"}), evse)
