"""Assertions that read like tool validations: a failed check is a DUT non-conformity with a precise reason."""

from __future__ import annotations

from typing import Any

from harness.verdict import Nonconformity


def require(condition: bool, reason: str) -> None:
    if not condition:
        raise Nonconformity(reason)


def require_equal(actual: Any, expected: Any, what: str) -> None:
    if actual != expected:
        raise Nonconformity(f"{what} is {actual!r}, expected {expected!r}")


def require_in(actual: Any, allowed: tuple[Any, ...] | list[Any] | set[Any], what: str) -> None:
    if actual not in allowed:
        options = " or ".join(repr(a) for a in allowed)
        raise Nonconformity(f"{what} is {actual!r}, expected {options}")
