"""The virtual lab's charging station: a conformant OCPP 2.0.1 client with named faults and a control API."""
