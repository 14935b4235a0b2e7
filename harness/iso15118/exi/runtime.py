"""Interprets the generated grammar tables: encodes documents (nested dicts) to EXI and decodes them back.

A document is `{root element name: content}`. Complex content is a dict keyed by child element or attribute local
name (`value` for simple content); a child that may repeat is always a list. The encoder visits keys in schema
order, so the dict's own order does not matter.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from .bitstream import BitReader, BitWriter
from .errors import ExiDecodeError, ExiEncodeError, ExiUnsupported
from .values import StringTable, ValueCodec, value_codec

AT, SE, EE, CH, SE_ANY, CH_MIXED = 0, 1, 2, 3, 4, 5
EXI_HEADER = 0x80  # distinguishing bits 10, no options, final version 1
_MISSING = object()
# An empty value ("", no octets, no list items) is not a CH event: encoders that work from XML, EXIficient among
# them, see <X/> and send EE through the second level. Second-level codes of a start-tag state without a declared
# EE (non-strict, no prefixes, no self-contained, no DTD, no comments): EE, xsi:type, xsi:nil, AT(*), AT untyped,
# SE(*), CH (first start tag: 7 codes) or EE, AT(*), AT untyped, SE(*), CH (later start tag: 5). Both need 3 bits
# and EE is code 0.
SECOND_LEVEL_WIDTH = 3
SECOND_LEVEL_EE = 0


class _View:
    __slots__ = ("by_code", "by_key", "mask", "width")

    def __init__(self, width: int, productions: list[tuple[Any, ...]]) -> None:
        self.width = width
        self.mask = (1 << width) - 1
        self.by_code = productions
        self.by_key = {p[1]: (code, *p) for code, p in enumerate(productions) if p[0] in (AT, SE, CH, EE)}

    def expected(self) -> str:
        names = [("end of element" if p[0] == EE else p[1]) for p in self.by_code if p[0] != CH_MIXED]
        return ", ".join(names) or "nothing"


class _State:
    __slots__ = ("high", "low", "single", "views")

    def __init__(self, loop: tuple[int, int | None] | None, views: list[_View]) -> None:
        self.views = views
        self.single = len(views) == 1
        self.low, self.high = loop if loop else (0, None)

    def view(self, count: int) -> _View:
        if len(self.views) == 1:
            return self.views[0]
        if count < self.low:
            return self.views[1]
        if self.high is not None and count >= self.high:
            return self.views[2]
        return self.views[0]


class _Type:
    __slots__ = ("fields", "keys", "keyset", "lists", "name", "states")

    def __init__(self, name: str, keys: tuple[str, ...], lists: tuple[str, ...]) -> None:
        self.name = name
        self.keys = keys
        self.keyset = frozenset(keys)
        self.lists = frozenset(lists)
        self.states: list[_State] = []
        self.fields: dict[str, Any] = {}  # key -> _Element (child) or ValueCodec (attribute, simple content)


class _Element:
    __slots__ = ("abstract", "complex", "name", "partition", "simple")

    def __init__(self, name: str, namespace: str, abstract: bool) -> None:
        self.name = name
        self.abstract = abstract
        self.partition = f"{{{namespace}}}{name}"
        self.simple: ValueCodec | None = None
        self.complex: _Type | None = None


class Grammar:
    """The codec for one root schema (one V2GTP namespace)."""

    def __init__(self, tables: ModuleType, string_table: bool = False) -> None:
        # The ISO 15118 profile sets the value partition capacity to 0: strings always go out as literals (the Java
        # reference codec agrees). string_table=True gives the EXI default (unbounded) for other uses.
        self.namespace: str = tables.NAMESPACE
        self._string_table = string_table
        self.datatypes = [value_codec(spec) for spec in tables.DATATYPES]
        self.elements = [_Element(name, ns, abstract) for (name, ns, _dt, _ty, abstract) in tables.ELEMENTS]
        self.types = [_Type(name, keys, lists) for (name, keys, lists, _states) in tables.TYPES]
        for element, (_n, _ns, datatype, type_index, _a) in zip(self.elements, tables.ELEMENTS, strict=True):
            element.simple = self.datatypes[datatype] if datatype is not None else None
            element.complex = self.types[type_index] if type_index is not None else None
        for type_grammar, (_n, _k, _l, states) in zip(self.types, tables.TYPES, strict=True):
            type_grammar.states = [
                _State(loop, [_View(width, [self._production(p) for p in productions]) for width, productions in views])
                for loop, views in states
            ]
        for type_grammar in self.types:
            for state in type_grammar.states:
                for view in state.views:
                    for kind, key, target, _next, _partition in view.by_code:
                        if kind in (SE, AT, CH):
                            type_grammar.fields.setdefault(key, target)
        self.roots: list[_Element] = [self.elements[i] for i in tables.ROOTS]
        self.root_index = {element.name: code for code, element in enumerate(self.roots)}
        self.document_width: int = tables.DOCUMENT_WIDTH
        self.fragment_roots: list[_Element | None] = [
            self.elements[i] if i >= 0 else None for i in tables.FRAGMENT_ROOTS
        ]
        self.fragment_index = {e.name: code for code, e in enumerate(self.fragment_roots) if e is not None}
        self.fragment_width: int = tables.FRAGMENT_WIDTH

    def _production(self, raw: tuple[Any, ...]) -> tuple[Any, ...]:
        kind, key, ref, next_state, namespace = raw
        if kind == SE:
            target: Any = self.elements[ref]
        elif kind in (AT, CH):
            target = self.datatypes[ref]
        else:
            target = None
        return (kind, key, target, next_state, f"{{{namespace}}}{key}")

    # -- encoding --------------------------------------------------------------------------------------------------
    def encode(self, document: dict[str, Any]) -> bytes:
        if not isinstance(document, dict) or len(document) != 1:
            raise ExiEncodeError("a document is a dict with exactly one root element")
        ((name, content),) = document.items()
        code = self.root_index.get(name)
        if code is None:
            raise ExiEncodeError(f"{name} is not a global element of {self.namespace}")
        writer = BitWriter()
        writer.bits(EXI_HEADER, 8)
        writer.bits(code, self.document_width)
        table = StringTable(self._string_table)
        try:
            self._encode_element(writer, self.roots[code], content, table)
        except ExiEncodeError as error:
            error.path.insert(0, name)
            raise
        return writer.getvalue()

    def _encode_element(self, writer: BitWriter, element: _Element, value: Any, table: StringTable) -> None:
        if element.simple is not None:
            if element.simple.is_empty(value):
                writer.bits(1, 1)  # escape to the second level: EE
                writer.bits(SECOND_LEVEL_EE, SECOND_LEVEL_WIDTH)
                return
            writer.bits(0, 1)  # CH of the element's first state; one more code is the second level
            element.simple.encode(writer, value, table, element.partition)
            writer.bits(0, 1)  # EE
            return
        complex_type = element.complex
        assert complex_type is not None
        if not isinstance(value, dict):
            raise ExiEncodeError(f"expected a dict for {complex_type.name}, got {type(value).__name__}")
        self._encode_complex(writer, complex_type, value, table, element.partition)

    def _encode_complex(
        self, writer: BitWriter, complex_type: _Type, content: dict[str, Any], table: StringTable, partition: str
    ) -> None:
        states = complex_type.states
        state = 0
        count = 0
        used = 0
        lists = complex_type.lists
        write = writer.bits
        for key in complex_type.keys:
            value = content.get(key, _MISSING)
            if value is _MISSING:
                continue
            used += 1
            items: list[Any] | tuple[Any]
            if key in lists:
                if not isinstance(value, list):
                    raise ExiEncodeError(f"{key} repeats and must be a list", (key,))
                items = value
            else:
                items = (value,)
            for item in items:
                if state == -1:
                    raise ExiEncodeError(f"{key} after the element's empty value")
                current = states[state]
                view = current.views[0] if current.single else current.view(count)
                production = view.by_key.get(key)
                if production is None:
                    raise ExiEncodeError(f"{key} is not allowed here; expected {view.expected()}")
                code, kind, _key, target, next_state, attribute_partition = production
                if kind == CH and target.is_empty(item):
                    write(len(view.by_code), view.width)
                    write(SECOND_LEVEL_EE, SECOND_LEVEL_WIDTH)
                    count, state = 0, -1
                    continue
                try:
                    if kind == SE:
                        simple = target.simple
                        fused = simple.element_bits(item) if simple is not None else None
                        if fused is not None:
                            write((code << fused[1]) | fused[0], view.width + fused[1])
                            count = count + 1 if next_state == state else 1
                            state = next_state
                            continue
                        write(code, view.width)
                        if simple is None:
                            if not isinstance(item, dict):
                                raise ExiEncodeError(f"expected a dict, got {type(item).__name__}")
                            self._encode_complex(writer, target.complex, item, table, target.partition)
                        elif simple.is_empty(item):
                            write(1, 1)
                            write(SECOND_LEVEL_EE, SECOND_LEVEL_WIDTH)
                        else:
                            write(0, 1)
                            simple.encode(writer, item, table, target.partition)
                            write(0, 1)
                    elif kind == AT:
                        write(code, view.width)
                        target.encode(writer, item, table, attribute_partition)
                    else:  # CH: simple content
                        write(code, view.width)
                        target.encode(writer, item, table, partition)
                except ExiEncodeError as error:
                    error.path.insert(0, key)
                    raise
                count = count + 1 if next_state == state else 1
                state = next_state
        if used != len(content):
            unknown = sorted(set(content) - complex_type.keyset)
            raise ExiEncodeError(f"unknown field(s) {', '.join(unknown)} for {complex_type.name}")
        if state == -1:  # the element already ended through the second level
            return
        current = states[state]
        view = current.views[0] if current.single else current.view(count)
        end = view.by_key.get("")
        if end is None:
            raise ExiEncodeError(f"incomplete {complex_type.name}: expected {view.expected()}")
        writer.bits(end[0], view.width)

    def encode_fragment(self, document: dict[str, Any]) -> bytes:
        """One element as an EXI fragment: FragmentContent SE(element), its content, then ED (EXI 1.0 §8.5.2)."""
        if not isinstance(document, dict) or len(document) != 1:
            raise ExiEncodeError("a fragment is a dict with exactly one element")
        ((name, content),) = document.items()
        code = self.fragment_index.get(name)
        if code is None:
            raise ExiEncodeError(f"{name} cannot start a fragment of {self.namespace}")
        writer = BitWriter()
        writer.bits(EXI_HEADER, 8)
        writer.bits(code, self.fragment_width)
        try:
            self._encode_element(writer, self.elements_by_fragment(code), content, StringTable(self._string_table))
        except ExiEncodeError as error:
            error.path.insert(0, name)
            raise
        writer.bits(len(self.fragment_roots) + 1, self.fragment_width)  # ED
        return writer.getvalue()

    def elements_by_fragment(self, code: int) -> _Element:
        element = self.fragment_roots[code]
        assert element is not None
        return element

    def decode_fragment(self, data: bytes) -> dict[str, Any]:
        """The one element of an EXI fragment; more than one element, or none, is refused."""
        reader = _after_header(data)
        start = reader.pos
        code = reader.bits(self.fragment_width)
        if code >= len(self.fragment_roots) or self.fragment_roots[code] is None:
            raise ExiUnsupported(f"fragment event code {code} is not a schema element this codec handles", start)
        element = self.elements_by_fragment(code)
        try:
            content = self._decode_element(reader, element, StringTable(self._string_table))
        except ExiDecodeError as error:
            error.path.insert(0, element.name)
            raise
        start = reader.pos
        end = reader.bits(self.fragment_width)
        if end != len(self.fragment_roots) + 1:
            raise ExiUnsupported("a fragment with more than one element", start)
        return {element.name: content}

    # -- decoding --------------------------------------------------------------------------------------------------
    def decode(self, data: bytes) -> dict[str, Any]:
        reader = _after_header(data)
        start = reader.pos
        code = reader.bits(self.document_width)
        if code >= len(self.roots):
            if code == len(self.roots):
                raise ExiUnsupported("root element outside the schema (SE(*))", start)
            raise ExiDecodeError(f"invalid root event code {code}", start)
        root = self.roots[code]
        table = StringTable(self._string_table)
        try:
            content = self._decode_element(reader, root, table)
        except ExiDecodeError as error:
            error.path.insert(0, root.name)
            raise
        return {root.name: content}

    def _decode_element(self, reader: BitReader, element: _Element, table: StringTable) -> Any:
        if element.simple is not None:
            return self._decode_simple(reader, element.simple, element.partition, table)
        complex_type = element.complex
        assert complex_type is not None
        return self._decode_complex(reader, complex_type, table, element.partition)

    @staticmethod
    def _empty_value(reader: BitReader, codec: ValueCodec, start: int) -> Any:
        """An element ended through the second level before its value: the empty value, if the type has one."""
        if reader.bits(SECOND_LEVEL_WIDTH) != SECOND_LEVEL_EE:
            raise ExiUnsupported("second-level event (xsi:type, xsi:nil or a deviation) other than EE", start)
        empty = codec.empty()
        if empty is None:
            raise ExiDecodeError(f"element ends without the {codec.kind} value it must carry", start)
        return empty

    def _decode_complex(self, reader: BitReader, complex_type: _Type, table: StringTable, partition: str) -> Any:
        # The hot loop of the decoder: event codes and the fixed parts of simple children are read inline from
        # the stream integer rather than through BitReader calls (half the decoding time otherwise).
        states = complex_type.states
        lists = complex_type.lists
        content: dict[str, Any] = {}
        state = 0
        count = 0
        whole = reader.whole
        end = reader.end
        while True:
            current = states[state]
            view = current.views[0] if current.single else current.view(count)
            start = reader.pos
            if whole is None:
                code = reader.bits(view.width)
            else:
                after = start + view.width
                if after > end:
                    raise ExiDecodeError(f"input ends inside an event code of {complex_type.name}", start)
                code = (whole >> (end - after)) & view.mask
                reader.pos = after
            productions = view.by_code
            if code >= len(productions):
                if code != len(productions):
                    raise ExiDecodeError(f"invalid event code {code} in {complex_type.name}", start)
                simple_content = [p for p in productions if p[0] == CH]
                if not simple_content:
                    raise ExiUnsupported(f"second-level event in {complex_type.name}", start)
                content["value"] = self._empty_value(reader, simple_content[0][2], start)
                return content
            kind, key, target, next_state, attribute_partition = productions[code]
            try:
                if kind == SE:
                    simple = target.simple
                    if simple is None:
                        value = self._decode_complex(reader, target.complex, table, target.partition)
                    else:
                        fixed = simple.fixed
                        here = reader.pos
                        if fixed and whole is not None and here + fixed + 2 <= end:
                            raw = (whole >> (end - here - fixed - 2)) & ((1 << (fixed + 2)) - 1)
                            if not (raw >> (fixed + 1) or raw & 1):
                                reader.pos = here + fixed + 2
                                value = simple.from_raw(raw >> 1, here + 1)
                            else:
                                value = self._decode_simple(reader, simple, target.partition, table)
                        else:
                            value = self._decode_simple(reader, simple, target.partition, table)
                elif kind == EE:
                    return content
                elif kind == AT:
                    value = target.decode(reader, table, attribute_partition)
                elif kind == CH:
                    value = target.decode(reader, table, partition)
                elif kind == SE_ANY:
                    raise ExiUnsupported("wildcard element content", start)
                else:
                    raise ExiUnsupported("character data in mixed content", start)
            except ExiDecodeError as error:
                error.path.insert(0, key)
                raise
            if key in lists:
                content.setdefault(key, []).append(value)
            else:
                content[key] = value
            count = count + 1 if next_state == state else 1
            state = next_state

    def _decode_simple(self, reader: BitReader, simple: ValueCodec, partition: str, table: StringTable) -> Any:
        start = reader.pos
        if reader.bits(1):
            return self._empty_value(reader, simple, start)
        value = simple.decode(reader, table, partition)
        if reader.bits(1):
            raise ExiUnsupported("second-level event after a simple value", reader.pos - 1)
        return value


def _after_header(data: bytes) -> BitReader:
    """A reader past the EXI header, which the profile fixes at 0x80 (no options, final version 1)."""
    if not data:
        raise ExiDecodeError("empty input", 0)
    reader = BitReader(data)
    header = reader.bits(8)
    if header != EXI_HEADER:
        raise ExiDecodeError(f"EXI header 0x{header:02x}, expected 0x80 (no options, version 1)", 0)
    return reader
