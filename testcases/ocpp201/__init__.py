"""OCPP 2.0.1 charging-station test cases, named and scoped after OCPP 2.0.1 Edition 3 Part 6."""
