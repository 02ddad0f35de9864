"""Chart renderer: ChartSnapshot -> RGB uint8 frame with matplotlib Agg (no pyplot, no CA)."""
