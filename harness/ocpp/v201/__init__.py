"""OCPP 2.0.1 specifics of the CSMS role: default responders and the reusable states of Part 6."""
