"""client/tools."""
