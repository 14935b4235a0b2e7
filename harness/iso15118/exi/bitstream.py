"""Bit-packed EXI streams (EXI 1.0 §7.1, alignment bit-packed): n-bit fields MSB first, unsigned integers in
little-endian 7-bit groups. The reader checks every read against the end of the input and says where it failed."""

from __future__ import annotations

from .errors import ExiDecodeError

# An unsigned integer longer than this many octets is not something a -20 message carries; refusing it keeps
# a hostile stream from making the decoder build huge integers.
MAX_UNSIGNED_OCTETS = 20


def coding_length(count: int) -> int:
    """Bits of an n-bit field telling `count` alternatives apart (0 for a single one): event codes, enumerations,
    n-bit integers."""
    return 0 if count <= 1 else (count - 1).bit_length()


# Python integers are immutable: shifting one that holds the whole stream costs time in proportion to its size, so
# the writer flushes whole octets beyond this many bits and the reader windows streams longer than this many octets.
WRITER_FLUSH_BITS = 2048
READER_WHOLE_OCTETS = 1024


class BitWriter:
    __slots__ = ("_acc", "_bits", "_done")

    def __init__(self) -> None:
        self._acc = 0
        self._bits = 0
        self._done = bytearray()

    def bits(self, value: int, width: int) -> None:
        if width:
            self._acc = (self._acc << width) | value
            self._bits += width
            if self._bits > WRITER_FLUSH_BITS:
                self._flush()

    def _flush(self) -> None:
        keep = self._bits & 7
        whole = self._bits - keep
        self._done += (self._acc >> keep).to_bytes(whole // 8, "big")
        self._acc &= (1 << keep) - 1
        self._bits = keep

    def unsigned(self, value: int) -> None:
        if value < 0x80:
            self.bits(value, 8)
            return
        groups = 0
        count = 0
        while True:
            group = value & 0x7F
            value >>= 7
            groups = (groups << 8) | (group | 0x80 if value else group)
            count += 8
            if not value:
                break
        self.bits(groups, count)

    def octets(self, data: bytes) -> None:
        if data:
            if self._bits & 7 == 0:
                self._flush()
                self._done += data
                return
            self.bits(int.from_bytes(data, "big"), 8 * len(data))

    def getvalue(self) -> bytes:
        """The stream padded with zero bits to a whole octet."""
        pad = -self._bits % 8
        total = (self._bits + pad) // 8
        return bytes(self._done) + (self._acc << pad).to_bytes(total, "big")


class BitReader:
    """Reads fields from one in-memory stream. A short stream is held as one integer, so a field is a shift and a
    mask (the cheapest read Python offers; the decoder's hot loop does it inline through `whole`). A long stream is
    read through byte slices instead, and `whole` is None."""

    __slots__ = ("_data", "end", "pos", "whole")

    def __init__(self, data: bytes, start_bit: int = 0) -> None:
        self._data = data
        self.end = len(data) * 8
        self.whole: int | None = int.from_bytes(data, "big") if len(data) <= READER_WHOLE_OCTETS else None
        self.pos = start_bit

    def remaining(self) -> int:
        return self.end - self.pos

    def bits(self, width: int) -> int:
        start = self.pos
        stop = start + width
        if stop > self.end:
            raise ExiDecodeError(f"input ends inside a {width}-bit field", start)
        self.pos = stop
        if self.whole is not None:
            return (self.whole >> (self.end - stop)) & ((1 << width) - 1)
        first = start >> 3
        last = (stop + 7) >> 3
        chunk = int.from_bytes(self._data[first:last], "big")
        return (chunk >> ((last << 3) - stop)) & ((1 << width) - 1)

    def unsigned(self) -> int:
        value = 0
        shift = 0
        start = self.pos
        for _ in range(MAX_UNSIGNED_OCTETS):
            if self.pos + 8 > self.end:
                raise ExiDecodeError("input ends inside an unsigned integer", start)
            octet = self.bits(8)
            value |= (octet & 0x7F) << shift
            if octet < 0x80:
                return value
            shift += 7
        raise ExiDecodeError(f"unsigned integer longer than {MAX_UNSIGNED_OCTETS} octets", start)

    def octets(self, count: int) -> bytes:
        if count * 8 > self.end - self.pos:
            raise ExiDecodeError(f"{count} octets announced but only {self.remaining() // 8} remain", self.pos)
        if self.pos & 7 == 0:
            first = self.pos >> 3
            self.pos += count * 8
            return self._data[first : first + count]
        return self.bits(count * 8).to_bytes(count, "big") if count else b""
