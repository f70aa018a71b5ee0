"""Parts of a load besides the units (powers, lineage, ...): each stages its own tables.

A part is a module with:
    TABLES: tuple[str, ...]                      tables in schema geo it owns (created by a migration),
                                                 in insert order (referenced tables first)
    prepare(settings, src, prep) -> object       read and validate its inputs; raise to stop the load
    stage(conn, data, prep) -> None              fill geo_stage.<table> (created LIKE geo.<table>)
    report(conn, schema, data) -> dict           its section of the quality report
Parts run after the units are staged, so they may read geo_stage.units. Everything is published
in the same transaction as the units."""

from __future__ import annotations

import importlib

PART_MODULES: list[str] = [
    "etl.tiles",
    "etl.lineage",
    "etl.powers",
    "etl.addresses",
]  # e.g. "etl.powers", appended as parts land


def parts() -> list:
    return [importlib.import_module(m) for m in PART_MODULES]
