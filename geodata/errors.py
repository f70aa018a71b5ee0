"""Domain errors. The API maps each to one HTTP status in one place (api/errors.py)."""

from __future__ import annotations


class GeodataError(Exception):
    """Base: `detail` tells the user what to fix; `extra` adds machine-readable members."""

    title = "Error"

    def __init__(self, detail: str, **extra):
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(GeodataError):
    title = "Not found"


class InvalidInput(GeodataError):
    title = "Invalid input"


class TooLarge(GeodataError):
    title = "Request too large"


class Unavailable(GeodataError):
    title = "Service unavailable"
