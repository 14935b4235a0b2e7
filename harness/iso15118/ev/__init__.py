"""The EV role of ISO 15118-20: session engine, conformant flow and the raw API for negative tests."""
