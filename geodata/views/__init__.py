"""Rows for display: the browser viewer's table, the folium maps, quick GeoJSON layers."""
