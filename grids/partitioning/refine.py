"""Boundary refinement: border moves between neighbouring grids for compactness.

Method (design.md section 4, "refine boundaries with moves that keep both sides
connected and within the band, penalising cut length"): a greedy local search
over border units in the manner of Fiduccia & Mattheyses (1982) with a
k-means-like term (Lloyd 1982). A unit ``u`` of grid ``A`` may move to a grid
``B`` it touches when ``u`` is not frozen, ``A`` stays connected (the
neighbours of ``u`` in ``A`` are connected among themselves, a sufficient
local test, see :func:`.split.removable`), and ``u`` has a neighbour in ``B``
*of its own group*, so a group held whole by one grid is never split and only
borders already inside a group move.

Moves are made when both grids stay in the band and the gain
  ``w_u * (|u - c_A|^2 - |u - c_B|^2) / s^2 + CUT_WEIGHT * (n_B(u) - n_A(u))``
  is positive (``c``: grid centres, ``s^2``: mean squared distance of units to
  their grid centre, ``n_X(u)``: graph neighbours of ``u`` in ``X``): grids get
  rounder and their borders shorter.
"""

from __future__ import annotations

import numpy as np

from .split import removable

CUT_WEIGHT = 3.0  # weight of one graph edge of border against the distance term (tuned on
# the generated 20k county: 0.35 -> PP 0.485, 1 -> 0.488, 3-4 -> 0.491)
MAX_PASSES = 6  # refinement passes over the border units (each pass moves a unit once)


class _LabelIs:
    """``labels == a`` read lazily: :func:`removable` asks only about a few neighbours
    (building the whole mask per tried move dominated the pass)."""

    __slots__ = ("labels", "a")

    def __init__(self, labels: np.ndarray, a: int) -> None:
        self.labels, self.a = labels, a

    def __getitem__(self, x: int) -> bool:
        return self.labels[x] == self.a


def _adjacency(n: int, ea: np.ndarray, eb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    src, dst = np.r_[ea, eb], np.r_[eb, ea]
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order]


def _candidates(labels, group, frozen, ea, eb) -> tuple[np.ndarray, np.ndarray]:
    """(unit, target grid) for border units with a same-group neighbour in the target."""
    m = (
        (labels[ea] != labels[eb])
        & (group[ea] == group[eb])
        & (labels[ea] >= 0)
        & (labels[eb] >= 0)
    )
    u = np.r_[ea[m], eb[m]]
    t = np.r_[labels[eb[m]], labels[ea[m]]]
    keep = ~frozen[u]
    u, t = u[keep], t[keep]
    if len(u) == 0:
        return u, t
    key = np.unique(u.astype(np.int64) * (int(labels.max()) + 1) + t)
    return key // (int(labels.max()) + 1), key % (int(labels.max()) + 1)


def refine(
    *, xy, w, group, labels, ea, eb, lo: int, hi: int, frozen=None, passes: int = MAX_PASSES
) -> int:
    """Compactness moves (in place on ``labels``); returns the number of moves."""
    n = len(w)
    if n < 2 or len(ea) == 0 or labels.max() < 1:
        return 0
    frozen = np.zeros(n, dtype=bool) if frozen is None else frozen
    indptr, indices = _adjacency(n, ea, eb)
    k = int(labels.max()) + 1
    size = np.bincount(labels, weights=w, minlength=k)
    sx = np.bincount(labels, weights=w * xy[:, 0], minlength=k)
    sy = np.bincount(labels, weights=w * xy[:, 1], minlength=k)
    cx, cy = sx / np.maximum(size, 1e-9), sy / np.maximum(size, 1e-9)
    s2 = float(np.average((xy[:, 0] - cx[labels]) ** 2 + (xy[:, 1] - cy[labels]) ** 2, weights=w))
    s2 = max(s2, 1.0)
    moves = 0
    # per-unit scalars as Python objects: the pass below reads them one at a time
    # (numpy scalar indexing dominated it); the arithmetic is the same IEEE doubles
    wl, xl, yl = w.tolist(), xy[:, 0].tolist(), xy[:, 1].tolist()
    grp, lab = group.tolist(), labels.tolist()
    ind = indices.tolist()
    bounds = indptr.tolist()
    nbrs = [ind[bounds[u] : bounds[u + 1]] for u in range(n)]
    size, sx, sy = size.tolist(), sx.tolist(), sy.tolist()
    cx, cy = cx.tolist(), cy.tolist()
    for _ in range(passes):
        us, ts = _candidates(labels, group, frozen, ea, eb)
        if len(us) == 0:
            break
        us_l, ts_l = us.tolist(), ts.tolist()
        a = labels[us]
        cxa, cya = np.asarray(cx), np.asarray(cy)
        d_a = (xy[us, 0] - cxa[a]) ** 2 + (xy[us, 1] - cya[a]) ** 2
        d_b = (xy[us, 0] - cxa[ts]) ** 2 + (xy[us, 1] - cya[ts]) ** 2
        pre = w[us] * (d_a - d_b) / s2
        order = np.lexsort((ts, us, -pre))
        moved = set()
        done = 0
        for i in order.tolist():
            u, b = us_l[i], ts_l[i]
            if u in moved:
                continue
            a = lab[u]
            wu = wl[u]
            if a == b or size[a] - wu < lo or size[b] + wu > hi:
                continue
            gu = grp[u]
            nb = nbrs[u]
            na = nbb = 0
            ok = False
            for x in nb:
                lx = lab[x]
                if lx == b:
                    nbb += 1
                    if grp[x] == gu:
                        ok = True
                elif lx == a:
                    na += 1
            if not ok:
                continue
            ux, uy = xl[u], yl[u]
            gain = wu * (
                (ux - cx[a]) ** 2 + (uy - cy[a]) ** 2 - (ux - cx[b]) ** 2 - (uy - cy[b]) ** 2
            ) / s2 + CUT_WEIGHT * (nbb - na)
            if gain <= 1e-9 or not removable(u, _LabelIs(labels, a), indptr, indices):
                continue
            labels[u] = b
            lab[u] = b
            for g, sign in ((a, -1.0), (b, 1.0)):
                size[g] += sign * wu
                sx[g] += sign * wu * ux
                sy[g] += sign * wu * uy
                cx[g], cy[g] = sx[g] / max(size[g], 1e-9), sy[g] / max(size[g], 1e-9)
            moved.add(u)
            done += 1
        moves += done
        if done == 0:
            break
    return moves
