"""The Java reference codec through its bridge: byte-exact on the reference message, strict, bounded, and tidy."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

import pytest

from harness.iso15118.reference.environment import JosevEnvironment
from harness.iso15118.reference.errors import ReferenceCodecError, ReferenceTimeout, ReferenceUnavailable
from harness.iso15118.reference.java_codec import (
    ACDP,
    APP_PROTOCOL,
    COMMON_MESSAGES,
    XMLDSIG,
    JavaExiCodec,
)

pytestmark = pytest.mark.reference_codec

# ISO 15118-20 SessionSetupReq: SessionID 00, TimeStamp 1700000000, EVCCID WMIV1234567890ABCDEX (spec notes).
REFERENCE = bytes.fromhex("808c0080080e2cfaa0620b2ba6a4ab1899199a1a9b1b9c1c9820a121a222ac00")
REFERENCE_JSON = (
    '{"SessionSetupReq":{"Header":{"SessionID":"00","TimeStamp":1700000000},"EVCCID":"WMIV1234567890ABCDEX"}}'
)
HEADER = {"SessionID": "0102030405060708", "TimeStamp": 1700000000}


def session_setup(**header: object) -> str:
    return json.dumps({"SessionSetupReq": {"Header": {**HEADER, **header}, "EVCCID": "WMIV1234567890ABCDEX"}})


def gone(pid: int | None, within: float = 5.0) -> bool:
    """True once the process no longer runs (absent, or a zombie waiting for its new parent to reap it)."""
    assert pid is not None
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def group_gone(group: int | None, within: float = 5.0) -> bool:
    """True once no live process is left in the process group (the bridge's: it holds the JVM too)."""
    assert group is not None
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        live = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == group and fields[0] not in ("Z", "X"):
                live.append(stat)
        if not live:
            return True
        time.sleep(0.05)
    return False


def test_reference_session_setup_req_decodes_to_josev_json_and_reencodes_byte_exact(java_codec: JavaExiCodec) -> None:
    assert java_codec.decode(COMMON_MESSAGES, REFERENCE) == REFERENCE_JSON
    assert java_codec.encode(COMMON_MESSAGES, REFERENCE_JSON) == REFERENCE


def test_versions_name_the_jar_and_the_jvm(java_codec: JavaExiCodec) -> None:
    assert java_codec.versions["exi_codec"] == "1.55"
    assert java_codec.versions["iso15118"] == "0.31.2"
    assert java_codec.versions["java"]


def test_unknown_root_is_a_codec_error_and_the_bridge_answers_the_next_request(java_codec: JavaExiCodec) -> None:
    with pytest.raises(ReferenceCodecError, match="SessionSetupReqX") as caught:
        java_codec.encode(COMMON_MESSAGES, '{"SessionSetupReqX": {"Header": {"SessionID": "00", "TimeStamp": 1}}}')
    assert "\n" not in str(caught.value)
    assert java_codec.encode(COMMON_MESSAGES, REFERENCE_JSON) == REFERENCE


@pytest.mark.parametrize("data", [b"", b"\xff\x00\xff\x00", REFERENCE[:12]], ids=["empty", "not-exi", "truncated"])
def test_undecodable_stream_is_a_codec_error(java_codec: JavaExiCodec, data: bytes) -> None:
    with pytest.raises(ReferenceCodecError):
        java_codec.decode(COMMON_MESSAGES, data)
    assert java_codec.decode(COMMON_MESSAGES, REFERENCE) == REFERENCE_JSON


def test_unknown_namespace_is_a_codec_error(java_codec: JavaExiCodec) -> None:
    with pytest.raises(ReferenceCodecError):
        java_codec.decode("urn:example:not-a-schema", REFERENCE)


def test_strict_encode_refuses_a_key_the_jar_would_drop_silently(java_codec: JavaExiCodec) -> None:
    with_typo = session_setup(SessionIDD="00")
    with pytest.raises(ReferenceCodecError, match=r"\$\.SessionSetupReq\.Header\.SessionIDD: dropped"):
        java_codec.encode(COMMON_MESSAGES, with_typo)
    assert java_codec.encode(COMMON_MESSAGES, with_typo, strict=False) == java_codec.encode(
        COMMON_MESSAGES, session_setup()
    )


def test_strict_encode_refuses_what_needs_an_exi_deviation(java_codec: JavaExiCodec) -> None:
    negative_time = session_setup(TimeStamp=-5)  # xs:unsignedLong
    with pytest.raises(ReferenceCodecError, match="not schema-valid"):
        java_codec.encode(COMMON_MESSAGES, negative_time)
    assert java_codec.encode(COMMON_MESSAGES, negative_time, strict=False)  # the jar alone encodes it anyway


def test_character_xml_cannot_carry_is_refused_instead_of_truncating(java_codec: JavaExiCodec) -> None:
    document = json.dumps({"SessionSetupReq": {"Header": HEADER, "EVCCID": "WMIV\u0000"}})
    with pytest.raises(ReferenceCodecError, match="U\\+0000"):
        java_codec.encode(COMMON_MESSAGES, document, strict=False)


def test_timing_returns_one_positive_sample_per_call(java_codec: JavaExiCodec) -> None:
    encode_times = java_codec.time_encode(COMMON_MESSAGES, REFERENCE_JSON, 5)
    decode_times = java_codec.time_decode(COMMON_MESSAGES, REFERENCE, 5)
    assert len(encode_times) == len(decode_times) == 5
    assert all(sample > 0 for sample in encode_times + decode_times)


def test_timing_a_failing_call_is_a_codec_error(java_codec: JavaExiCodec) -> None:
    with pytest.raises(ReferenceCodecError):
        java_codec.time_decode(COMMON_MESSAGES, b"\xff", 3)


def test_repeated_value_strings_are_written_as_literals_each_time(java_codec: JavaExiCodec) -> None:
    """The jar keeps no value string table (valuePartitionCapacity 0): a repeat costs as much as a new string."""

    def request(second_namespace: str) -> str:
        entries = [("urn:iso:std:iso:15118:-20:DC", 1), (second_namespace, 2)]
        protocols = [
            {"ProtocolNamespace": ns, "VersionNumberMajor": 1, "VersionNumberMinor": 0, "SchemaID": i, "Priority": i}
            for ns, i in entries
        ]
        return json.dumps({"supportedAppProtocolReq": {"AppProtocol": protocols}})

    same = java_codec.encode(APP_PROTOCOL, request("urn:iso:std:iso:15118:-20:DC"))
    different = java_codec.encode(APP_PROTOCOL, request("urn:iso:std:iso:15118:-20:AC"))
    assert len(same) == len(different) == 72


def test_signed_info_fragment_from_json_equals_the_xml_path(java_codec: JavaExiCodec) -> None:
    """Under the xmldsig namespace the jar encodes {"SignedInfo": ...} as a fragment, its algorithms hard-coded."""
    digest = base64.b64encode(bytes(range(32))).decode()
    from_json = java_codec.encode(
        XMLDSIG, json.dumps({"SignedInfo": {"Reference": [{"URI": "#id1", "DigestValue": digest}]}}), strict=False
    )
    xml = (
        '<SignedInfo xmlns="http://www.w3.org/2000/09/xmldsig#">'
        '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/canonical-exi/"/>'
        '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>'
        '<Reference URI="#id1"><Transforms><Transform Algorithm="http://www.w3.org/TR/canonical-exi/"/></Transforms>'
        '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
        f"<DigestValue>{digest}</DigestValue></Reference></SignedInfo>"
    )
    assert java_codec.encode_xml(XMLDSIG, xml, fragment=True) == from_json
    assert from_json[:2] == b"\x80\x81"


def test_xml_path_reaches_acdp_whose_json_the_jar_cannot_map(java_codec: JavaExiCodec) -> None:
    xml = (
        f'<ACDP_VehiclePositioningReq xmlns="{ACDP}" xmlns:ct="urn:iso:std:iso:15118:-20:CommonTypes">'
        "<ct:Header><ct:SessionID>0102030405060708</ct:SessionID><ct:TimeStamp>1700000000</ct:TimeStamp></ct:Header>"
        "<EVMobilityStatus>true</EVMobilityStatus><EVPositioningSupport>false</EVPositioningSupport>"
        "</ACDP_VehiclePositioningReq>"
    )
    data = java_codec.encode_xml(ACDP, xml)
    assert "<ns5:EVMobilityStatus>true</ns5:EVMobilityStatus>" in java_codec.decode_xml(ACDP, data)
    with pytest.raises(ReferenceCodecError):
        java_codec.decode(ACDP, data)
    with pytest.raises(ReferenceCodecError, match="not schema-valid"):
        java_codec.encode_xml(ACDP, xml.replace(">true<", ">maybe<"))
    with pytest.raises(ReferenceCodecError):
        java_codec.encode_xml(ACDP, "<not-xml")
    assert java_codec.decode(COMMON_MESSAGES, REFERENCE) == REFERENCE_JSON


def test_leaving_the_block_ends_the_bridge_and_the_jvm(josev_environment: JosevEnvironment) -> None:
    with JavaExiCodec(venv=josev_environment.path) as codec:
        bridge, jvm = codec.pids
        assert codec.decode(COMMON_MESSAGES, REFERENCE) == REFERENCE_JSON
    assert gone(bridge) and gone(jvm) and group_gone(bridge)
    with pytest.raises(ReferenceUnavailable, match="not running"):
        codec.decode(COMMON_MESSAGES, REFERENCE)


def test_an_exception_in_the_block_still_ends_both(josev_environment: JosevEnvironment) -> None:
    with pytest.raises(KeyError), JavaExiCodec(venv=josev_environment.path) as codec:
        bridge, jvm = codec.pids
        raise KeyError("test")
    assert gone(bridge) and gone(jvm)


def test_a_call_past_its_timeout_kills_the_bridge(josev_environment: JosevEnvironment) -> None:
    with JavaExiCodec(venv=josev_environment.path) as codec:
        bridge, jvm = codec.pids
        with pytest.raises(ReferenceTimeout):
            codec.time_decode(COMMON_MESSAGES, REFERENCE, 1000, timeout=0.2)
        assert gone(bridge) and gone(jvm)
        with pytest.raises(ReferenceUnavailable, match="no answer"):
            codec.decode(COMMON_MESSAGES, REFERENCE)


def test_a_jvm_that_dies_makes_the_codec_unavailable(josev_environment: JosevEnvironment) -> None:
    with JavaExiCodec(venv=josev_environment.path) as codec:
        bridge, jvm = codec.pids
        assert jvm is not None
        os.kill(jvm, 9)
        assert gone(jvm)
        with pytest.raises(ReferenceUnavailable):
            codec.decode(COMMON_MESSAGES, REFERENCE)
        assert gone(bridge)


def test_a_jvm_not_ready_in_time_is_unavailable_and_leaves_nothing_running(
    josev_environment: JosevEnvironment,
) -> None:
    codec = JavaExiCodec(venv=josev_environment.path, start_timeout=0.05)
    with pytest.raises(ReferenceTimeout, match="starting the JVM"):
        codec.start()
    bridge, _ = codec.pids
    assert not codec.running
    assert group_gone(bridge)
