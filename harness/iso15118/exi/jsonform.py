"""Documents as JSON: octets become hex (xs:hexBinary) or base64 (xs:base64Binary) text, as in XML.

This is the form `harness exi decode` prints and `harness exi encode` reads, and the form the Java reference
codec (JAXB with MOXy) speaks, so both directions are driven by the same grammar.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .errors import ExiEncodeError
from .runtime import Grammar, _Element, _Type
from .values import BinaryCodec, ListCodec, ValueCodec


def to_json(grammar: Grammar, document: dict[str, Any]) -> dict[str, Any]:
    """A decoded document with its octets written as text."""
    return {name: _element_out(_root(grammar, name), value) for name, value in document.items()}


def from_json(grammar: Grammar, document: dict[str, Any], *, single_item_lists: bool = False) -> dict[str, Any]:
    """The inverse of to_json; raises ExiEncodeError naming the field when text is not valid hex or base64.

    `single_item_lists` accepts a one-item array where the schema has a single child: the Java reference codec's
    data binding writes the children of mixed-content elements (xmldsig SignatureMethod) that way.
    """
    if not isinstance(document, dict) or len(document) != 1:
        raise ExiEncodeError("a document is a JSON object with exactly one root element")
    return {
        name: _element_in(_root(grammar, name), value, (name,), single_item_lists) for name, value in document.items()
    }


def _root(grammar: Grammar, name: str) -> _Element:
    code = grammar.root_index.get(name)
    if code is None:
        raise ExiEncodeError(f"{name} is not a global element of {grammar.namespace}")
    return grammar.roots[code]


def _element_out(element: _Element, value: Any) -> Any:
    if element.simple is not None:
        return _value_out(element.simple, value)
    assert element.complex is not None
    return _complex_out(element.complex, value)


def _complex_out(complex_type: _Type, content: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in content.items():
        target = complex_type.fields[key]
        if key in complex_type.lists:
            out[key] = [_field_out(target, v) for v in value]
        else:
            out[key] = _field_out(target, value)
    return out


def _field_out(target: Any, value: Any) -> Any:
    return _element_out(target, value) if isinstance(target, _Element) else _value_out(target, value)


def _value_out(codec: ValueCodec, value: Any) -> Any:
    if isinstance(codec, BinaryCodec):
        return value.hex().upper() if codec.kind == "hex" else base64.b64encode(value).decode("ascii")
    if isinstance(codec, ListCodec):
        return [_value_out(codec.item, v) for v in value]
    return value


def _element_in(element: _Element, value: Any, path: tuple[str, ...], single_item_lists: bool = False) -> Any:
    if element.simple is not None:
        return _value_in(element.simple, value, path)
    assert element.complex is not None
    if not isinstance(value, dict):
        raise ExiEncodeError(f"expected an object, got {type(value).__name__}", path)
    complex_type = element.complex
    out: dict[str, Any] = {}
    for key, item in value.items():
        target = complex_type.fields.get(key)
        if target is None:
            raise ExiEncodeError(f"unknown field {key} for {complex_type.name}", path)
        here = (*path, key)
        if single_item_lists and key not in complex_type.lists and isinstance(item, list) and len(item) == 1:
            item = item[0]
        if key in complex_type.lists:
            if not isinstance(item, list):
                raise ExiEncodeError(f"{key} repeats and must be a list", here)
            out[key] = [_field_in(target, v, here, single_item_lists) for v in item]
        else:
            out[key] = _field_in(target, item, here, single_item_lists)
    return out


def _field_in(target: Any, value: Any, path: tuple[str, ...], single_item_lists: bool) -> Any:
    if isinstance(target, _Element):
        return _element_in(target, value, path, single_item_lists)
    return _value_in(target, value, path)


def _value_in(codec: ValueCodec, value: Any, path: tuple[str, ...]) -> Any:
    if isinstance(codec, BinaryCodec):
        if not isinstance(value, str):
            raise ExiEncodeError(f"expected {codec.kind} text, got {type(value).__name__}", path)
        try:
            return bytes.fromhex(value) if codec.kind == "hex" else base64.b64decode(value, validate=True)
        except (ValueError, binascii.Error):
            raise ExiEncodeError(f"{value!r} is not valid {codec.kind}", path) from None
    if isinstance(codec, ListCodec):
        if not isinstance(value, list):
            raise ExiEncodeError("expected a list", path)
        return [_value_in(codec.item, v, path) for v in value]
    return value
