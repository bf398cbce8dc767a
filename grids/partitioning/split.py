"""Count-exact recursive bisection of a weighted household graph.

Method: a block that must become ``k`` parts is cut into ``k // 2`` and
``k - k // 2`` parts, recursively (recursive coordinate bisection, Berger &
Bokhari 1987, as used for load balancing in Zoltan's RCB). Each cut is a
straight line: units are sorted along ``N_DIRECTIONS`` directions and the prefix
of the required weight is taken; the direction whose cut crosses the fewest
graph edges wins (short borders, compact grids). The cut is then repaired on
the graph: fragments of either side flip to the other side, and the side
outside its feasible weight range gives up border units (never disconnecting
itself) until both sides can still be cut into in-band parts. Co-located
households are one weighted unit and are never separated.

Member areas use the same recursion without the graph, cutting along the
principal axis of the grid's households (they need not be contiguous).
"""

from __future__ import annotations

import math

import numpy as np

from .graph import arcs, components_sorted, subgraph

N_DIRECTIONS = 8  # cut directions tried per bisection (every 22.5 degrees)
N_REPAIRED = 2  # best directions (by cut edges) that are repaired and compared
MAX_BALANCE_TRIES = 30  # border units tried per balancing move before giving up
_ANG = np.arange(N_DIRECTIONS) * np.pi / N_DIRECTIONS
DIRECTIONS = np.c_[np.cos(_ANG), np.sin(_ANG)]


def n_parts(n: int, *, target: int, lo: int, hi: int) -> tuple[int, bool]:
    """Number of parts nearest ``n / target`` with every part in ``lo..hi``.

    Returns ``(k, feasible)``; when no such k exists (e.g. 61..79 at 40..60, or
    n < lo) returns the nearest count and ``False``.
    """
    if n <= 0:
        return 0, True
    ks = range(max(1, math.ceil(n / hi)), n // lo + 1)
    if len(ks):
        return min(ks, key=lambda k: (abs(k - n / target), k)), True
    return max(1, round(n / target)), False


def _range(total: float, k1: int, k2: int, lo: int, hi: int) -> tuple[float, float]:
    rlo, rhi = max(k1 * lo, total - k2 * hi), min(k1 * hi, total - k2 * lo)
    if rlo > rhi:  # infeasible block: aim at the proportional share
        rlo = rhi = round(total * k1 / (k1 + k2))
    return rlo, rhi


def _prefix_cut(proj: np.ndarray, w: np.ndarray, t1: float, rng=None) -> np.ndarray:
    """Side 0 = the prefix along ``proj`` whose weight is nearest ``t1`` (within
    ``rng`` = (rlo, rhi) when some prefix weight lies there)."""
    order = np.argsort(proj, kind="stable")
    cum = np.cumsum(w[order])
    i = int(np.searchsorted(cum, t1))
    if i > 0 and (i >= len(cum) or abs(cum[i - 1] - t1) <= abs(cum[i] - t1)):
        i -= 1
    if rng is not None:
        ilo = int(np.count_nonzero(cum < rng[0] - 1e-9))
        ihi = int(np.count_nonzero(cum <= rng[1] + 1e-9)) - 1
        if rng[0] <= rng[1] and ilo <= ihi:
            i = min(max(i, ilo), ihi)
    i = min(i, len(cum) - 2)
    side = np.ones(len(w), dtype=np.int8)
    side[order[: i + 1]] = 0
    return side


def _repair(side, w, src, dst) -> None:
    """Flip fragments (all but the heaviest component of each side), in place."""
    n = len(side)
    for _ in range(4):
        same = side[src] == side[dst]
        nc, comp = components_sorted(n, src[same], dst[same])
        if nc <= 2:
            return
        cw = np.bincount(comp, weights=w, minlength=nc)
        cs = np.zeros(nc, dtype=np.int8)
        cs[comp] = side
        keep = np.zeros(nc, dtype=bool)
        for s in (0, 1):
            idx = np.flatnonzero(cs == s)
            if len(idx):
                keep[idx[np.argmax(cw[idx])]] = True
        flip = ~keep[comp]
        side[flip] ^= 1


def _connected(mask, src, dst) -> bool:
    m = mask[src] & mask[dst]
    _, comp = components_sorted(len(mask), src[m], dst[m])
    return len(np.unique(comp[mask])) <= 1


def csr(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Adjacency lists (indptr, indices) from arcs sorted by source."""
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst


def removable(u: int, member, indptr, indices) -> bool:
    """Sufficient test that a connected set stays connected without ``u``.

    True when the neighbours of ``u`` inside the set are connected among
    themselves: any path through ``u`` can then go round it. O(degree^2),
    instead of a components run on the whole graph.
    """
    nb = [x for x in indices[indptr[u] : indptr[u + 1]].tolist() if member[x]]
    if len(nb) <= 1:
        return len(nb) == 1
    ring, seen, stack = set(nb), {nb[0]}, [nb[0]]
    while stack:
        x = stack.pop()
        for y in indices[indptr[x] : indptr[x + 1]].tolist():
            if y in ring and y not in seen:
                seen.add(y)
                stack.append(y)
    return len(seen) == len(nb)


def _balance(side, w, src, dst, proj, rlo, rhi) -> None:
    """Move border units from the side outside its range, keeping it connected."""
    indptr, indices = csr(len(side), src, dst)
    for _ in range(len(side)):
        w0 = float(w[side == 0].sum())
        if rlo <= w0 <= rhi:
            return
        donor = 0 if w0 > rhi else 1
        cut = side[src] != side[dst]
        border = np.unique(src[cut])
        border = border[side[border] == donor]
        # closest to the cut line first: highest projection for side 0, lowest for side 1
        border = border[np.argsort(-proj[border] if donor == 0 else proj[border], kind="stable")]
        member = side == donor
        for u in border[:MAX_BALANCE_TRIES].tolist():
            if removable(u, member, indptr, indices):
                side[u] ^= 1
                break
            member[u] = False
            if _connected(member, src, dst):
                side[u] ^= 1
                break
            member[u] = True
        else:
            return


def _bisect(xy, w, ea, eb, k1, k2, lo, hi) -> np.ndarray:
    total = float(w.sum())
    rlo, rhi = _range(total, k1, k2, lo, hi)
    t1 = total * k1 / (k1 + k2)
    projs = xy @ DIRECTIONS.T
    src, dst = arcs(ea, eb)
    sides = [_prefix_cut(projs[:, j], w, t1) for j in range(N_DIRECTIONS)]
    cuts = [int(np.count_nonzero(s[ea] != s[eb])) for s in sides]
    best, best_key = None, None
    for j in sorted(range(N_DIRECTIONS), key=lambda j: (cuts[j], j))[:N_REPAIRED]:
        side = sides[j]
        _repair(side, w, src, dst)
        _balance(side, w, src, dst, projs[:, j], rlo, rhi)
        w0 = float(w[side == 0].sum())
        miss = max(0.0, rlo - w0, w0 - rhi)
        cut = int(np.count_nonzero(side[ea] != side[eb]))
        key = (miss, cut, abs(w0 - t1), j)
        if best_key is None or key < best_key:
            best, best_key = side, key
        if miss == 0 and cut <= cuts[j]:  # the straight cut needed no repair: good enough
            break
    return best


def split_graph(
    *, xy: np.ndarray, w: np.ndarray, ea: np.ndarray, eb: np.ndarray, k: int, lo: int, hi: int
) -> np.ndarray:
    """Labels 0..k-1 for the units of one connected block (see module docstring)."""
    labels = np.zeros(len(w), dtype=np.int64)
    stack = [(np.arange(len(w)), ea, eb, k, 0)]
    while stack:
        nodes, sa, sb, kk, base = stack.pop()
        if kk <= 1 or len(nodes) < 2:
            labels[nodes] = base
            continue
        k1 = kk // 2
        side = _bisect(xy[nodes], w[nodes], sa, sb, k1, kk - k1, lo, hi)
        for s, kp, b in ((0, k1, base), (1, kk - k1, base + k1)):
            mask = side == s
            stack.append((nodes[mask], *subgraph(mask, sa, sb), kp, b))
    return labels


def split_geometric(*, xy: np.ndarray, w: np.ndarray, k: int, lo: int, hi: int) -> np.ndarray:
    """Labels 0..k-1 by count-exact bisection along principal axes (member areas).

    A cut is moved off the proportional share when a compound (weighted unit)
    would leave a side unable to split into ``lo..hi`` parts.
    """
    labels = np.zeros(len(w), dtype=np.int64)
    stack = [(np.arange(len(w)), k, 0)]
    while stack:
        nodes, kk, base = stack.pop()
        if kk <= 1 or len(nodes) < 2:
            labels[nodes] = base
            continue
        k1 = kk // 2
        p = xy[nodes] - xy[nodes].mean(axis=0)
        sxx, syy, sxy = (p[:, 0] ** 2).sum(), (p[:, 1] ** 2).sum(), (p[:, 0] * p[:, 1]).sum()
        theta = 0.5 * math.atan2(2 * sxy, sxx - syy)  # principal axis of the 2x2 covariance
        proj = p[:, 0] * math.cos(theta) + p[:, 1] * math.sin(theta)
        total = float(w[nodes].sum())
        k2 = kk - k1
        rng = (max(k1 * lo, total - k2 * hi), min(k1 * hi, total - k2 * lo))
        side = _prefix_cut(proj, w[nodes], total * k1 / kk, rng)
        stack.append((nodes[side == 0], k1, base))
        stack.append((nodes[side == 1], kk - k1, base + k1))
    return labels
