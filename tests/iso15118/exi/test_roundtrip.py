"""Every message of every generated namespace survives encode -> decode, including edge shapes: lists at
maxOccurs, empty strings and octets (sent as a second-level EE), extreme integers."""

from __future__ import annotations

import random

import pytest

from harness.iso15118.exi.codec import SHORT_NAMES, decode, encode, grammar
from harness.iso15118.exi.sampling import Sampler, message_roots

DOCUMENTS_PER_MESSAGE = 15


MESSAGE_NAMESPACES = sorted(set(SHORT_NAMES) - {"xmldsig"})  # xmldsig alone has no messages, only fragments


@pytest.mark.parametrize("namespace", MESSAGE_NAMESPACES)
def test_sampled_messages_round_trip(namespace: str) -> None:
    codec = grammar(namespace)
    roots = message_roots(codec)
    assert roots, f"{namespace} has no messages"
    for fill in (0.2, 0.8):
        sampler = Sampler(codec, random.Random(f"{namespace}-{fill}"), fill=fill)
        for root in roots:
            for _ in range(DOCUMENTS_PER_MESSAGE):
                document = sampler.document(root)
                assert decode(namespace, encode(namespace, document)) == document, root


def test_message_counts_per_namespace() -> None:
    counts = {ns: len(message_roots(grammar(ns))) for ns in ("app", "common", "dc", "ac")}
    assert counts == {"app": 2, "common": 26, "dc": 10, "ac": 4}


def test_list_at_max_occurs_and_empty_values_round_trip() -> None:
    protocols = [
        {"ProtocolNamespace": "" if i == 0 else f"urn:iso:std:iso:15118:-20:DC{i}", "VersionNumberMajor": 1,
         "VersionNumberMinor": 0, "SchemaID": i, "Priority": 1 + i % 20}
        for i in range(20)
    ]  # fmt: skip
    document = {"supportedAppProtocolReq": {"AppProtocol": protocols}}
    assert decode("app", encode("app", document)) == document
    with pytest.raises(Exception, match="not allowed here"):
        encode("app", {"supportedAppProtocolReq": {"AppProtocol": [*protocols, protocols[1]]}})


def test_empty_string_is_the_second_level_end_element_as_exificient_writes_it() -> None:
    document = {
        "supportedAppProtocolReq": {
            "AppProtocol": [
                {"ProtocolNamespace": "", "VersionNumberMajor": 0, "VersionNumberMinor": 851, "SchemaID": 0,
                 "Priority": 20}
            ]
        }
    }  # fmt: skip
    # Bytes produced by the Java reference codec for the same document.
    assert encode("app", document).hex() == "800800069830001310"
