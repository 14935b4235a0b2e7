"""ISO 15118-20 SECC conformance cases: the harness plays the EV against the charger."""
