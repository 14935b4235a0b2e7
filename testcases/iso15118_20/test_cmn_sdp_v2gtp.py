"""Common: SECC discovery (SDP) and the V2G transfer protocol header (V2GTP)."""

from __future__ import annotations

from harness.catalogue import iso15118_case
from harness.checks import require, require_equal
from harness.evidence import Evidence
from harness.iso15118.ev.checks import expect_silent_close
from harness.iso15118.ev.role import EvRole
from harness.iso15118.exi.codec import encode
from harness.iso15118.sequence import Family, State
from harness.iso15118.transport.connection import V2gConnection
from harness.iso15118.transport.errors import ConnectError, SdpTimeout
from harness.iso15118.transport.sdp import Security, TransportProtocol
from harness.iso15118.transport.v2gtp import PayloadType, build_raw_frame
from harness.verdict import Nonconformity

SDP = "SDP"
V2GTP = "V2GTP"
CLOSE_AFTER_BAD_FRAME_S = 2.0  # our rule: the EV's general message timeout
DYNAMIC_PORTS = range(49152, 65536)


@iso15118_case(
    "TC_SECC_CMN_VTB_SDP_001", "SDP: an EV without TLS is answered with a usable TCP endpoint and no TLS", SDP,
    ["ISO 15118-20 SDP request 0x9000 / response 0x9001", "security 0x10 = no TLS, transport 0x00 = TCP"],
    needs=["iso15118.tcp"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SDP_001(ev: EvRole, evidence: Evidence) -> None:
    """The EV asks for no TLS; the answer must announce no TLS and TCP, and its endpoint must accept a connection."""
    await ev.plug_in()
    result = await ev.discover(Security.NO_TLS)
    evidence.measurement("SDP", {"endpoint": str(result.endpoint()), "requests": result.requests_sent})
    require_equal(result.response.security, Security.NO_TLS, "SDP response security (the EV asked for no TLS)")
    require_equal(result.response.transport, TransportProtocol.TCP, "SDP response transport protocol")
    connection = V2gConnection(result.endpoint(), connect_timeout=2.0)
    try:
        await connection.open()
    except ConnectError as exc:
        raise Nonconformity(f"the endpoint SDP announced does not accept a TCP connection: {exc}") from None
    await connection.close()


@iso15118_case(
    "TC_SECC_CMN_VTB_SDP_002", "SDP: a request with an undefined security value is not answered", SDP,
    ["ISO 15118-20 SDP request fields: security 0x00 or 0x10 only"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SDP_002(ev: EvRole, evidence: Evidence) -> None:
    """Three requests with security 0x42 must go unanswered; a valid request afterwards is answered."""
    await ev.plug_in()
    bad = build_raw_frame(bytes((0x42, 0x00)), payload_type=PayloadType.SDP_REQUEST)
    client = ev.sdp_client(request_frame=bad)
    client.max_requests = 3
    async with client:
        try:
            answer = await client.discover()
        except SdpTimeout:
            answer = None
    require(answer is None, "the charger answered an SDP request whose security byte is 0x42 (undefined)")
    await ev.discover(Security.NO_TLS)


@iso15118_case(
    "TC_SECC_CMN_VTB_SDP_003", "SDP: the announced TCP port lies in the dynamic range and accepts the EV", SDP,
    ["ISO 15118-20 SDP response: SECC TCP port from the dynamic range 49152-65535"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_SDP_003(ev: EvRole) -> None:
    await ev.plug_in()
    result = await ev.discover(Security.NO_TLS)
    port = result.response.port
    try:
        connection = V2gConnection(result.endpoint(), connect_timeout=2.0)
        await connection.open()
        await connection.close()
    except ConnectError as exc:
        raise Nonconformity(f"SDP announced port {port}, which does not accept a TCP connection: {exc}") from None
    require(port in DYNAMIC_PORTS, f"SDP announced TCP port {port}, outside the dynamic range 49152-65535")


async def _bad_frame_case(ev: EvRole, frame: bytes, what: str, *, after: State = State.SESSION_ESTABLISHED) -> None:
    """Bring a session to `after`, send `frame`, and require the charger to close without answering."""
    await ev.plug_in()
    async with ev.session(ev.default_parameters()) as session:
        await ev.flow(session).run_to(after)
        await session.send_raw(frame)
        await expect_silent_close(session, CLOSE_AFTER_BAD_FRAME_S, what)


def _authorization_setup_payload(session_id: bytes = bytes(8)) -> bytes:
    document = {"AuthorizationSetupReq": {"Header": {"SessionID": session_id, "TimeStamp": 1}}}
    return encode("common", document)


@iso15118_case(
    "TC_SECC_CMN_VTB_V2GTP_001", "V2GTP: a wrong protocol version closes the connection", V2GTP,
    ["ISO 15118-20 V2GTP header: protocol version 0x01"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_V2GTP_001(ev: EvRole) -> None:
    payload = _authorization_setup_payload()
    frame = build_raw_frame(payload, payload_type=PayloadType.COMMON_MESSAGES, version=0x02, inverse_version=0xFD)
    await _bad_frame_case(ev, frame, "AuthorizationSetupReq with V2GTP version 0x02")


@iso15118_case(
    "TC_SECC_CMN_VTB_V2GTP_002", "V2GTP: an inverse version that does not invert the version closes the connection",
    V2GTP, ["ISO 15118-20 V2GTP header: inverse protocol version 0xFE"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_V2GTP_002(ev: EvRole) -> None:
    payload = _authorization_setup_payload()
    frame = build_raw_frame(payload, payload_type=PayloadType.COMMON_MESSAGES, inverse_version=0xFF)
    await _bad_frame_case(ev, frame, "AuthorizationSetupReq with inverse version 0xFF")


@iso15118_case(
    "TC_SECC_CMN_VTB_V2GTP_003", "V2GTP: an undefined payload type closes the connection", V2GTP,
    ["ISO 15118-20 V2GTP payload types"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_V2GTP_003(ev: EvRole) -> None:
    frame = build_raw_frame(_authorization_setup_payload(), payload_type=0x8FFF)
    await _bad_frame_case(ev, frame, "AuthorizationSetupReq under payload type 0x8FFF")


@iso15118_case(
    "TC_SECC_CMN_VTB_V2GTP_004", "V2GTP: a payload type that does not fit the negotiated protocol closes it",
    V2GTP, ["ISO 15118-20 V2GTP: payload type per message namespace (0x8002 CommonMessages)"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_V2GTP_004(ev: EvRole) -> None:
    """AuthorizationSetupReq is a CommonMessages request (0x8002); sent as 0x8005 (ACDP) it must not be taken."""
    frame = build_raw_frame(_authorization_setup_payload(), payload_type=PayloadType.ACDP)
    await _bad_frame_case(ev, frame, "AuthorizationSetupReq under payload type 0x8005 (ACDP)")


@iso15118_case(
    "TC_SECC_CMN_VTB_V2GTP_005", "V2GTP: a payload length beyond what the charger accepts closes the connection",
    V2GTP, ["ISO 15118-20 V2GTP header: payload length"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_V2GTP_005(ev: EvRole) -> None:
    """The header announces 0xFFFFFFF0 bytes; a charger must refuse it rather than wait for 4 GB."""
    payload = _authorization_setup_payload()
    frame = build_raw_frame(payload, payload_type=PayloadType.COMMON_MESSAGES, payload_length=0xFFFFFFF0)
    await _bad_frame_case(ev, frame, "a V2GTP header announcing 4 GB")


@iso15118_case(
    "TC_SECC_CMN_VTB_V2GTP_006", "V2GTP: a payload that is not valid EXI closes the connection", V2GTP,
    ["ISO 15118-20 EXI encoding of V2G messages"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_V2GTP_006(ev: EvRole) -> None:
    """A correct header carrying 12 bytes that are no EXI stream of the CommonMessages schema."""
    frame = build_raw_frame(bytes.fromhex("80ffffffffffffffffffffff"), payload_type=PayloadType.COMMON_MESSAGES)
    await _bad_frame_case(ev, frame, "a CommonMessages frame whose payload is not EXI")


@iso15118_case(
    "TC_SECC_CMN_VTB_V2GTP_007", "V2GTP: a request of the wrong namespace under the session's payload type is refused",
    V2GTP, ["ISO 15118-20 V2GTP: payload type per message namespace"],
)  # fmt: skip
async def test_TC_SECC_CMN_VTB_V2GTP_007(ev: EvRole) -> None:
    """A CommonMessages AuthorizationSetupReq framed as the session's energy type (DC 0x8004 or AC 0x8003): the
    payload does not decode as that namespace's EXI, so the charger must not process it."""
    await ev.plug_in()
    params = ev.default_parameters()
    energy_type = PayloadType.DC if params.service.family == Family.DC else PayloadType.AC
    async with ev.session(params) as session:
        await ev.flow(session).run_to(State.SESSION_ESTABLISHED)
        await session.send_raw(
            build_raw_frame(_authorization_setup_payload(session.session_id), payload_type=energy_type)
        )
        await expect_silent_close(session, CLOSE_AFTER_BAD_FRAME_S, "CommonMessages request under the energy type")
