"""chartioc.client."""
