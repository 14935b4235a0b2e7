"""The bridge script's pure helpers, importable here because it loads py4j and iso15118 only when it runs."""

from __future__ import annotations

from harness.iso15118.reference import _bridge


def test_one_line_collapses_a_java_message() -> None:
    message = "javax.xml.bind.UnmarshalException\n - with linked exception:\n[java.lang.RuntimeException: \n boom]"
    assert _bridge.one_line(message) == (
        "javax.xml.bind.UnmarshalException - with linked exception: [java.lang.RuntimeException: boom]"
    )


def test_xml_unsafe_finds_control_characters_with_their_path() -> None:
    document = {"R": {"List": ["fine", "tab\tand newline\n are fine", "bell\u0007"]}}
    assert _bridge.xml_unsafe(document) == "$.R.List[2] holds U+0007, which XML 1.0 cannot carry"
    assert _bridge.xml_unsafe({"R": {"Text": "Grüße €"}}) is None


def test_fragment_roots_follow_the_jars_rule() -> None:
    assert _bridge._fragment_root(_bridge.XMLDSIG, '{"SignedInfo": {}}')
    assert _bridge._fragment_root(_bridge.COMMON_MESSAGES, '{"PnC_AReqAuthorizationMode": {}}')
    assert not _bridge._fragment_root(_bridge.COMMON_MESSAGES, '{"AuthorizationReq": {}}')
