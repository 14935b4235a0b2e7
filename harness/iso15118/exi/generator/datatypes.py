"""Which EXI datatype representation (EXI 1.0 §7.1) each XSD simple type gets, as the schema-informed profile
assigns it: bounded integers as n-bit, non-negative ones as unsigned, enumerations as indices."""

from __future__ import annotations

from ..bitstream import coding_length
from .xsd import SchemaError, SimpleType

# The largest bounded range EXI encodes as an n-bit offset (EXI 1.0 §7.1.9: 4096 values or fewer).
MAX_NBIT_RANGE = 4096

DatatypeSpec = tuple[object, ...]

_STRING_BUILTINS = {
    "string", "normalizedString", "token", "language", "Name", "NCName", "ID", "IDREF", "ENTITY", "NMTOKEN",
    "anyURI", "anySimpleType",
}  # fmt: skip


def datatype_of(simple: SimpleType) -> DatatypeSpec:
    """The EXI representation of a simple type as a small tuple the runtime understands."""
    if simple.variety == "list":
        if simple.item_type is None:
            raise SchemaError("list type without item type")
        return ("list", datatype_of(simple.item_type), *_lengths(simple))
    if simple.variety == "union":
        return ("str", *_lengths(simple))
    enumeration = simple.effective_enumeration()
    builtin = simple.builtin_name()
    if enumeration:
        if builtin in ("QName", "NOTATION"):
            return ("str", *_lengths(simple))
        return ("enum", enumeration, _value_kind(builtin))
    if builtin == "boolean":
        if simple.has_pattern:
            raise SchemaError("boolean types with a pattern facet are not supported")
        return ("bool",)
    if builtin in ("hexBinary", "base64Binary"):
        return ("bin", "hex" if builtin == "hexBinary" else "base64", *_lengths(simple))
    if _is_integer(simple):
        return _integer(simple)
    if builtin in _STRING_BUILTINS or builtin in ("QName", "NOTATION"):
        if any(t.has_pattern and t.name is not None and t.name[0] != "http://www.w3.org/2001/XMLSchema"
               for t in simple.chain()) or (simple.has_pattern and simple.name is None):  # fmt: skip
            raise SchemaError(f"string type {simple.name} has a pattern: restricted character sets are not supported")
        return ("str", *_lengths(simple))
    raise SchemaError(f"datatype {builtin} ({simple.name}) is not supported by this codec")


def _value_kind(builtin: str) -> str:
    return "int" if builtin in _INTEGER_BUILTINS else "str"


_INTEGER_BUILTINS = {
    "integer", "nonPositiveInteger", "negativeInteger", "long", "int", "short", "byte", "nonNegativeInteger",
    "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte", "positiveInteger",
}  # fmt: skip


def _is_integer(simple: SimpleType) -> bool:
    return any(t.name is not None and t.name[1] in _INTEGER_BUILTINS for t in simple.chain())


def _integer(simple: SimpleType) -> DatatypeSpec:
    low: int | None = None
    high: int | None = None
    for facet, adjust, is_low in (
        ("minInclusive", 0, True),
        ("minExclusive", 1, True),
        ("maxInclusive", 0, False),
        ("maxExclusive", -1, False),
    ):
        text = simple.facet(facet)
        if text is None:
            continue
        value = int(text) + adjust
        if is_low:
            low = value if low is None else max(low, value)
        else:
            high = value if high is None else min(high, value)
    if low is not None and high is not None and high - low + 1 <= MAX_NBIT_RANGE:
        return ("nbit", low, high, coding_length(high - low + 1))
    if low is not None and low >= 0:
        return ("uint", low, high)
    return ("int", low, high)


def _lengths(simple: SimpleType) -> tuple[int | None, int | None]:
    """Length facets (not part of the EXI representation; kept for validation and test documents)."""
    exact = simple.facet("length")
    if exact is not None:
        return (int(exact), int(exact))
    low = simple.facet("minLength")
    high = simple.facet("maxLength")
    return (int(low) if low is not None else None, int(high) if high is not None else None)
