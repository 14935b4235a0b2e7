"""Common: protocol handshake, session setup and resumption, SessionID checks, authorization (EIM)."""

from __future__ import annotations

import asyncio
import os
import re
import time

from harness.catalogue import iso15118_case
from harness.checks import require, require_equal
from harness.config import IdTokenSpec
from harness.evidence import Evidence
from harness.iso15118.ev import requests as rq
from harness.iso15118.ev.checks import expect_closed, expect_refusal
from harness.iso15118.ev.role import EvRole
from harness.iso15118.sequence import State
from harness.verdict import Inconclusive

SAP = "SupportedAppProtocol"
SESSION = "SessionSetup"
AUTH = "Authorization"
# EVSEID: country code, optional *, operator ID, optional *, "E", then the power outlet ID (ISO 15118-2 Annex H).
EVSE_ID_FORMAT = re.compile(r"^[A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9*]{1,31}$")
FOREIGN_NAMESPACE = "urn:example:not-a-v2g-protocol"
SAP_RULES = "ISO 15118-20 supportedAppProtocolReq/Res (ISO 15118-2 8.3.3 handshake)"
SESSION_RULES = "ISO 15118-20 8.3.4.3.1 SessionSetupReq/Res"
AUTH_RULES = "ISO 15118-20 8.3.4.3.3 AuthorizationReq/Res"


def _offer(namespace: str, schema_id: int, priority: int) -> dict[str, object]:
    return {
        "ProtocolNamespace": namespace, "VersionNumberMajor": 1, "VersionNumberMinor": 0,
        "SchemaID": schema_id, "Priority": priority,
    }  # fmt: skip


@iso15118_case(
    "TC_SECC_CMN_VTB_SupportedAppProtocol_001", "The -20 protocol offered alone is accepted with its SchemaID", SAP,
    [SAP_RULES],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SupportedAppProtocol_001(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.PROTOCOL_AGREED)  # the flow checks the code and the SchemaID


@iso15118_case(
    "TC_SECC_CMN_VTB_SupportedAppProtocol_002", "Of two offers the charger picks the -20 one, not a foreign one", SAP,
    [SAP_RULES, "the SECC selects a protocol it supports, by the EV's priority"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SupportedAppProtocol_002(ev: EvRole) -> None:
    """A foreign namespace comes first in the list with the better priority; the charger cannot speak it."""
    await ev.plug_in()
    params = ev.default_parameters()
    own = rq.supported_app_protocol(params.service.family)["AppProtocol"][0]
    body = {"AppProtocol": [_offer(FOREIGN_NAMESPACE, 9, 1), {**own, "Priority": 2}]}
    async with ev.session(params) as session:
        response = await session.request("supportedAppProtocol", body)
        require(response.code.startswith("OK_SuccessfulNegotiation"), f"supportedAppProtocolRes: {response.code}")
        require_equal(response.body.get("SchemaID"), own["SchemaID"], "SchemaID of the selected protocol")


@iso15118_case(
    "TC_SECC_CMN_VTB_SupportedAppProtocol_003", "Only foreign protocols offered: Failed_NoNegotiation", SAP,
    [SAP_RULES],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SupportedAppProtocol_003(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        response = await session.request("supportedAppProtocol", {"AppProtocol": [_offer(FOREIGN_NAMESPACE, 3, 1)]})
        require_equal(response.code, "Failed_NoNegotiation", "supportedAppProtocolRes ResponseCode")


@iso15118_case(
    "TC_SECC_CMN_VTB_SessionSetup_001", "A new session: OK_NewSessionEstablished and a fresh 8-byte SessionID",
    SESSION, [SESSION_RULES],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SessionSetup_001(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        flow = ev.flow(session)
        await flow.run_to(State.PROTOCOL_AGREED)
        response = await session.request("SessionSetup", rq.session_setup(session.ev))
        require_equal(response.code, "OK_NewSessionEstablished", "SessionSetupRes ResponseCode for a new session")
        session_id = response.body["Header"]["SessionID"]
        require(len(session_id) == 8, f"SessionID has {len(session_id)} bytes, expected 8")
        require(any(session_id), "SessionID is all zero: the EV's 'new session' value, not a session")


@iso15118_case(
    "TC_SECC_CMN_VTB_SessionSetup_002", "EVSEID in the ISO 15118 format (and the declared one)", SESSION,
    [SESSION_RULES, "EVSEID format: country * operator * E outlet (ISO 15118-2 Annex H)"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SessionSetup_002(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.SESSION_ESTABLISHED)
        evse_id = session.offer.evse_id or ""
        evidence.measurement("SessionSetupRes", {"EVSEID": evse_id})
        require(EVSE_ID_FORMAT.match(evse_id) is not None, f"EVSEID {evse_id!r} is not in the ISO 15118 format")
        if ev.pics.evse_id is not None:
            require_equal(evse_id, ev.pics.evse_id, "EVSEID (the DUT profile declares it)")


@iso15118_case(
    "TC_SECC_CMN_VTB_SessionSetup_003", "A paused session is joined again with OK_OldSessionJoined", SESSION,
    [SESSION_RULES, "ISO 15118-20 8.3.4.3.10 SessionStopReq ChargingSession Pause"],
    needs=["iso15118.resume"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SessionSetup_003(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.default_parameters()
    async with ev.session(params) as first:
        await ev.flow(first).run_to(State.AUTHORIZED)
        await first.expect_ok("SessionStop", rq.session_stop("Pause"))
        paused_id = first.session_id
    async with ev.session(params) as second:
        await ev.flow(second).run_to(State.PROTOCOL_AGREED)
        response = await second.request("SessionSetup", rq.session_setup(params), header={
            "SessionID": paused_id, "TimeStamp": int(time.time()),
        })  # fmt: skip
        require_equal(response.code, "OK_OldSessionJoined", "SessionSetupRes ResponseCode with the paused SessionID")
        require_equal(response.body["Header"]["SessionID"], paused_id, "SessionID of the joined session")


@iso15118_case(
    "TC_SECC_CMN_VTB_SessionSetup_004", "An unknown SessionID from the EV gets a new session with a new ID", SESSION,
    [SESSION_RULES],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SessionSetup_004(ev: EvRole) -> None:
    await ev.plug_in()
    params = ev.default_parameters()
    unknown = os.urandom(8)
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.PROTOCOL_AGREED)
        response = await session.request("SessionSetup", rq.session_setup(params), header={
            "SessionID": unknown, "TimeStamp": int(time.time()),
        })  # fmt: skip
        require_equal(response.code, "OK_NewSessionEstablished", "SessionSetupRes ResponseCode for an unknown ID")
        require(response.body["Header"]["SessionID"] != unknown, "the charger adopted the SessionID the EV made up")


@iso15118_case(
    "TC_SECC_CMN_VTB_SessionID_001", "A request with a wrong SessionID is refused with FAILED_UnknownSession", SESSION,
    [SESSION_RULES, "ISO 15118-20 MessageHeader SessionID"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SessionID_001(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.SESSION_ESTABLISHED)
        wrong = bytes(b ^ 0xFF for b in session.session_id)
        await expect_refusal(
            session, "AuthorizationSetup", rq.authorization_setup(), ("FAILED_UnknownSession",),
            "AuthorizationSetupReq with a wrong SessionID", header={"SessionID": wrong, "TimeStamp": int(time.time())},
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_CMN_VTB_SessionID_002", "After a FAILED response code the charger closes the connection", SESSION,
    [SESSION_RULES, "ISO 15118-20: the SECC ends the session after a FAILED response code"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SessionID_002(ev: EvRole) -> None:
    """Provoke FAILED_SequenceError (ServiceDiscovery before authorization), then the connection must close."""
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.SESSION_ESTABLISHED)
        response = await session.request("ServiceDiscovery", rq.service_discovery(), deliberate=True)
        require(response.code.startswith("FAILED"), f"ServiceDiscoveryRes before authorization: {response.code}")
        await expect_closed(session, 2.0, f"after {response.code}")


@iso15118_case(
    "TC_SECC_CMN_VTB_AuthorizationSetup_001", "EIM is offered, as the DUT profile declares", AUTH,
    ["ISO 15118-20 8.3.4.3.2 AuthorizationSetupReq/Res"], needs=["iso15118.id.EIM"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_AuthorizationSetup_001(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.SESSION_ESTABLISHED)
        response = await session.expect_ok("AuthorizationSetup", rq.authorization_setup())
        services = [str(s) for s in response.body.get("AuthorizationServices", [])]
        require("EIM" in services, f"AuthorizationSetupRes offers {services}, not EIM")
        require("EIM_ASResAuthorizationMode" in response.body, "AuthorizationSetupRes lacks EIM_ASResAuthorizationMode")


@iso15118_case(
    "TC_SECC_CMN_VTB_AuthorizationSetup_002", "AuthorizationSetupReq before SessionSetup is refused", AUTH,
    ["ISO 15118-20 8.3.4.3.2 AuthorizationSetupReq", "sequence: FAILED_SequenceError"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_AuthorizationSetup_002(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.PROTOCOL_AGREED)
        await expect_refusal(
            session, "AuthorizationSetup", rq.authorization_setup(), ("FAILED_SequenceError", "FAILED_UnknownSession"),
            "AuthorizationSetupReq before SessionSetupReq",
        )  # fmt: skip


@iso15118_case(
    "TC_SECC_CMN_VTB_Authorization_001", "EIM: Ongoing until the driver identifies, then Finished", AUTH,
    [AUTH_RULES, "EVSEProcessing Ongoing while waiting for external identification"], needs=["iso15118.id.EIM"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Authorization_001(ev: EvRole, evidence: Evidence) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.AUTHORIZATION_OFFERED)
        before = await session.expect_ok("Authorization", rq.authorization_eim())
        require_equal(before.body.get("EVSEProcessing"), "Ongoing", "EVSEProcessing before any identification")
        await ev.authorize()
        deadline = time.monotonic() + ev.timers.ongoing_timeout_s
        while session.state == State.AUTHORIZATION_OFFERED:
            if time.monotonic() > deadline:
                raise Inconclusive("the charger never finished the authorization after the valid idToken")
            await asyncio.sleep(0.5)
            await session.expect_ok("Authorization", rq.authorization_eim())
        evidence.note("authorization finished after the idToken was presented")


@iso15118_case(
    "TC_SECC_CMN_VTB_Authorization_002", "EIM with an invalid idToken: the charger does not authorize", AUTH,
    [AUTH_RULES, "OCPP 2.0.1 C01: an idToken the CSMS rejects does not authorize"], needs=["iso15118.id.EIM"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Authorization_002(ev: EvRole) -> None:
    """The invalid idToken of the DUT profile is presented; the charger keeps answering Ongoing (or refuses)."""
    await ev.plug_in()
    invalid: IdTokenSpec = ev.cfg.invalid_id_token
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.AUTHORIZATION_OFFERED)
        await ev.actions.present_id_token(invalid, ev.cfg.evse_id)
        for _ in range(4):
            await asyncio.sleep(0.5)
            response = await session.request("Authorization", rq.authorization_eim())
            finished = response.ok and response.body.get("EVSEProcessing") == "Finished"
            require(not finished, f"the charger authorized the session after the invalid idToken {invalid.id_token}")
            if not response.ok:
                return  # refusing with a WARNING or FAILED code is also conformant


@iso15118_case(
    "TC_SECC_CMN_VTB_Authorization_003", "Ongoing beyond the EV's Ongoing timeout: still answered, then a clean stop",
    AUTH, [AUTH_RULES, "V2G_EVCC_Ongoing_Timeout", "ISO 15118-20 8.3.4.3.10 SessionStopReq Terminate"],
    needs=["iso15118.id.EIM"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Authorization_003(ev: EvRole) -> None:
    """Without identification the EV polls until past its Ongoing timeout; each answer must come in time and be a
    valid Ongoing, and the EV's SessionStop (Terminate) afterwards must be accepted."""
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.AUTHORIZATION_OFFERED)
        end = time.monotonic() + ev.timers.ongoing_timeout_s + 0.5
        while time.monotonic() < end:
            response = await session.expect_ok("Authorization", rq.authorization_eim())
            require_equal(response.body.get("EVSEProcessing"), "Ongoing", "EVSEProcessing without identification")
            await asyncio.sleep(0.5)
        response = await session.request("SessionStop", rq.session_stop("Terminate"), deliberate=True)
        require(response.ok, f"SessionStopRes after the Ongoing timeout: {response.code}")


@iso15118_case(
    "TC_SECC_CMN_VTB_Authorization_004", "Selecting PnC when only EIM was offered is not accepted", AUTH,
    [AUTH_RULES, "WARNING_AuthorizationSelectionInvalid"], needs=["iso15118.id.EIM"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Authorization_004(ev: EvRole) -> None:
    if "PnC" in ev.pics.identification:
        raise Inconclusive("the charger offers PnC: selecting it is valid, this case needs an EIM-only charger")
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.AUTHORIZATION_OFFERED)
        chain = {"Certificate": b"\x30\x00", "SubCertificates": {"Certificate": [b"\x30\x00"]}}
        pnc = {
            "SelectedAuthorizationService": "PnC",
            "PnC_AReqAuthorizationMode": {"Id": "id1", "GenChallenge": bytes(16), "ContractCertificateChain": chain},
        }
        response = await session.request("Authorization", pnc)
        require(
            response.code in ("WARNING_AuthorizationSelectionInvalid", "FAILED") or response.code.startswith("FAILED"),
            f"AuthorizationRes for a PnC selection the charger never offered: {response.code}",
        )


@iso15118_case(
    "TC_SECC_CMN_VTB_Authorization_005", "AuthorizationReq before AuthorizationSetup is refused", AUTH,
    [AUTH_RULES, "sequence: FAILED_SequenceError"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_Authorization_005(ev: EvRole) -> None:
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(State.SESSION_ESTABLISHED)
        await expect_refusal(
            session, "Authorization", rq.authorization_eim(), ("FAILED_SequenceError",),
            "AuthorizationReq before AuthorizationSetupReq",
        )  # fmt: skip
