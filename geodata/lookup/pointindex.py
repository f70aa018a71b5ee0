"""Exact point-in-commune index: a uniform grid with exact boundary cells.

Build once from ``(code, Polygon | MultiPolygon)`` pairs in lon/lat, then answer
"which polygon covers this point?" for millions of points per second.

Layout (all numpy arrays, see ``_pointindex_kernels`` for the vocabulary):

* ``grid[r, c]`` (int32) -- ``>= 0``: the cell lies wholly inside that one polygon;
  ``-1``: inside none; ``<= -2``: special cell ``s = -2 - value``.  Most points
  are decided by this single read.
* special cells (CSR): ``spec_ptr`` -> candidate polygons (``cand_poly``
  ascending, ``cand_inside`` = state at the cell's reference point) ->
  ``cand_ptr`` -> runs of consecutive edges (``run_start``, ``run_len``) into the
  shared vertex arrays ``vx, vy``.  Reference point: ``(ref_x[s], row_y[r])``.

A point in a special cell is decided exactly: the even-odd state at the
reference point, flipped once per candidate edge crossing the segment from the
point to the reference point.  This agrees with shapely ``covers`` except for
points within float rounding (~1e-12 deg) of an edge, where "on the boundary"
is a tie anyway.  Overlapping polygons (they exist in the source data) resolve
to the lowest polygon index; :meth:`PointIndex.lookup_all` lists all of them.

The numba kernels are compiled with ``cache=True`` (``__pycache__`` next to the
kernels module, or $NUMBA_CACHE_DIR), so a fresh worker pays ~0.1 s instead of
several seconds of JIT compilation before its first lookup.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely

from geodata.lookup import _kernels as K

FORMAT = "vngeo-pointindex/1"
ARRAYS = (
    "grid",
    "row_y",
    "ref_x",
    "spec_ptr",
    "cand_poly",
    "cand_inside",
    "cand_ptr",
    "run_start",
    "run_len",
    "vx",
    "vy",
)
# Edges are listed in every cell they pass within MARGIN of, so rounding in the
# point -> cell computation never hides an edge that matters.
MARGIN = 1e-9
# Scanlines sit this fraction of a row above the row centre, off the 1e-6 lattice
# of (most) source coordinates.  Vertices on a scanline would still be handled
# (half-open crossing rule, reference points picked away from edges); this just
# keeps reference points well clear of edges (>= 2.5e-6 deg on the real data).
ROW_SHIFT = 0.012345678
PARALLEL_MIN = 20_000  # below this, thread start-up costs more than it saves


class PointIndex:
    """Grid index over polygons ``0..n-1``; see the module docstring."""

    def __init__(
        self, codes: Sequence[str], grid: dict, arrays: dict, data_version: str = "", stats: dict | None = None
    ):
        self.codes = list(codes)
        self.data_version = data_version
        self.x0, self.y0 = float(grid["x0"]), float(grid["y0"])
        self.dx, self.dy = float(grid["dx"]), float(grid["dy"])
        self.nx, self.ny = int(grid["nx"]), int(grid["ny"])
        self.arrays = arrays
        self.stats = dict(stats or {})

    # ------------------------------------------------------------------ build
    @classmethod
    def build(cls, items: Sequence[tuple[str, object]], cell_deg: float = 0.0025, data_version: str = "") -> PointIndex:
        """Index ``items`` = [(code, polygon), ...]; polygon i gets index i."""
        t0 = time.perf_counter()
        codes = [c for c, _ in items]
        geoms = np.asarray([g for _, g in items], dtype=object)
        vx, vy, edge_poly = _flatten(geoms)
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
        grid = dict(
            x0=float(xmin),
            y0=float(ymin),
            dx=cell_deg,
            dy=cell_deg,
            nx=int((xmax - xmin) // cell_deg) + 1,
            ny=int((ymax - ymin) // cell_deg) + 1,
        )
        g = _Grid(**grid)
        row_y = g.y0 + (np.arange(g.ny) + 0.5 + ROW_SHIFT) * g.dy

        cell_ptr, cell_edges = _cells_of_edges(vx, vy, edge_poly, g)
        xrow_ptr, xs, xpoly = _scanline_crossings(vx, vy, edge_poly, row_y, g)
        arrays = _classify(g, row_y, xrow_ptr, xs, xpoly, cell_ptr, cell_edges, edge_poly, vx, vy)
        arrays.update(row_y=row_y, vx=vx, vy=vy)
        for a in arrays.values():  # same (read-only) numba signature as load()
            a.setflags(write=False)
        stats = dict(
            build_seconds=round(time.perf_counter() - t0, 2),
            polygons=len(codes),
            vertices=int(vx.size),
            edge_cell_pairs=int(cell_edges.size),
            special_cells=int(arrays["ref_x"].size),
            candidates=int(arrays["cand_poly"].size),
            runs=int(arrays["run_start"].size),
        )
        return cls(codes, grid, arrays, data_version, stats)

    # ------------------------------------------------------------------ query
    def _args(self):
        a = self.arrays
        return (
            self.x0,
            self.y0,
            self.dx,
            self.dy,
            self.nx,
            self.ny,
            a["grid"],
            a["row_y"],
            a["ref_x"],
            a["spec_ptr"],
            a["cand_poly"],
            a["cand_inside"],
            a["cand_ptr"],
            a["run_start"],
            a["run_len"],
            a["vx"],
            a["vy"],
        )

    def lookup(self, lon, lat, parallel: bool | None = None) -> np.ndarray:
        """Index of the lowest-numbered polygon covering each point, -1 if none.

        ``parallel``: use all numba threads; default only for batches of at least
        PARALLEL_MIN points.  Pass False inside multi-process servers, whose
        workers already occupy the cores."""
        lon = np.ascontiguousarray(lon, dtype=np.float64).ravel()
        lat = np.ascontiguousarray(lat, dtype=np.float64).ravel()
        if lon.shape != lat.shape:
            raise ValueError("lon and lat must have the same length")
        out = np.empty(lon.size, np.int32)
        if parallel is None:
            parallel = lon.size >= PARALLEL_MIN
        kernel = K.lookup_par if parallel else K.lookup_seq
        kernel(lon, lat, out, *self._args())
        return out

    def lookup_all(self, lon: float, lat: float) -> list[int]:
        """All polygons covering one point, ascending (for ``also_in``)."""
        return [int(i) for i in K.lookup_all_one(float(lon), float(lat), *self._args())]

    def on_boundary(self, lon: float, lat: float, tol: float = 1e-9) -> bool:
        """True if the point lies within ``tol`` degrees of a polygon edge."""
        if not 0 <= tol < 0.5 * min(self.dx, self.dy):
            raise ValueError("tol must be below half a cell")
        a = self.arrays
        d = K.min_edge_dist(
            float(lon),
            float(lat),
            float(tol),
            self.x0,
            self.y0,
            self.dx,
            self.dy,
            self.nx,
            self.ny,
            a["grid"],
            a["spec_ptr"],
            a["cand_ptr"],
            a["run_start"],
            a["run_len"],
            a["vx"],
            a["vy"],
        )
        return bool(d <= tol)

    @property
    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in self.arrays.values())

    # ------------------------------------------------------------ persistence
    def save(self, directory) -> Path:
        """Write one ``.npy`` per array plus ``manifest.json``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        for name in ARRAYS:
            np.save(d / f"{name}.npy", self.arrays[name], allow_pickle=False)
        manifest = dict(
            format=FORMAT,
            data_version=self.data_version,
            grid=dict(x0=self.x0, y0=self.y0, dx=self.dx, dy=self.dy, nx=self.nx, ny=self.ny),
            stats=self.stats,
            codes=self.codes,
        )
        # manifest last: its presence marks a complete index
        (d / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
        return d

    @classmethod
    def load(cls, directory, mmap: bool = True) -> PointIndex:
        """Open a saved index; with ``mmap`` the OS pages arrays in on demand and
        shares them between processes mapping the same files."""
        d = Path(directory)
        manifest = json.loads((d / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise ValueError(f"{d}: unsupported index format {manifest.get('format')!r}")
        arrays = {}
        for name in ARRAYS:
            a = np.load(d / f"{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
            a = np.asarray(a)  # plain ndarray view: what numba expects
            a.setflags(write=False)
            arrays[name] = a
        return cls(manifest["codes"], manifest["grid"], arrays, manifest.get("data_version", ""), manifest.get("stats"))


# ---------------------------------------------------------------------- build steps
class _Grid:
    def __init__(self, x0, y0, dx, dy, nx, ny):
        self.x0, self.y0, self.dx, self.dy, self.nx, self.ny = x0, y0, dx, dy, nx, ny


def _flatten(geoms):
    """All rings as one closed-vertex sequence; ``edge_poly[e]`` = polygon of
    edge e (vertex e -> e+1), -1 where e is the last vertex of its ring."""
    parts, part_poly = shapely.get_parts(geoms, return_index=True)
    types = shapely.get_type_id(parts)
    if np.any(types != shapely.GeometryType.POLYGON):
        raise TypeError("only Polygon / MultiPolygon geometries can be indexed")
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, vert_ring = shapely.get_coordinates(rings, return_index=True)
    edge_poly = part_poly[ring_part][vert_ring].astype(np.int32)
    edge_poly[np.r_[vert_ring[1:] != vert_ring[:-1], True]] = -1
    return (np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]), edge_poly)


def _cells_of_edges(vx, vy, edge_poly, g):
    """CSR: for every grid cell, the edges passing within MARGIN of it."""
    args = (g.x0, g.y0, g.dx, g.dy, g.nx, g.ny, MARGIN)
    counts = K.edge_cell_counts(vx, vy, edge_poly, *args)
    offsets = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    if offsets[-1] >= 2**31:
        raise ValueError("too many edge/cell pairs; use a coarser grid")
    cells = np.empty(offsets[-1], np.int64)
    K.edge_cell_fill(vx, vy, edge_poly, offsets, *args, cells)
    pair_edge = np.repeat(np.arange(counts.size, dtype=np.int32), counts)
    return K.group_by_cell(cells, pair_edge, g.nx * g.ny)


def _scanline_crossings(vx, vy, edge_poly, row_y, g):
    """Per row: x of every edge crossing the row's scanline, sorted, + polygon."""
    n = edge_poly.size
    no_i, no_f = np.empty(0, np.int32), np.empty(0, np.float64)
    counts = K.scanline_crossings(
        vx, vy, edge_poly, row_y, g.y0, g.dy, g.ny, True, np.zeros(n, np.int64), no_i, no_f, no_i
    )
    offsets = np.zeros(n, np.int64)
    np.cumsum(counts[:-1], out=offsets[1:])
    total = int(counts.sum())
    rows, xs, polys = (np.empty(total, np.int32), np.empty(total, np.float64), np.empty(total, np.int32))
    K.scanline_crossings(vx, vy, edge_poly, row_y, g.y0, g.dy, g.ny, False, offsets, rows, xs, polys)
    order = np.argsort(rows, kind="stable")
    rows, xs, polys = rows[order], xs[order], polys[order]
    row_ptr = np.searchsorted(rows, np.arange(g.ny + 1)).astype(np.int64)
    K.sort_within_rows(row_ptr, xs, polys)
    return row_ptr, xs, polys


def _classify(g, row_y, xrow_ptr, xs, xpoly, cell_ptr, cell_edges, edge_poly, vx, vy):
    """Two passes of the row sweep: count, then fill the final arrays."""
    common = (g.x0, g.dx, g.nx, row_y, xrow_ptr, xs, xpoly, cell_ptr, cell_edges, edge_poly, vx, vy)

    def outputs(ns, nc, nr, ny, nx):
        return dict(
            grid=np.empty((ny, nx), np.int32),
            ref_x=np.empty(ns),
            spec_ptr=np.zeros(ns + 1, np.int64),
            cand_poly=np.empty(nc, np.int32),
            cand_inside=np.empty(nc, np.bool_),
            cand_ptr=np.zeros(nc + 1, np.int64),
            run_start=np.empty(nr, np.int32),
            run_len=np.empty(nr, np.int32),
        )

    def run(write, row_off, out):
        return K.classify_rows(
            write,
            *common,
            row_off,
            out["grid"],
            out["ref_x"],
            out["spec_ptr"],
            out["cand_poly"],
            out["cand_inside"],
            out["cand_ptr"],
            out["run_start"],
            out["run_len"],
        )

    counts = run(False, np.zeros((g.ny, 3), np.int64), outputs(0, 0, 0, 0, 0))
    row_off = np.zeros_like(counts)
    np.cumsum(counts[:-1], axis=0, out=row_off[1:])
    ns, nc, nr = (int(v) for v in counts.sum(axis=0))
    out = outputs(ns, nc, nr, g.ny, g.nx)
    run(True, row_off, out)
    out["cand_ptr"][nc] = nr  # closing entries; rows wrote only their own
    return out
