"""Schema-informed EXI codec for the ISO 15118-20 schemas, built on grammars generated from the XSDs."""
