"""Generates EXI grammar tables from the ISO 15118-20 XSDs (run `python -m harness.iso15118.exi.generator`)."""
