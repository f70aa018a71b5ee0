"""`vngeo convert in.csv -o out.csv`: the batch conversion against the local database, no network."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from tqdm import tqdm

from etl.cluster import api_url
from geodata.convert_batch import convert_rows, rows_from_csv, to_csv
from geodata.dates import parse_date
from geodata.settings import Settings


async def run(settings: Settings, infile: Path, outfile: Path, as_of: str | None) -> tuple[int, Counter]:
    day = parse_date(as_of)
    rows, fields = rows_from_csv(infile.read_text(encoding="utf-8-sig"))
    async with await psycopg.AsyncConnection.connect(api_url(settings), row_factory=dict_row,
                                                     autocommit=True) as conn:
        with tqdm(total=len(rows), unit="addr", desc="convert") as bar:
            results = await convert_rows(conn, rows, day, progress=lambda: bar.update(1))
    outfile.write_text(to_csv(rows, results, fields), encoding="utf-8")
    return len(rows), Counter(r.get("status") for r in results)
