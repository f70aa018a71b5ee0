"""`vngeo convert in.csv -o out.csv`: the batch conversion with the local index, no database, no network."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tqdm import tqdm

from geodata.dates import parse_date
from geodata.lineage.convert_batch import convert_rows, rows_from_csv, to_csv
from geodata.lookup.files import latest_index
from geodata.lookup.point import Snapshot
from geodata.settings import Settings


def run(settings: Settings, infile: Path, outfile: Path, as_of: str | None) -> tuple[int, Counter]:
    day = parse_date(as_of)
    rows, fields = rows_from_csv(infile.read_text(encoding="utf-8-sig"))
    conv = Snapshot.open(latest_index(settings.state_dir)).converter
    with tqdm(total=len(rows), unit="addr", desc="convert") as bar:
        results = convert_rows(conv, rows, day, progress=lambda: bar.update(1))
    outfile.write_text(to_csv(rows, results, fields), encoding="utf-8")
    return len(rows), Counter(r.get("status") for r in results)
