"""The powers catalogue in time, its events, the dashboard aggregates and feeds."""
