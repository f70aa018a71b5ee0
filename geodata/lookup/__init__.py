"""Coordinate -> commune: the in-memory point index, snapshots, batch and file lookups."""
