"""Old units to new: lineage queries and layers, old-address parsing and conversion."""
