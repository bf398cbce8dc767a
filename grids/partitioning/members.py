"""Member areas of all grids of a village at once (vectorised count-exact bisection).

Same method as :func:`.split.split_geometric` (recursive bisection along the
principal axis of each part, prefix of the required weight), run level by
level for every part of every grid together with segment sums instead of one
Python recursion per grid: a village has hundreds of grids and the per-grid
overhead dominated. Member areas are then numbered in reading order inside
their grid (rows north->south about one area high, west->east in a row).
"""

from __future__ import annotations

import numpy as np

from .split import n_parts


def _seg_sum(values: np.ndarray, seg: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(seg, weights=values, minlength=n)


def split_many(
    *,
    xy: np.ndarray,
    w: np.ndarray,
    part: np.ndarray,
    k: np.ndarray,
    band: tuple[int, int] | None = None,
) -> np.ndarray:
    """Labels 0..k[p]-1 within each part ``p`` (``part``: part index of each unit).

    With ``band`` (lo, hi) a cut nearest the proportional share is moved, where
    possible, to the nearest position that leaves both sides a weight they can
    still split into in-band areas (``k1 * lo .. k1 * hi``): a compound of
    several households on the cut line otherwise lands a whole area outside the
    band (60 households, a compound of 4: areas of 8 and 13).
    """
    n = len(w)
    label = np.zeros(n, dtype=np.int64)
    task = part.astype(np.int64).copy()  # current piece of each unit
    kk = np.asarray(k, dtype=np.int64).copy()  # parts still to cut, per piece
    base = np.zeros(len(kk), dtype=np.int64)
    while True:
        active = kk[task] > 1
        cnt = np.bincount(task, minlength=len(kk))
        active &= cnt[task] > 1
        if not active.any():
            break
        idx = np.flatnonzero(active)
        t, p, wt = task[idx], xy[idx], w[idx].astype(float)
        m = len(kk)
        sw = _seg_sum(wt, t, m)
        cn = np.maximum(np.bincount(t, minlength=m), 1)
        mx, my = _seg_sum(p[:, 0], t, m) / cn, _seg_sum(p[:, 1], t, m) / cn
        dx, dy = p[:, 0] - mx[t], p[:, 1] - my[t]
        sxx, syy, sxy = _seg_sum(dx * dx, t, m), _seg_sum(dy * dy, t, m), _seg_sum(dx * dy, t, m)
        theta = 0.5 * np.arctan2(2 * sxy, sxx - syy)  # principal axis of each piece
        proj = dx * np.cos(theta[t]) + dy * np.sin(theta[t])
        order = np.lexsort((np.arange(len(idx)), proj, t))
        ts, ws = t[order], wt[order]
        start = np.searchsorted(ts, ts, side="left")
        cum = np.cumsum(ws)
        cum = cum - (cum[start] - ws[start])  # running weight inside the piece
        k1 = kk // 2
        target = sw * k1 / np.maximum(kk, 1)
        below = np.bincount(ts, weights=(cum < target[ts] - 1e-9), minlength=m).astype(np.int64)
        first = np.searchsorted(ts, np.arange(m), side="left")
        size = np.bincount(ts, minlength=m)
        i = below.copy()  # first position with cum >= target (as searchsorted)
        has = size > 0
        pos_i = first + np.minimum(i, np.maximum(size - 1, 0))
        pos_prev = first + np.maximum(i - 1, 0)
        c_i = np.where(i < size, cum[np.minimum(pos_i, len(cum) - 1)], np.inf)
        c_prev = cum[np.minimum(pos_prev, len(cum) - 1)]
        back = (i > 0) & ((i >= size) | (np.abs(c_prev - target) <= np.abs(c_i - target)))
        i = np.where(back, i - 1, i)
        if band is not None:  # nearest cut leaving both sides feasible (cum is monotone)
            lo, hi = band
            k2 = kk - k1
            rlo = np.maximum(k1 * lo, sw - k2 * hi) - 1e-9
            rhi = np.minimum(k1 * hi, sw - k2 * lo) + 1e-9
            ilo = np.bincount(ts, weights=(cum < rlo[ts]), minlength=m).astype(np.int64)
            ihi = np.bincount(ts, weights=(cum <= rhi[ts]), minlength=m).astype(np.int64) - 1
            ok = (rlo <= rhi) & (ilo <= ihi)
            i = np.where(ok, np.clip(i, ilo, np.maximum(ihi, ilo)), i)
        i = np.minimum(i, np.maximum(size - 2, 0))
        rank = np.arange(len(order)) - first[ts]
        side1 = np.zeros(len(idx), dtype=bool)
        side1[order] = rank > i[ts]
        # new pieces: side 0 keeps the piece id, side 1 gets a new one
        new_id = np.full(m, -1, dtype=np.int64)
        split = has & (kk > 1) & (size > 1)
        new_id[split] = m + np.arange(int(split.sum()))
        kk2, base2 = kk.copy(), base.copy()
        kk2[split] = k1[split]
        extra_k = kk[split] - k1[split]
        extra_base = base[split] + k1[split]
        kk = np.concatenate((kk2, extra_k))
        base = np.concatenate((base2, extra_base))
        moved = idx[side1]
        task[moved] = new_id[task[moved]]
    label[:] = base[task]
    return label


def member_parts(w: np.ndarray, ulabel: np.ndarray, n_grids: int, params) -> np.ndarray:
    """Number of member areas per grid (nearest ``size / member_target`` within the band)."""
    lo, hi = params.member_band
    size = np.bincount(ulabel, weights=w, minlength=n_grids).astype(int)
    return np.array(
        [max(n_parts(int(s), target=params.member_target, lo=lo, hi=hi)[0], 1) for s in size],
        dtype=np.int64,
    )


def reading_rank(cx: np.ndarray, cy: np.ndarray, grp: np.ndarray, n_groups: int) -> np.ndarray:
    """Rank of each item in reading order within its group (see module docstring)."""
    if len(cx) == 0:
        return np.zeros(0, dtype=np.int64)
    big = np.finfo(float).max
    xmin = np.full(n_groups, big)
    ymin = np.full(n_groups, big)
    xmax = np.full(n_groups, -big)
    ymax = np.full(n_groups, -big)
    np.minimum.at(xmin, grp, cx)
    np.minimum.at(ymin, grp, cy)
    np.maximum.at(xmax, grp, cx)
    np.maximum.at(ymax, grp, cy)
    cnt = np.bincount(grp, minlength=n_groups)
    empty = cnt == 0  # no item: no extent (and no overflow from the sentinels)
    xmin[empty] = xmax[empty] = ymin[empty] = ymax[empty] = 0.0
    area = np.maximum((xmax - xmin) * (ymax - ymin), 1.0)
    row_h = np.maximum(np.sqrt(area / np.maximum(cnt, 1)), 1.0)
    row = np.floor((ymax[grp] - cy) / row_h[grp])
    order = np.lexsort((np.arange(len(cx)), cx, row, grp))
    rank = np.empty(len(cx), dtype=np.int64)
    first = np.searchsorted(grp[order], grp[order], side="left")
    rank[order] = np.arange(len(cx)) - first
    return rank


def _rebalance(uxy, w, area, area_grid, lo: int, hi: int) -> None:
    """Bring areas outside ``lo..hi`` into the band by moving single units (in place).

    A compound on a cut line can leave a piece that no straight cut splits in
    band (22 households as 9 | 13); the unit of the over-full (or the donor)
    area nearest the receiving area's centre moves, when both stay in band.
    Only the few areas outside the band are visited.
    """
    n_area = len(area_grid)
    for _ in range(4 * n_area):
        size = np.bincount(area, weights=w, minlength=n_area)
        bad = np.flatnonzero(((size > hi) | (size < lo)) & (size > 0))
        best = None
        for a in bad.tolist():
            over = size[a] > hi
            others = np.flatnonzero((area_grid == area_grid[a]) & (np.arange(n_area) != a))
            for b in others.tolist():
                src, dst = (a, b) if over else (b, a)
                units = np.flatnonzero(area == src)
                ok = (size[src] - w[units] >= lo) & (size[dst] + w[units] <= hi)
                if not ok.any():
                    continue
                units = units[ok]
                cd = np.average(uxy[area == dst], axis=0, weights=w[area == dst])
                cs = np.average(uxy[area == src], axis=0, weights=w[area == src])
                cost = ((uxy[units] - cd) ** 2).sum(1) - ((uxy[units] - cs) ** 2).sum(1)
                i = int(np.argmin(cost))
                key = (float(cost[i]), int(units[i]), dst)
                if best is None or key < best:
                    best = key
            if best is not None:
                break
        if best is None:
            return
        area[best[1]] = best[2]


def member_labels_all(uxy, w, ulabel, n_grids: int, params) -> np.ndarray:
    """Member-area index per unit, unique within its grid, in reading order."""
    if len(w) == 0:
        return np.zeros(0, dtype=np.int64)
    k = member_parts(w, ulabel, n_grids, params)
    lab = split_many(xy=uxy, w=w, part=ulabel, k=k, band=tuple(params.member_band))
    offs = np.r_[0, np.cumsum(k)]
    area = offs[ulabel] + lab  # global area index
    n_area = int(offs[-1])
    _rebalance(uxy, w, area, np.repeat(np.arange(n_grids), k), *params.member_band)
    sw = np.bincount(area, weights=w, minlength=n_area)
    live = sw > 0
    cx = np.bincount(area, weights=uxy[:, 0] * w, minlength=n_area)[live] / sw[live]
    cy = np.bincount(area, weights=uxy[:, 1] * w, minlength=n_area)[live] / sw[live]
    area_grid = np.repeat(np.arange(n_grids), k)[live]
    rank = np.full(n_area, -1, dtype=np.int64)
    rank[np.flatnonzero(live)] = reading_rank(cx, cy, area_grid, n_grids)
    return rank[area]
