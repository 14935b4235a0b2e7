"""Lab-instrument drivers behind small capability protocols, with a safety envelope.

This package knows nothing of OCPP, ISO 15118 or pytest: the harness wires it to evidence and verdicts.
"""
