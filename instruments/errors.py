"""Instrument exceptions, split by cause. Every one of them is a lab problem, never the DUT's fault."""

from __future__ import annotations


class InstrumentError(Exception):
    """An instrument could not do what was asked; the harness turns this into verdict `error`."""


class InstrumentUnreachable(InstrumentError):
    """The instrument could not be opened or stopped answering (after one reconnect attempt)."""


class InstrumentTimeout(InstrumentError):
    """The instrument did not answer a query in time."""


class ScpiError(InstrumentError):
    """The instrument's error queue reported an error after a command."""

    def __init__(self, instrument: str, command: str, errors: list[str]) -> None:
        super().__init__(f"{instrument}: {command!r} raised {'; '.join(errors)}")
        self.command = command
        self.errors = errors


class UnsupportedByDriver(InstrumentError):
    """The driver cannot do this: the instrument cannot, or we have no verified command for it."""


class EnvelopeViolation(InstrumentError):
    """A setpoint outside the bench's safety envelope; refused before anything was sent."""


class NotArmed(InstrumentError):
    """A real bench's output may be enabled only after an explicit arm step by a person."""


class DriverNotFound(InstrumentError):
    """No driver of that name is registered (built in or through the `harness.instruments` entry points)."""
