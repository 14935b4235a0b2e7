"""The CSMS role: OCPP-J framing, schema validation, server, expect/call API."""
