"""chartioc.gui."""
