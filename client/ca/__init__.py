"""client/ca."""
