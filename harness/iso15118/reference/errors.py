"""Errors of the Java reference codec, split by cause.

The reference codec is part of the harness, never of the device under test: when it cannot be set up or stops
answering that is a `LabError` (the test errors); when it rejects a document or a stream, that is an ordinary
`ReferenceCodecError` that a differential test turns into its own verdict.
"""

from __future__ import annotations

from harness.verdict import LabError


class ReferenceUnavailable(LabError):
    """The Java reference codec cannot be used here: no java, the Josev venv could not be built, the JVM died."""


class ReferenceTimeout(ReferenceUnavailable):
    """The bridge did not answer in time; it has been killed and this codec instance is closed."""


class ReferenceCodecError(Exception):
    """The Java codec rejected the request (invalid document, undecodable stream); `reason` is its one-line message."""

    def __init__(self, reason: str, *, op: str = "", namespace: str = "") -> None:
        self.reason = reason
        self.op = op
        self.namespace = namespace
        super().__init__(f"{op} in {namespace}: {reason}" if op else reason)
