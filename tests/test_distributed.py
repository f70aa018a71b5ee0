"""The lookup on a local Dask cluster of two worker processes gives the same answers."""

from datetime import date

import numpy as np
import pandas as pd
import pytest

from geodata.lookup.files import latest_index
from geodata.lookup.point import Snapshot

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("dask.distributed")


def test_dask_two_workers_same_answers(settings, db_url):
    index_dir = latest_index(settings.state_dir)
    rng = np.random.default_rng(3)
    n = 40_000
    df = pd.DataFrame({"id": np.arange(n), "lat": rng.uniform(8.5, 23.3, n), "lon": rng.uniform(102.2, 109.5, n)})
    snap = Snapshot.open(index_dir)
    day = snap.day(date(2026, 10, 1))
    expected = day.commune_codes[snap.index.lookup(df["lon"].to_numpy(), df["lat"].to_numpy())]
    from geodata.lookup.distributed import lookup_dataframe

    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        ddf = dd.from_pandas(df, npartitions=8)
        out = lookup_dataframe(ddf, index_dir, date(2026, 10, 1), client=client).compute()
        workers = client.run(lambda: len(__import__("geodata.lookup.distributed", fromlist=["_OPEN"])._OPEN))
    out = out.sort_values("id")
    assert [c if isinstance(c, str) else None for c in out["commune_code"]] == list(expected)
    assert (out["commune_code"].notna()).sum() > n * 0.2  # the bbox is mostly sea and neighbours
    assert len(workers) == 2 and all(v == 1 for v in workers.values())
