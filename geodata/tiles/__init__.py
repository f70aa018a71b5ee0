"""Vector tiles: MVT from PostGIS, the tile cache, TileJSON/OGC tileset documents, PMTiles."""
