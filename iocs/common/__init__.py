"""iocs/common."""
