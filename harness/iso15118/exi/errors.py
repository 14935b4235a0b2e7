"""Errors of the EXI codec: each says what went wrong and where (bit offset, element path)."""

from __future__ import annotations


class ExiError(Exception):
    """Base class for codec errors."""


class ExiEncodeError(ExiError):
    """The document does not fit the schema (unknown or missing field, value out of range, wrong type)."""

    def __init__(self, message: str, path: tuple[str, ...] = ()) -> None:
        self.message = message
        self.path = list(path)
        super().__init__(message)

    def __str__(self) -> str:
        where = "/".join(self.path)
        return f"{where}: {self.message}" if where else self.message


class ExiDecodeError(ExiError):
    """The stream is not a valid EXI encoding of the schema: truncated, an invalid event code, a bad value."""

    def __init__(self, message: str, bit: int, path: tuple[str, ...] = ()) -> None:
        self.message = message
        self.bit = bit
        self.path = list(path)
        super().__init__(message)

    def __str__(self) -> str:
        where = "/".join(self.path)
        location = f"at bit {self.bit} (byte {self.bit // 8})" + (f" in {where}" if where else "")
        return f"{self.message} {location}"


class ExiUnsupported(ExiDecodeError):
    """A valid EXI feature this codec does not implement (xsi:type casts, wildcard content, deviations)."""
