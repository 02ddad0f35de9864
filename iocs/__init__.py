"""chartioc.iocs."""
