"""Conformance and interoperability harness for smart and bidirectional EV charging."""

from __future__ import annotations

__version__ = "0.1.0"
