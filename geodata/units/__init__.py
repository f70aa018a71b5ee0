"""Units and generations: queries, search, scale figures, the field catalogue."""
