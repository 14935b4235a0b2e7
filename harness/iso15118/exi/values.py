"""Typed value representations of EXI 1.0 §7.1 with the value string table of §7.3.

Documents carry plain Python values: int, bool, str, bytes, enumeration values as their lexical string, lists for
list types. Encoding checks each value against what the representation can carry; decoding checks what it reads.
"""

from __future__ import annotations

from typing import Any

from .bitstream import BitReader, BitWriter, coding_length
from .errors import ExiDecodeError, ExiEncodeError

MAX_CODE_POINT = 0x10FFFF


class StringTable:
    """The value partitions of one stream (EXI §7.3.3): a global one and one per element or attribute qname.

    `enabled` False is a value partition capacity of 0: every string goes out as a literal.
    """

    __slots__ = ("enabled", "global_index", "global_values", "local")

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.global_values: list[str] = []
        self.global_index: dict[str, int] = {}
        self.local: dict[str, tuple[list[str], dict[str, int]]] = {}

    def add(self, partition: str, value: str) -> None:
        if not self.enabled or not value:
            return
        values, index = self.local.setdefault(partition, ([], {}))
        index.setdefault(value, len(values))
        values.append(value)
        self.global_index.setdefault(value, len(self.global_values))
        self.global_values.append(value)


def _unsigned_bits(value: int) -> tuple[int, int]:
    """An unsigned integer's octets (EXI §7.1.6) as one field: (bits, number of bits)."""
    if value < 0x80:
        return (value, 8)
    bits = 0
    count = 0
    while True:
        group = value & 0x7F
        value >>= 7
        bits = (bits << 8) | (group | 0x80 if value else group)
        count += 8
        if not value:
            return (bits, count)


class ValueCodec:
    """One datatype representation; `kind` names it for messages and for JSON conversion of documents.

    `low`/`high` are the schema's bounds (value range for integers, length for strings, octets and lists): not
    part of the EXI representation, kept so models and test documents can respect them.
    """

    kind = "value"
    low: int | None = None
    high: int | None = None
    fixed = 0  # bits of a fixed-width representation (n-bit, boolean, enumeration), else 0

    def from_raw(self, raw: int, start: int) -> Any:
        """The value of a fixed-width field already read."""
        raise NotImplementedError

    def is_empty(self, value: Any) -> bool:
        """True for the value an XML encoder writes as an empty element (see runtime.SECOND_LEVEL_EE)."""
        return False

    def empty(self) -> Any:
        """The empty value, or None when the type has none."""
        return None

    def element_bits(self, value: Any) -> tuple[int, int] | None:
        """The value of a simple element together with its CH and EE event codes (each a 0 bit) as one field, or
        None when the representation is not a fixed run of bits. Lets the encoder write a child in one go."""
        return None

    def bounded(self, low: int | None, high: int | None) -> ValueCodec:
        self.low = low
        self.high = high
        return self

    def encode(self, writer: BitWriter, value: Any, table: StringTable, partition: str) -> None:
        raise NotImplementedError

    def decode(self, reader: BitReader, table: StringTable, partition: str) -> Any:
        raise NotImplementedError


class UnsignedCodec(ValueCodec):
    kind = "unsigned"

    def element_bits(self, value: Any) -> tuple[int, int] | None:
        if type(value) is not int or value < 0:
            raise ExiEncodeError(f"expected a non-negative integer, got {value!r}")
        groups, count = _unsigned_bits(value)
        return (groups << 1, count + 2)

    def encode(self, writer: BitWriter, value: Any, table: StringTable, partition: str) -> None:
        if type(value) is not int or value < 0:
            raise ExiEncodeError(f"expected a non-negative integer, got {value!r}")
        writer.unsigned(value)

    def decode(self, reader: BitReader, table: StringTable, partition: str) -> Any:
        return reader.unsigned()


class IntegerCodec(ValueCodec):
    kind = "integer"

    def element_bits(self, value: Any) -> tuple[int, int] | None:
        if type(value) is not int:
            raise ExiEncodeError(f"expected an integer, got {value!r}")
        if value < 0:
            groups, count = _unsigned_bits(-value - 1)
            return (((1 << count) | groups) << 1, count + 3)
        groups, count = _unsigned_bits(value)
        return (groups << 1, count + 3)

    def encode(self, writer: BitWriter, value: Any, table: StringTable, partition: str) -> None:
        if type(value) is not int:
            raise ExiEncodeError(f"expected an integer, got {value!r}")
        if value < 0:
            writer.bits(1, 1)
            writer.unsigned(-value - 1)
        else:
            writer.bits(0, 1)
            writer.unsigned(value)

    def decode(self, reader: BitReader, table: StringTable, partition: str) -> Any:
        negative = reader.bits(1)
        magnitude = reader.unsigned()
        return -magnitude - 1 if negative else magnitude


class BoundedCodec(ValueCodec):
    """An integer with a range of at most 4096 values, sent as an n-bit offset from the minimum."""

    kind = "bounded"

    def __init__(self, low: int, high: int, width: int) -> None:
        self.minimum = low
        self.maximum = high
        self.width = width
        self.fixed = width

    def from_raw(self, raw: int, start: int) -> Any:
        value = raw + self.minimum
        if value > self.maximum:
            raise ExiDecodeError(f"value {value} above the maximum {self.maximum}", start)
        return value

    def element_bits(self, value: Any) -> tuple[int, int] | None:
        if type(value) is not int or not self.minimum <= value <= self.maximum:
            raise ExiEncodeError(f"expected an integer in [{self.minimum}, {self.maximum}], got {value!r}")
        return ((value - self.minimum) << 1, self.width + 2)

    def encode(self, writer: BitWriter, value: Any, table: StringTable, partition: str) -> None:
        if type(value) is not int or not self.minimum <= value <= self.maximum:
            raise ExiEncodeError(f"expected an integer in [{self.minimum}, {self.maximum}], got {value!r}")
        writer.bits(value - self.minimum, self.width)

    def decode(self, reader: BitReader, table: StringTable, partition: str) -> Any:
        start = reader.pos
        value = reader.bits(self.width) + self.minimum
        if value > self.maximum:
            raise ExiDecodeError(f"value {value} above the maximum {self.maximum}", start)
        return value


class BooleanCodec(ValueCodec):
    kind = "boolean"
    fixed = 1

    def from_raw(self, raw: int, start: int) -> Any:
        return raw == 1

    def element_bits(self, value: Any) -> tuple[int, int] | None:
        if type(value) is not bool:
            raise ExiEncodeError(f"expected a boolean, got {value!r}")
        return (2 if value else 0, 3)

    def encode(self, writer: BitWriter, value: Any, table: StringTable, partition: str) -> None:
        if type(value) is not bool:
            raise ExiEncodeError(f"expected a boolean, got {value!r}")
        writer.bits(1 if value else 0, 1)

    def decode(self, reader: BitReader, table: StringTable, partition: str) -> Any:
        return reader.bits(1) == 1


class BinaryCodec(ValueCodec):
    def is_empty(self, value: Any) -> bool:
        return value == b"" and type(value) is bytes

    def empty(self) -> Any:
        return b""

    def __init__(self, lexical: str) -> None:
        self.kind = lexical  # "hex" or "base64": how the XML (and JSON) form writes the octets

    def encode(self, writer: BitWriter, value: Any, table: StringTable, partition: str) -> None:
        if not isinstance(value, bytes):
            raise ExiEncodeError(f"expected bytes, got {type(value).__name__}")
        writer.unsigned(len(value))
        writer.octets(value)

    def decode(self, reader: BitReader, table: StringTable, partition: str) -> Any:
        return reader.octets(reader.unsigned())


class StringCodec(ValueCodec):
    def is_empty(self, value: Any) -> bool:
        return value == "" and type(value) is str

    def empty(self) -> Any:
        return ""

    kind = "string"

    def encode(self, writer: BitWriter, value: Any, table: StringTable, partition: str) -> None:
        if type(value) is not str:
            raise ExiEncodeError(f"expected a string, got {value!r}")
        if table.enabled:
            local = table.local.get(partition)
            if local is not None and value in local[1]:
                writer.unsigned(0)
                writer.bits(local[1][value], coding_length(len(local[0])))
                return
            hit = table.global_index.get(value)
            if hit is not None:
                writer.unsigned(1)
                writer.bits(hit, coding_length(len(table.global_values)))
                return
        if value.isascii():
            writer.unsigned(len(value) + 2)
            writer.octets(value.encode("ascii"))
        else:
            writer.unsigned(len(value) + 2)
            for char in value:
                writer.unsigned(ord(char))
        table.add(partition, value)

    def decode(self, reader: BitReader, table: StringTable, partition: str) -> Any:
        start = reader.pos
        length = reader.unsigned()
        if length == 0:
            values, _ = table.local.get(partition, ([], {}))
            index = reader.bits(coding_length(len(values)))
            if index >= len(values):
                raise ExiDecodeError(f"local string table hit {index} but the partition holds {len(values)}", start)
            return values[index]
        if length == 1:
            index = reader.bits(coding_length(len(table.global_values)))
            if index >= len(table.global_values):
                raise ExiDecodeError(f"global string table hit {index} beyond {len(table.global_values)}", start)
            return table.global_values[index]
        count = length - 2
        if count * 8 > reader.remaining():
            raise ExiDecodeError(f"string of {count} characters announced, input too short", start)
        text = _read_characters(reader, count, start)
        table.add(partition, text)
        return text


def _read_characters(reader: BitReader, count: int, start: int) -> str:
    mark = reader.pos
    raw = reader.octets(count)
    if raw.isascii():
        return raw.decode("ascii")
    reader.pos = mark
    chars = []
    for _ in range(count):
        code = reader.unsigned()
        if code > MAX_CODE_POINT or 0xD800 <= code <= 0xDFFF:
            raise ExiDecodeError(f"invalid character code point {code}", start)
        chars.append(chr(code))
    return "".join(chars)


class EnumerationCodec(ValueCodec):
    kind = "enumeration"

    def element_bits(self, value: Any) -> tuple[int, int] | None:
        position = self.index.get(value)
        if position is None or type(value) is bool:
            raise ExiEncodeError(f"{value!r} is not one of {', '.join(self.values)}")
        return (position << 1, self.width + 2)

    def __init__(self, values: tuple[str, ...], value_kind: str) -> None:
        self.values = values
        self.as_int = value_kind == "int"
        self.index = {(int(v) if self.as_int else v): i for i, v in enumerate(values)}
        self.width = coding_length(len(values))
        self.fixed = self.width

    def from_raw(self, raw: int, start: int) -> Any:
        if raw >= len(self.values):
            raise ExiDecodeError(f"enumeration index {raw} beyond {len(self.values)} values", start)
        value = self.values[raw]
        return int(value) if self.as_int else value

    def encode(self, writer: BitWriter, value: Any, table: StringTable, partition: str) -> None:
        position = self.index.get(value)
        if position is None or type(value) is bool:
            raise ExiEncodeError(f"{value!r} is not one of {', '.join(self.values)}")
        writer.bits(position, self.width)

    def decode(self, reader: BitReader, table: StringTable, partition: str) -> Any:
        start = reader.pos
        position = reader.bits(self.width)
        if position >= len(self.values):
            raise ExiDecodeError(f"enumeration index {position} beyond {len(self.values)} values", start)
        value = self.values[position]
        return int(value) if self.as_int else value


class ListCodec(ValueCodec):
    def is_empty(self, value: Any) -> bool:
        return value == [] and type(value) is type([])

    def empty(self) -> Any:
        return []

    kind = "list"

    def __init__(self, item: ValueCodec) -> None:
        self.item = item

    def encode(self, writer: BitWriter, value: Any, table: StringTable, partition: str) -> None:
        if not isinstance(value, list):
            raise ExiEncodeError(f"expected a list, got {type(value).__name__}")
        writer.unsigned(len(value))
        for item in value:
            self.item.encode(writer, item, table, partition)

    def decode(self, reader: BitReader, table: StringTable, partition: str) -> Any:
        start = reader.pos
        count = reader.unsigned()
        if count > reader.remaining():
            raise ExiDecodeError(f"list of {count} items announced, input too short", start)
        return [self.item.decode(reader, table, partition) for _ in range(count)]


def value_codec(spec: tuple[Any, ...]) -> ValueCodec:
    """The runtime codec for a datatype tuple written by the generator."""
    kind = spec[0]
    if kind == "uint":
        return UnsignedCodec().bounded(spec[1], spec[2])
    if kind == "int":
        return IntegerCodec().bounded(spec[1], spec[2])
    if kind == "nbit":
        return BoundedCodec(spec[1], spec[2], spec[3]).bounded(spec[1], spec[2])
    if kind == "bool":
        return BooleanCodec()
    if kind == "bin":
        return BinaryCodec(spec[1]).bounded(spec[2], spec[3])
    if kind == "str":
        return StringCodec().bounded(spec[1], spec[2])
    if kind == "enum":
        return EnumerationCodec(spec[1], spec[2])
    if kind == "list":
        return ListCodec(value_codec(spec[1])).bounded(spec[2], spec[3])
    raise ValueError(f"unknown datatype {spec!r}")
