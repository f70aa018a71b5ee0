"""JSON responses serialised by orjson (dates, numpy values, raw fragments)."""

from __future__ import annotations

import orjson
from fastapi.responses import JSONResponse


class JSON(JSONResponse):  # a JSONResponse, so OpenAPI documents a JSON body, not a string
    media_type = "application/json"

    def render(self, content) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


class ProblemJSON(JSON):
    media_type = "application/problem+json"
