"""Part 5 conditions of a case, as the inventory writes them, decided against what the DUT profile declares.

A condition is a small expression over Part 5 ids: optional features (`C-30`, `R-2`, `SC-2.1`, `UI-1.2`, ...), PICS
questions (`AQ-2`) and hardware features (`HFS-1`; `HFS-8 > 1` counts EVSEs), joined by `or`, `and`, `not` and
parentheses, with `any of C-30..C-35` for a range and a certification profile named in words ("ISO 15118 support").
A trailing parenthesis in plain words is our gloss and is ignored. What does not parse (free-text PICS, remarks) is
decided only by an explicit answer in the DUT profile (`certification.answers`), never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from harness.config import Dut

_ID = r"[A-Z]{1,3}-\d+(?:\.\d+)?"
_TOKEN = re.compile(rf"\s*(\(|\)|\bor\b|\band\b|\bnot\b|{_ID}(?:\s*>\s*\d+)?|profile:[a-z0-9_]+)")
_RANGE = re.compile(r"any of ([A-Z]{1,3})-(\d+)\.\.\1-(\d+)")
_GLOSS = re.compile(r"\s*\(([^()]*)\)\s*$")
_PROFILE_WORDS = {
    "ISO 15118 support": "profile:iso15118",
    "Local Authorization List Management profile": "profile:local_auth_list",
    "Smart Charging profile": "profile:smart_charging",
}
_EVSE_COUNT = "HFS-8"  # the number of EVSEs, the one hardware feature that is a number


class Undecidable(ValueError):
    """The condition is not an expression this module can read."""


@dataclass(frozen=True)
class Declared:
    features: frozenset[str]
    profiles: frozenset[str]
    evse_count: int

    @classmethod
    def of(cls, dut: Dut) -> Declared:
        certification = dut.certification
        return cls(frozenset(certification.features), frozenset(certification.profiles), len(dut.evses))


def holds(condition: str, declared: Declared) -> bool:
    """Whether the condition holds; raises Undecidable for text that is not an expression."""
    tokens = _tokens(_normalise(condition))
    value, rest = _or(tokens, declared)
    if rest:
        raise Undecidable(f"unexpected {' '.join(rest)!r}")
    return value


def unmet_condition(conditions: tuple[str, ...], dut: Dut) -> str | None:
    """The first Part 5 condition the DUT does not meet (or that it must answer and did not), else None."""
    declared = Declared.of(dut)
    answers = dut.certification.answers
    for condition in conditions:
        if condition in answers:
            if not answers[condition]:
                return f"Part 5 makes the case conditional on {condition!r}; the DUT profile answers no"
            continue
        try:
            met = holds(condition, declared)
        except Undecidable:
            return (
                f"Part 5 makes the case conditional on {condition!r}, which the harness cannot decide; "
                "answer it under certification.answers in the DUT profile"
            )
        if not met:
            return (
                f"Part 5 makes the case conditional on {condition!r}; the features the DUT profile declares do not "
                "meet it"
            )
    return None


def _normalise(condition: str) -> str:
    text = condition.strip()
    gloss = _GLOSS.search(text)
    if gloss and re.search(r"[a-z]{3,}", _strip_operators(gloss.group(1))):
        text = text[: gloss.start()].strip()
    for words, token in _PROFILE_WORDS.items():
        text = text.replace(words, token)
    return _RANGE.sub(_expand_range, text)


def _strip_operators(text: str) -> str:
    return re.sub(r"\b(or|and|not)\b", "", text)


def _expand_range(match: re.Match[str]) -> str:
    prefix, first, last = match.group(1), int(match.group(2)), int(match.group(3))
    return "(" + " or ".join(f"{prefix}-{n:02d}" for n in range(first, last + 1)) + ")"


def _tokens(text: str) -> list[str]:
    tokens, position = [], 0
    while position < len(text.rstrip()):
        match = _TOKEN.match(text, position)
        if match is None:
            raise Undecidable(f"cannot read {text[position:].strip()!r}")
        tokens.append(match.group(1))
        position = match.end()
    if not tokens:
        raise Undecidable("empty condition")
    return tokens


def _or(tokens: list[str], declared: Declared) -> tuple[bool, list[str]]:
    value, rest = _and(tokens, declared)
    while rest and rest[0] == "or":
        right, rest = _and(rest[1:], declared)
        value = value or right
    return value, rest


def _and(tokens: list[str], declared: Declared) -> tuple[bool, list[str]]:
    value, rest = _not(tokens, declared)
    while rest and rest[0] == "and":
        right, rest = _not(rest[1:], declared)
        value = value and right
    return value, rest


def _not(tokens: list[str], declared: Declared) -> tuple[bool, list[str]]:
    if not tokens:
        raise Undecidable("an operator without an operand")
    if tokens[0] == "not":
        value, rest = _not(tokens[1:], declared)
        return not value, rest
    if tokens[0] == "(":
        value, rest = _or(tokens[1:], declared)
        if not rest or rest[0] != ")":
            raise Undecidable("unbalanced parentheses")
        return value, rest[1:]
    return _atom(tokens[0], declared), tokens[1:]


def _atom(token: str, declared: Declared) -> bool:
    if token in ("or", "and", ")"):
        raise Undecidable(f"{token!r} where an id was expected")
    if token.startswith("profile:"):
        return token.removeprefix("profile:") in declared.profiles
    if ">" in token:
        name, _, limit = token.partition(">")
        if name.strip() != _EVSE_COUNT:
            raise Undecidable(f"no count is known for {name.strip()}")
        return declared.evse_count > int(limit)
    return token in declared.features
