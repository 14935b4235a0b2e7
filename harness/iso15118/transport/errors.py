"""Transport exceptions, split by what they mean for the verdict.

What the SECC sends wrong (malformed V2GTP header, invalid SDP answer, a refused or failed TLS handshake, silence)
is a non-conformity of the device under test; what fails on our side (no such interface, cannot bind, unreadable
certificate file) is a `LabError`, so the harness never blames the charger for its own fault.
"""

from __future__ import annotations

from enum import StrEnum

from harness.verdict import DutTimeout, Nonconformity


class V2gtpProblem(StrEnum):
    """Which rule of the V2GTP header (ISO 15118-20, V2GTP) a frame broke."""

    VERSION = "version"
    INVERSE_VERSION = "inverse_version"
    PAYLOAD_TYPE = "payload_type"
    UNEXPECTED_PAYLOAD_TYPE = "unexpected_payload_type"
    LENGTH = "length"
    TRUNCATED = "truncated"


class TransportError(Nonconformity):
    """The SECC's side of the transport did not conform."""


class V2gtpError(TransportError):
    """A V2GTP frame broke a header rule; `problem` says which one and `data` holds the offending bytes."""

    def __init__(self, problem: V2gtpProblem, message: str, data: bytes = b"") -> None:
        super().__init__(message)
        self.problem = problem
        self.data = data


class FrameTimeout(DutTimeout):
    """No complete V2GTP frame arrived within the allowed time."""


class PeerClosed(TransportError):
    """The SECC closed the connection (at a frame boundary); negative tests expect this, others fail on it."""


class SdpError(TransportError):
    """An SDP payload is malformed or has a field value the standard does not allow."""


class SdpTimeout(DutTimeout):
    """No valid SDP response arrived after the last allowed request."""


class ConnectError(TransportError):
    """The announced TCP endpoint could not be reached (refused, unreachable, or no answer in time)."""


class TlsHandshakeError(TransportError):
    """The TLS handshake with the SECC failed or did not finish in time."""
