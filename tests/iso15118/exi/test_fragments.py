"""EXI fragments, the form a PnC signature digests (SignedInfo, signed elements): the fragment grammar of a schema
set lists every element qname. The expected bytes come from the Java reference codec (and the -2 style SignedInfo
also equals a published test vector of the C codec cbv2g for its xmldsig fragment)."""

from __future__ import annotations

import random

import pytest

from harness.iso15118.exi.codec import decode_fragment, encode_fragment, grammar
from harness.iso15118.exi.errors import ExiDecodeError, ExiEncodeError
from harness.iso15118.exi.sampling import Sampler

TINY = {
    "SignedInfo": {
        "CanonicalizationMethod": {"Algorithm": "a"},
        "SignatureMethod": {"Algorithm": "b"},
        "Reference": [{"URI": "#c", "DigestMethod": {"Algorithm": "d"}, "DigestValue": b"\x00\x01\x02"}],
    }
}
CANONICAL_EXI = "http://www.w3.org/TR/canonical-exi/"
SIGNED_INFO = {
    "SignedInfo": {
        "CanonicalizationMethod": {"Algorithm": CANONICAL_EXI},
        "SignatureMethod": {"Algorithm": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"},
        "Reference": [
            {
                "URI": "#id1",
                "Transforms": {"Transform": [{"Algorithm": CANONICAL_EXI}]},
                "DigestMethod": {"Algorithm": "http://www.w3.org/2001/04/xmlenc#sha256"},
                "DigestValue": bytes(range(32)),
            }
        ],
    }
}
SIGNED_INFO_HEX = (
    "808112b43a3a381d1797bbbbbb973b999737b93397aa2917b1b0b737b734b1b0b616b2bc3497a1ab43a3a381d1797bbbbbb973b999737b"
    "933979918181897981a17bc36b63239b4b396b6b7b93291b2b1b239b096b9b430991a9b220623696431025687474703a2f2f7777772e77"
    "332e6f72672f54522f63616e6f6e6963616c2d6578692f4852d0e8e8e0745e5eeeeeee5cee665cdee4ce5e646060625e60685ef0dad8ca"
    "dcc646e6d0c2646a6c84000020406080a0c0e10121416181a1c1e20222426282a2c2e30323436383a3c3e370"
)


@pytest.mark.parametrize(
    ("namespace", "document", "expected"),
    [
        ("xmldsig", TINY, "808101b0a01b122042363406c8806000204370"),
        ("common", TINY, "80732036140362440846c680d9100c0004086340"),
        ("xmldsig", SIGNED_INFO, SIGNED_INFO_HEX),
    ],
)
def test_signed_info_fragments_match_the_reference(namespace: str, document: dict[str, object], expected: str) -> None:
    assert encode_fragment(namespace, document).hex() == expected
    assert decode_fragment(namespace, bytes.fromhex(expected)) == document


@pytest.mark.parametrize("namespace", ["xmldsig", "common", "dc", "ac"])
def test_sampled_signed_info_fragments_round_trip(namespace: str) -> None:
    codec = grammar("xmldsig")
    sampler = Sampler(codec, random.Random(namespace), exclude=frozenset({"KeyInfo", "Object"}))
    for _ in range(30):
        document = sampler.document("SignedInfo")
        assert decode_fragment(namespace, encode_fragment(namespace, document)) == document


def test_a_fragment_of_an_unknown_element_is_refused() -> None:
    with pytest.raises(ExiEncodeError, match="cannot start a fragment"):
        encode_fragment("xmldsig", {"SessionSetupReq": {}})


def test_a_truncated_fragment_says_where() -> None:
    with pytest.raises(ExiDecodeError, match="at bit"):
        decode_fragment("xmldsig", bytes.fromhex(SIGNED_INFO_HEX)[:40])
