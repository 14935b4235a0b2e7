"""Generated EXI grammar tables (see harness.iso15118.exi.generator)."""
