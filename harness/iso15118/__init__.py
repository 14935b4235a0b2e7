"""The EV role of ISO 15118-20: EXI codec, message models, V2GTP/SDP/TLS transport (session engine to follow)."""
