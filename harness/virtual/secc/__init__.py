"""The virtual station's ISO 15118-20 SECC: SDP, V2GTP and the -20 message sequence over the station's power model."""
