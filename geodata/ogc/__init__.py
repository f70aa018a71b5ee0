"""OGC API - Features: documents, collections as SQL, CQL2, geometry in a CRS, HTML."""
