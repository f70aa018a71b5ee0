"""File downloads: exports in every format and CRS, and their prebuilt store."""
