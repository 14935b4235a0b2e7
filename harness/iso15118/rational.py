"""RationalNumber (Value * 10^Exponent, Value a signed 16-bit integer): the -20 way of sending physical values."""

from __future__ import annotations

from typing import Any

VALUE_MAX = 32767
EXPONENT_RANGE = (-128, 127)


def rational(value: float) -> dict[str, int]:
    """The codec document of `value`, keeping as many significant digits as a 16-bit Value allows."""
    exponent = 0
    scaled = float(value)
    while abs(round(scaled)) > VALUE_MAX:
        exponent += 1
        scaled = value / 10**exponent
    # Move fractional digits into the value while they still fit (at most three: milli-units are plenty here).
    while exponent > -3 and scaled != round(scaled) and abs(scaled * 10) <= VALUE_MAX:
        exponent -= 1
        scaled = value / 10**exponent
    return {"Exponent": exponent, "Value": round(scaled)}


def number(document: Any) -> float:
    """The value of a RationalNumber document; a malformed one raises ValueError (the peer's fault, said by caller)."""
    if not isinstance(document, dict) or "Value" not in document or "Exponent" not in document:
        raise ValueError(f"not a RationalNumber: {document!r}")
    return float(int(document["Value"]) * 10.0 ** int(document["Exponent"]))
