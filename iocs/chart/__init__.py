"""iocs/chart."""
