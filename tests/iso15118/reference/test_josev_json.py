"""The round-trip comparison that turns the jar's silent dropping into errors."""

from __future__ import annotations

from harness.iso15118.reference.josev_json import differences


def test_identical_documents_agree() -> None:
    document = {"SessionSetupReq": {"Header": {"SessionID": "00", "TimeStamp": 2**64 - 1}, "EVCCID": "A"}}
    assert differences(document, document) == []


def test_a_dropped_key_is_named_with_its_path() -> None:
    sent = {"R": {"Header": {"SessionID": "00", "Bogus": 1}}}
    assert differences(sent, {"R": {"Header": {"SessionID": "00"}}}) == ["$.R.Header.Bogus: dropped by the Java codec"]


def test_a_null_is_reported_as_left_out() -> None:
    assert differences({"R": {"Mode": None}}, {"R": {}}) == ["$.R.Mode: null, so left out"]


def test_an_added_key_is_reported() -> None:
    assert differences({"R": {}}, {"R": {"type": "X"}}) == ["$.R.type: added by the Java codec"]


def test_single_object_matches_the_jars_one_item_array() -> None:
    assert differences({"L": {"ID": 2}}, {"L": [{"ID": 2}]}) == []
    assert differences({"L": 2}, {"L": [2, 3]}) == ["$.L: sent 2, came back [2, 3]"]


def test_lists_are_compared_item_by_item() -> None:
    assert differences({"L": [1, 2]}, {"L": [1]}) == ["$.L: 2 items sent, 1 came back"]
    assert differences({"L": [1, 2]}, {"L": [1, 3]}) == ["$.L[1]: sent 2, came back 3"]


def test_hex_may_come_back_in_upper_case_but_other_strings_may_not_change() -> None:
    assert differences({"SessionID": "abcdef01"}, {"SessionID": "ABCDEF01"}) == []
    assert differences({"EVCCID": "ab"}, {"EVCCID": "AB"}) == []  # indistinguishable from hex: accepted
    assert differences({"EVCCID": "abc"}, {"EVCCID": "ABC"}) == ["$.EVCCID: sent 'abc', came back 'ABC'"]


def test_a_value_of_the_wrong_json_type_is_reported_even_if_the_jar_coerced_it() -> None:
    assert differences({"T": "1700000000"}, {"T": 1700000000}) == ["$.T: sent '1700000000', came back 1700000000"]
    assert differences({"B": 1}, {"B": True}) == ["$.B: sent 1, came back True"]
