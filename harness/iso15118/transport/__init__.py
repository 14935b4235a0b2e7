"""ISO 15118-20 transport for the EV role: V2GTP framing, SDP, TCP and TLS 1.3 connections to the SECC.

Kept free of EXI and of the session engine so that negative tests can drive the wire directly and the virtual SECC
can reuse the same framing and SDP code for its side.
"""
