"""One unit as a file: the export of its layer filtered by `code=` (geodata/files/exports.py), so it
has the same fields, writers, CRS support and metadata as every export. The former route
/v1/units/{code}/download redirects there (`export_url`)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlencode

from psycopg import AsyncConnection

from geodata.errors import InvalidInput, NotFound
from geodata.text import fold
from geodata.units import queries as units

LEVELS = {"provinces": "province", "communes": "commune", "old_communes": "commune", "lineage": "commune"}


def ascii_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name or "")).strip("-")


async def check_unit(conn: AsyncConnection, layer: str, code: str, as_of: date, reform_day: date) -> str:
    """The unit `code` of the layer on the day (old communes: on their last day, the reform's eve); its
    name folded to ASCII for the file name. 404 (with its valid dates) when it was not valid, 422 at
    another level."""
    day = reform_day - timedelta(days=1) if layer in ("old_communes", "lineage") else as_of
    unit = await units.get_unit(conn, code, day)
    if unit["level"] != LEVELS[layer]:
        raise InvalidInput(
            f"{code} is a {unit['level']}; the {layer} layer has {LEVELS[layer]}s "
            f"(use {'provinces' if unit['level'] == 'province' else 'communes'}.<format>?code={code})",
            parameter="code",
        )
    return ascii_name(unit["name"])


async def export_url(conn: AsyncConnection, code: str, as_of: date, fmt: str, with_communes: bool) -> str:
    """Where the former download of a unit now is: a commune's own row, a province's outline, or
    (with_communes, the former default) the communes of the province."""
    unit = await units.get_unit(conn, code, as_of)
    if unit["level"] == "commune":
        layer, params = "communes", {"code": code}
    elif unit["level"] == "province" and with_communes:
        layer, params = "communes", {"province": code}
    elif unit["level"] == "province":
        layer, params = "provinces", {"code": code}
    else:
        raise NotFound(
            f"{code} is a pre-reform {unit['level']}: no export layer has them (old_communes has the old communes)",
            code=code,
        )
    return f"/v1/exports/{layer}.{fmt}?{urlencode({**params, 'as_of': as_of.isoformat()})}"
