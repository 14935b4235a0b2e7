"""Bit-packed EXI streams (EXI 1.0 §7.1, alignment bit-packed): n-bit fields MSB first, unsigned integers in
little-endian 7-bit groups. The reader checks every read against the end of the input and says where it failed."""

from __future__ import annotations

from .errors import ExiDecodeError

# An unsigned integer longer than this many octets is not something a -20 message carries; refusing it keeps
# a hostile stream from making the decoder build huge integers.
MAX_UNSIGNED_OCTETS = 20


class BitWriter:
    __slots__ = ("_acc", "_bits")

    def __init__(self) -> None:
        self._acc = 0
        self._bits = 0

    def bits(self, value: int, width: int) -> None:
        if width:
            self._acc = (self._acc << width) | value
            self._bits += width

    def unsigned(self, value: int) -> None:
        if value < 0x80:
            self._acc = (self._acc << 8) | value
            self._bits += 8
            return
        acc = self._acc
        count = 0
        while True:
            group = value & 0x7F
            value >>= 7
            acc = (acc << 8) | (group | 0x80 if value else group)
            count += 1
            if not value:
                break
        self._acc = acc
        self._bits += 8 * count

    def octets(self, data: bytes) -> None:
        if data:
            self._acc = (self._acc << (8 * len(data))) | int.from_bytes(data, "big")
            self._bits += 8 * len(data)

    def getvalue(self) -> bytes:
        """The stream padded with zero bits to a whole octet."""
        pad = -self._bits % 8
        total = (self._bits + pad) // 8
        return (self._acc << pad).to_bytes(total, "big")


class BitReader:
    """Reads fields from one in-memory stream. The stream is held as one integer: a field is then a shift and a
    mask, which is the cheapest read Python offers for the message sizes -20 uses."""

    __slots__ = ("_data", "_end", "_value", "end", "pos", "whole")

    def __init__(self, data: bytes, start_bit: int = 0) -> None:
        self._data = data
        self._end = len(data) * 8
        self._value = int.from_bytes(data, "big")
        self.pos = start_bit
        # Exposed for the decoder's inline reads: the stream as one integer and its length in bits.
        self.whole = self._value
        self.end = self._end

    def remaining(self) -> int:
        return self._end - self.pos

    def bits(self, width: int) -> int:
        end = self.pos + width
        if end > self._end:
            raise ExiDecodeError(f"input ends inside a {width}-bit field", self.pos)
        self.pos = end
        return (self._value >> (self._end - end)) & ((1 << width) - 1)

    def unsigned(self) -> int:
        value = 0
        shift = 0
        start = self.pos
        data_end = self._end
        whole = self._value
        pos = start
        for _ in range(MAX_UNSIGNED_OCTETS):
            pos += 8
            if pos > data_end:
                self.pos = pos - 8
                raise ExiDecodeError("input ends inside an unsigned integer", start)
            octet = (whole >> (data_end - pos)) & 0xFF
            value |= (octet & 0x7F) << shift
            if octet < 0x80:
                self.pos = pos
                return value
            shift += 7
        raise ExiDecodeError(f"unsigned integer longer than {MAX_UNSIGNED_OCTETS} octets", start)

    def octets(self, count: int) -> bytes:
        if count * 8 > self._end - self.pos:
            raise ExiDecodeError(f"{count} octets announced but only {self.remaining() // 8} remain", self.pos)
        if self.pos & 7 == 0:
            first = self.pos >> 3
            self.pos += count * 8
            return self._data[first : first + count]
        return self.bits(count * 8).to_bytes(count, "big") if count else b""
