"""The virtual bench: virtual instruments as real servers on 127.0.0.1, all reading the station's plant model."""
