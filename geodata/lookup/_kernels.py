"""Numba kernels behind :mod:`geodata.lookup.pointindex`.

Vocabulary (shared with pointindex.py):

* vertices ``vx, vy`` -- all rings of all polygons, each ring closed and stored
  consecutively; edge ``e`` joins vertex ``e`` and ``e + 1`` and is valid when
  ``edge_poly[e] >= 0`` (the last vertex of a ring starts no edge).  Polygons are
  laid out in index order, so edge numbers grow with polygon numbers.
* grid cell ``(r, c)`` covers ``[x0 + c*dx, x0 + (c+1)*dx) x [y0 + r*dy, ...)``.
* ``row_y[r]`` -- the reference scanline of row r: the row centre shifted by an
  odd offset so it never hits a vertex of 6-decimal source data exactly.
* special cell -- a cell that one array read cannot decide: polygon edges pass
  through it (boundary cell) or several polygons overlap in it.  It owns a
  reference point ``(ref_x[s], row_y[r])`` away from all edges and, per candidate
  polygon, whether the reference point is inside plus the cell's edges of that
  polygon as runs of consecutive edge numbers.  A point's state is the reference
  state flipped once per edge crossing the segment point -> reference point;
  the segment stays inside the cell, so the cell's edges are all we need.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

MAX_ACTIVE = 64  # polygons simultaneously "open" on a scanline (overlaps only)


# --------------------------------------------------------------------------- build
@njit(cache=True)
def _edge_cell_range(ax, ay, bx, by, r, x0, y0, dx, dy, nx, margin):
    """Columns [c0, c1] of row r touched by edge a-b (grown by ``margin``)."""
    ylo = y0 + r * dy - margin
    yhi = ylo + dy + 2.0 * margin
    if ay == by:
        xa, xb = ax, bx
    else:
        t0 = (ylo - ay) / (by - ay)
        t1 = (yhi - ay) / (by - ay)
        if t0 > t1:
            t0, t1 = t1, t0
        t0 = max(t0, 0.0)
        t1 = min(t1, 1.0)
        if t0 > t1:
            return 0, -1
        xa = ax + t0 * (bx - ax)
        xb = ax + t1 * (bx - ax)
    if xa > xb:
        xa, xb = xb, xa
    c0 = int(np.floor((xa - margin - x0) / dx))
    c1 = int(np.floor((xb + margin - x0) / dx))
    return max(c0, 0), min(c1, nx - 1)


@njit(cache=True)
def _edge_rows(ay, by, y0, dy, ny, margin):
    r0 = int(np.floor((min(ay, by) - margin - y0) / dy))
    r1 = int(np.floor((max(ay, by) + margin - y0) / dy))
    return max(r0, 0), min(r1, ny - 1)


@njit(parallel=True, cache=True)
def edge_cell_counts(vx, vy, edge_poly, x0, y0, dx, dy, nx, ny, margin):
    """Number of cells each edge touches (pass 1 of the edge -> cell listing)."""
    n = edge_poly.size
    out = np.zeros(n, np.int64)
    for e in prange(n):
        if edge_poly[e] < 0:
            continue
        r0, r1 = _edge_rows(vy[e], vy[e + 1], y0, dy, ny, margin)
        k = 0
        for r in range(r0, r1 + 1):
            c0, c1 = _edge_cell_range(vx[e], vy[e], vx[e + 1], vy[e + 1], r, x0, y0, dx, dy, nx, margin)
            k += max(c1 - c0 + 1, 0)
        out[e] = k
    return out


@njit(parallel=True, cache=True)
def edge_cell_fill(vx, vy, edge_poly, offsets, x0, y0, dx, dy, nx, ny, margin, out_cell):
    """Pass 2: write the cell id of every (edge, touched cell) pair."""
    n = edge_poly.size
    for e in prange(n):
        if edge_poly[e] < 0:
            continue
        k = offsets[e]
        r0, r1 = _edge_rows(vy[e], vy[e + 1], y0, dy, ny, margin)
        for r in range(r0, r1 + 1):
            c0, c1 = _edge_cell_range(vx[e], vy[e], vx[e + 1], vy[e + 1], r, x0, y0, dx, dy, nx, margin)
            for c in range(c0, c1 + 1):
                out_cell[k] = r * nx + c
                k += 1


@njit(cache=True)
def group_by_cell(cells, pair_edge, ncells):
    """Stable counting sort of the (cell, edge) pairs by cell.

    Pairs were emitted in edge order, so each cell's edges stay ascending --
    hence grouped by polygon and ready to be cut into runs.  Returns
    ``(cell_ptr, cell_edges)``: cell i owns ``cell_edges[cell_ptr[i]:cell_ptr[i+1]]``.
    """
    ptr = np.zeros(ncells + 1, np.int32)
    for c in cells:
        ptr[c + 1] += 1
    for i in range(ncells):
        ptr[i + 1] += ptr[i]
    fill = ptr[:-1].copy()
    out = np.empty(cells.size, np.int32)
    for k in range(cells.size):
        c = cells[k]
        out[fill[c]] = pair_edge[k]
        fill[c] += 1
    return ptr, out


@njit(parallel=True, cache=True)
def scanline_crossings(vx, vy, edge_poly, row_y, y0, dy, ny, count_only, offsets, out_row, out_x, out_poly):
    """Crossings of every edge with the reference scanlines (half-open in y)."""
    n = edge_poly.size
    counts = np.zeros(n, np.int64)
    for e in prange(n):
        if edge_poly[e] < 0:
            continue
        ax, ay, bx, by = vx[e], vy[e], vx[e + 1], vy[e + 1]
        r0, r1 = _edge_rows(ay, by, y0, dy, ny, dy)
        k = offsets[e]
        for r in range(r0, r1 + 1):
            yr = row_y[r]
            if (ay > yr) != (by > yr):
                if not count_only:
                    out_row[k] = r
                    out_x[k] = ax + (yr - ay) * (bx - ax) / (by - ay)
                    out_poly[k] = edge_poly[e]
                k += 1
        counts[e] = k - offsets[e]
    return counts


@njit(parallel=True, cache=True)
def sort_within_rows(row_ptr, xs, polys):
    for r in prange(row_ptr.size - 1):
        a, b = row_ptr[r], row_ptr[r + 1]
        o = np.argsort(xs[a:b])
        xs[a:b] = xs[a:b][o]
        polys[a:b] = polys[a:b][o]


@njit(cache=True)
def _min_dist2(px, py, idx, vx, vy):
    """Squared distance from p to the nearest of the edges ``idx``."""
    best = np.inf
    for e in idx:
        ax, ay = vx[e], vy[e]
        ex, ey = vx[e + 1] - ax, vy[e + 1] - ay
        l2 = ex * ex + ey * ey
        t = 0.0 if l2 == 0.0 else ((px - ax) * ex + (py - ay) * ey) / l2
        t = min(max(t, 0.0), 1.0)
        qx, qy = ax + t * ex - px, ay + t * ey - py
        best = min(best, qx * qx + qy * qy)
    return best


@njit(cache=True)
def _toggle(act, nact, p):
    for i in range(nact):
        if act[i] == p:
            act[i] = act[nact - 1]
            return nact - 1
    if nact < MAX_ACTIVE:  # more overlapping layers than this is not real data
        act[nact] = p
        nact += 1
    return nact


@njit(parallel=True, cache=True)
def classify_rows(
    write,
    x0,
    dx,
    nx,
    row_y,
    xrow_ptr,
    xs,
    xpoly,
    cell_ptr,
    cell_edges,
    edge_poly,
    vx,
    vy,
    row_off,
    grid,
    ref_x,
    spec_ptr,
    cand_poly,
    cand_inside,
    cand_ptr,
    run_start,
    run_len,
):
    """Decide every cell; describe special cells.

    Pass 1 (``write=False``) returns per-row counts (special cells, candidates,
    runs); pass 2 writes them at the offsets ``row_off`` (prefix sums of pass 1).
    The scanline sweep keeps the set of polygons containing the current point of
    ``row_y[r]``: a crossing toggles its polygon (even-odd rule).
    """
    ny = row_y.size
    counts = np.zeros((ny, 3), np.int64)
    for r in prange(ny):
        yr = row_y[r]
        act = np.empty(MAX_ACTIVE, np.int32)
        nact = 0
        k = xrow_ptr[r]
        kend = xrow_ptr[r + 1]
        ns, nc, nr = 0, 0, 0
        s_i, c_i, r_i = 0, 0, 0
        if write:
            s_i, c_i, r_i = row_off[r, 0], row_off[r, 1], row_off[r, 2]
        for c in range(nx):
            cid = r * nx + c
            ea, eb = cell_ptr[cid], cell_ptr[cid + 1]
            xl = x0 + c * dx
            if ea == eb:
                xref = xl + 0.5 * dx
            else:
                xref = _pick_ref(xl, xl + dx, yr, xs, k, kend, cell_edges[ea:eb], vx, vy)
            while k < kend and xs[k] < xref:
                nact = _toggle(act, nact, xpoly[k])
                k += 1
            if ea == eb and nact <= 1:
                if write:
                    grid[r, c] = act[0] if nact == 1 else -1
                continue
            # special cell: candidates = polygons with edges here U polygons
            # containing the reference point, ascending (lowest index wins)
            cands = np.sort(act[:nact])
            j, jend, a = ea, eb, 0
            ns += 1
            if write:
                grid[r, c] = -2 - s_i
                ref_x[s_i] = xref
            while j < jend or a < nact:
                pe = edge_poly[cell_edges[j]] if j < jend else 1 << 30
                pa = cands[a] if a < nact else 1 << 30
                p = min(pe, pa)
                if write:
                    cand_poly[c_i] = p
                    cand_inside[c_i] = pa == p
                    cand_ptr[c_i] = r_i
                    c_i += 1
                nc += 1
                if pa == p:
                    a += 1
                prev = -2
                while j < jend and edge_poly[cell_edges[j]] == p:
                    e = cell_edges[j]
                    if e != prev + 1:
                        nr += 1
                        if write:
                            run_start[r_i] = e
                            run_len[r_i] = 0
                            r_i += 1
                    if write:
                        run_len[r_i - 1] += 1
                    prev = e
                    j += 1
            if write:
                spec_ptr[s_i + 1] = c_i
                s_i += 1
        counts[r, 0], counts[r, 1], counts[r, 2] = ns, nc, nr
    return counts


@njit(cache=True)
def _pick_ref(xl, xr, yr, xs, k, kend, edges, vx, vy):
    """Reference x on the scanline inside [xl, xr]: the gap midpoint (between
    scanline crossings) farthest from the cell's edges, so that its inside
    state and all orientation tests against it are numerically unambiguous."""
    best_x, best_d = 0.5 * (xl + xr), -1.0
    lo = xl
    while k < kend and xs[k] <= xl:  # crossings left of the cell, not swept yet
        k += 1
    while True:
        hi = xr
        if k < kend and xs[k] < xr:
            hi = xs[k]
        if hi > lo:
            m = 0.5 * (lo + hi)
            d = _min_dist2(m, yr, edges, vx, vy)
            if d > best_d:
                best_x, best_d = m, d
        if hi >= xr:
            return best_x
        lo = hi
        k += 1


# --------------------------------------------------------------------------- query
@njit(cache=True, inline="always")
def _inside(j, px, py, qx, qy, cand_inside, cand_ptr, run_start, run_len, vx, vy):
    """Even-odd state of candidate j at p: reference state flipped by every
    cell edge crossing segment p-q.  Vertices on line pq count as its right
    side (consistent for both edges sharing them -- simulation of simplicity),
    so vertex hits neither double-count nor get lost."""
    ins = cand_inside[j]
    ux, uy = qx - px, qy - py
    for k in range(cand_ptr[j], cand_ptr[j + 1]):
        e = run_start[k]
        ax, ay = vx[e], vy[e]
        sa = ux * (ay - py) - uy * (ax - px) > 0.0
        for f in range(e + 1, e + 1 + run_len[k]):
            bx, by = vx[f], vy[f]
            sb = ux * (by - py) - uy * (bx - px) > 0.0
            if sa != sb:
                ex, ey = bx - ax, by - ay
                o_p = ex * (py - ay) - ey * (px - ax)
                o_q = ex * (qy - ay) - ey * (qx - ax)
                if (o_p > 0.0) != (o_q > 0.0):
                    ins = not ins
            ax, ay, sa = bx, by, sb
    return ins


@njit(cache=True, inline="always")
def _locate(x, y, x0, y0, dx, dy, nx, ny):
    c = np.floor((x - x0) / dx)
    r = np.floor((y - y0) / dy)
    if not (0 <= c < nx and 0 <= r < ny):  # also rejects NaN
        return -1, -1
    return int(r), int(c)


@njit(cache=True)
def _lookup_range(
    lo,
    hi,
    lon,
    lat,
    out,
    x0,
    y0,
    dx,
    dy,
    nx,
    ny,
    grid,
    row_y,
    ref_x,
    spec_ptr,
    cand_poly,
    cand_inside,
    cand_ptr,
    run_start,
    run_len,
    vx,
    vy,
):
    """The hot loop, written out by hand: calling helpers that take arrays once
    per point costs NRT reference counting on every array and made it 4x
    slower.  Same arithmetic as ``_inside`` / ``_locate``."""
    for i in range(lo, hi):
        x, y = lon[i], lat[i]
        cf = np.floor((x - x0) / dx)
        rf = np.floor((y - y0) / dy)
        if not (0 <= cf < nx and 0 <= rf < ny):
            out[i] = -1
            continue
        r, c = int(rf), int(cf)
        g = grid[r, c]
        if g >= -1:
            out[i] = g
            continue
        s = -2 - g
        qx, qy = ref_x[s], row_y[r]
        ux, uy = qx - x, qy - y
        res = -1
        for j in range(spec_ptr[s], spec_ptr[s + 1]):  # ascending polygon index
            ins = cand_inside[j]
            for k in range(cand_ptr[j], cand_ptr[j + 1]):
                e = run_start[k]
                ax, ay = vx[e], vy[e]
                sa = ux * (ay - y) - uy * (ax - x) > 0.0
                for f in range(e + 1, e + 1 + run_len[k]):
                    bx, by = vx[f], vy[f]
                    sb = ux * (by - y) - uy * (bx - x) > 0.0
                    if sa != sb:
                        ex, ey = bx - ax, by - ay
                        o_p = ex * (y - ay) - ey * (x - ax)
                        o_q = ex * (qy - ay) - ey * (qx - ax)
                        if (o_p > 0.0) != (o_q > 0.0):
                            ins = not ins
                    ax, ay, sa = bx, by, sb
            if ins:
                res = cand_poly[j]
                break
        out[i] = res


CHUNK = 2048  # points per parallel task


@njit(parallel=True, cache=True)
def lookup_par(lon, lat, out, *index):
    n = lon.size
    for t in prange((n + CHUNK - 1) // CHUNK):
        _lookup_range(t * CHUNK, min(n, (t + 1) * CHUNK), lon, lat, out, *index)


@njit(cache=True)
def lookup_seq(lon, lat, out, *index):
    _lookup_range(0, lon.size, lon, lat, out, *index)


@njit(cache=True)
def lookup_all_one(
    x,
    y,
    x0,
    y0,
    dx,
    dy,
    nx,
    ny,
    grid,
    row_y,
    ref_x,
    spec_ptr,
    cand_poly,
    cand_inside,
    cand_ptr,
    run_start,
    run_len,
    vx,
    vy,
):
    """All polygons containing (x, y), ascending."""
    out = []
    r, c = _locate(x, y, x0, y0, dx, dy, nx, ny)
    if r < 0:
        return out
    g = grid[r, c]
    if g >= 0:
        out.append(g)
    elif g <= -2:
        s = -2 - g
        for j in range(spec_ptr[s], spec_ptr[s + 1]):
            if _inside(j, x, y, ref_x[s], row_y[r], cand_inside, cand_ptr, run_start, run_len, vx, vy):
                out.append(cand_poly[j])
    return out


@njit(cache=True)
def min_edge_dist(x, y, tol, x0, y0, dx, dy, nx, ny, grid, spec_ptr, cand_ptr, run_start, run_len, vx, vy):
    """Distance to the nearest polygon edge, looking only at the cells within
    ``tol`` of the point (inf when no edge is that close to those cells)."""
    best = np.inf
    for yy in (y - tol, y + tol):
        for xx in (x - tol, x + tol):
            r, c = _locate(xx, yy, x0, y0, dx, dy, nx, ny)
            if r < 0 or grid[r, c] >= -1:
                continue
            s = -2 - grid[r, c]
            for k in range(cand_ptr[spec_ptr[s]], cand_ptr[spec_ptr[s + 1]]):
                idx = np.arange(run_start[k], run_start[k] + run_len[k])
                best = min(best, _min_dist2(x, y, idx, vx, vy))
    return np.sqrt(best)
