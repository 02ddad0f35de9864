"""iocs/motor."""
