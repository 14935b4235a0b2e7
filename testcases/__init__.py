"""The conformance suite: pytest modules per standard. They talk to the DUT only through roles and dut actions."""
