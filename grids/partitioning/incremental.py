"""Incremental mode: keep previous grids and member areas wherever the rules allow.

Method: every unit (co-located households) keeps the grid most of its
households had (``previous``); a new unit joins the grid of the kept unit of its
own group nearest along the household graph (a graph Voronoi, so a newcomer
never lands in a grid it is cut off from); groups with no kept unit are
partitioned afresh (merge and split as in fresh mode, small leftovers join the
adjacent grid they touch most). Then rules are restored with as few moves of
existing households as possible: a grid that newcomers cut apart (a new point
between two old neighbours changes the triangulation) is rejoined through
newcomers on a shortest hop path; fragments still detached join the
neighbouring grid they touch most; grids out of band (over or under) are
repaired by chains of border moves through neighbouring grids to one with room
(or spare), cheapest in existing households moved (new households move for
free); only when that cannot balance them is a grid opened, one at a time with
border moves tried again after each (a village that outgrew its grids gets one
more grid, not one per full grid): a grid over the band is split, the part
holding most of its households keeping the id, or else a grid is re-cut
together with one neighbour into the feasible number of parts (each old grid
keeping its id on the part holding most of its households). Member areas: kept
areas keep their id, newcomers join the nearest kept area of their grid with
room, and leftovers form new areas. Unchanged input therefore reproduces the
previous output. ``bench/stability_bench.py`` measures the moves after 5 % more
households.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from .blocks import merge_groups
from .graph import components, subgraph
from .split import n_parts, split_geometric, split_graph


def _unit_mode(inv: np.ndarray, values: np.ndarray, n_units: int) -> np.ndarray:
    """Most frequent non-empty value per unit ("" if none; ties -> smallest)."""
    out = np.full(n_units, "", dtype=object)
    has = values != ""
    if has.any():
        df = pd.DataFrame({"u": inv[has], "v": values[has]})
        cnt = df.groupby(["u", "v"]).size().reset_index(name="c")
        cnt = cnt.sort_values(["u", "c", "v"], ascending=[True, False, True], kind="stable")
        first = cnt.drop_duplicates("u")
        out[first["u"].to_numpy()] = first["v"].to_numpy()
    return out


def _neighbour_label(u_nodes, ulabel, ea, eb, exclude) -> int:
    m = np.isin(ea, u_nodes) | np.isin(eb, u_nodes)
    other = np.r_[ulabel[ea[m]], ulabel[eb[m]]]
    other = other[(other >= 0) & ~np.isin(other, exclude)]
    if len(other) == 0:
        return -1
    vals, cnt = np.unique(other, return_counts=True)
    return int(vals[np.argmax(cnt)])


def _defragment(ulabel, w, ea, eb) -> None:
    for _ in range(5):
        same = ulabel[ea] == ulabel[eb]
        nc, comp = components(len(ulabel), ea[same], eb[same])
        cw = np.bincount(comp, weights=w, minlength=nc)
        lab_of = np.zeros(nc, dtype=np.int64)
        lab_of[comp] = ulabel
        best = pd.Series(cw).groupby(lab_of).idxmax()
        frag = np.setdiff1d(np.arange(nc), best.to_numpy())
        if len(frag) == 0:
            return
        for c in frag:
            nodes = np.flatnonzero(comp == c)
            j = _neighbour_label(nodes, ulabel, ea, eb, [lab_of[c]])
            if j >= 0:
                ulabel[nodes] = j


MAX_REPAIR_CHAINS = 100  # move chains tried per village, plus two per household out of band


def _n_comp(ulabel, k, ea, eb, drop=-1, add=-1) -> int:
    """Connected components of grid ``k`` (optionally without unit ``drop``, with ``add``)."""
    mask = ulabel == k
    if drop >= 0:
        mask[drop] = False
    if add >= 0:
        mask[add] = True
    nodes = np.flatnonzero(mask)
    if len(nodes) == 0:
        return 0
    nc, _ = components(len(nodes), *subgraph(mask, ea, eb))
    return nc


def _badness(size, lo, hi) -> float:
    alive = size > 0
    return float(np.maximum(size - hi, 0).sum() + np.maximum(lo - size, 0)[alive].sum())


def _chain(ulabel, w, ea, eb, cost, size, k, over, lo, hi):
    """Cheapest chain of border moves relieving grid ``k`` (over: out of k; else into k).

    Returns [(unit, to_grid), ...] in execution order, or None. A move of unit u
    from grid a to grid b is allowed when a stays as connected as it was; the
    chain ends at a grid that can take (over) or give (under) a unit in band.
    """
    cut = ulabel[ea] != ulabel[eb]
    src = np.r_[ea[cut], eb[cut]]
    dst = np.r_[eb[cut], ea[cut]]
    pairs = sorted(set(zip(src.tolist(), ulabel[dst].tolist())))
    by_grid: dict[int, list] = {}  # over: edges out of a; under: edges into b
    for u, b in pairs:
        a = int(ulabel[u])
        key = a if over else b
        by_grid.setdefault(key, []).append((cost[u], u, a, b))
    base = {}
    safe: dict[int, bool] = {}

    def movable(u, a):
        if u not in safe:
            if a not in base:
                base[a] = _n_comp(ulabel, a, ea, eb)
            safe[u] = size[a] > w[u] and _n_comp(ulabel, a, ea, eb, drop=u) <= base[a]
        return safe[u]

    def swap_ok(g, out, into):
        """An intermediate grid of the chain loses ``out`` and gains ``into``: it must stay
        as connected as it was (``into`` may have touched it only through ``out``)."""
        if g not in base:
            base[g] = _n_comp(ulabel, g, ea, eb)
        return _n_comp(ulabel, g, ea, eb, drop=out, add=into) <= base[g]

    import heapq

    heap = [(0.0, 0, k)]
    prev: dict[int, tuple] = {k: None}
    dist = {k: 0.0}
    seen = set()
    tie = 0
    while heap:
        d, _, g = heapq.heappop(heap)
        if g in seen:
            continue
        seen.add(g)
        if g != k:
            u = prev[g][0]
            ok = size[g] + w[u] <= hi if over else size[g] - w[u] >= lo
            if ok:
                path = []
                while prev[g] is not None:
                    u, frm = prev[g]
                    path.append((u, g if over else frm, frm if over else g))
                    g = frm
                # over: moves u from frm to g, executed from the far end backwards
                # so intermediate grids never grow past what they hand on
                return [(u, to) for u, to, _ in path]
        u_in = prev[g][0] if g != k else -1
        for c, u, a, b in by_grid.get(g, []):
            nxt = b if over else a
            if nxt in seen or not movable(u, a):
                continue
            if g != k and not swap_ok(g, *((u, u_in) if over else (u_in, u))):
                continue
            nd = d + c + 1e-3
            if nd < dist.get(nxt, np.inf):
                dist[nxt] = nd
                prev[nxt] = (u, g)
                tie += 1
                heapq.heappush(heap, (nd, tie, nxt))
    return None


def _shed_newcomers(ulabel, w, ea, eb, isnew, hi) -> None:
    """First, cheap pass for grids over the band: hand newcomers on their border to an
    adjacent grid with room (moving nobody who was there before), never cutting the grid."""
    for _ in range(MAX_REPAIR_CHAINS):
        size = np.bincount(ulabel, weights=w)
        over = np.flatnonzero(size > hi)
        if len(over) == 0:
            return
        moved = False
        for k in over:
            cut = (ulabel[ea] != ulabel[eb]) & ((ulabel[ea] == k) | (ulabel[eb] == k))
            inner = np.where(ulabel[ea[cut]] == k, ea[cut], eb[cut])
            outer = np.where(ulabel[ea[cut]] == k, eb[cut], ea[cut])
            ok = isnew[inner] & (size[ulabel[outer]] + w[inner] <= hi)
            base = None
            for _, u, j in sorted(zip(size[ulabel[outer[ok]]], inner[ok], ulabel[outer[ok]])):
                base = _n_comp(ulabel, k, ea, eb) if base is None else base
                if _n_comp(ulabel, k, ea, eb, drop=u) <= base:
                    ulabel[u] = j
                    moved = True
                    break
        if not moved:
            return


def _repair(ulabel, w, ea, eb, isnew, lo, hi) -> None:
    """Bring grids into [lo, hi] by chains of border moves (new households first).

    Each chain moves one unit per step between adjacent grids, never splitting
    a grid, and is kept only when it lowers the total distance to the band.
    """
    cost = np.where(isnew, 0.0, w.astype(float))
    size = np.bincount(ulabel, weights=w)
    for _ in range(MAX_REPAIR_CHAINS + 2 * int(_badness(size, lo, hi))):
        size = np.bincount(ulabel, weights=w)
        bad = np.flatnonzero((size > hi) | ((size > 0) & (size < lo)))
        if len(bad) == 0:
            return
        before = _badness(size, lo, hi)
        improved = False
        for k in bad:
            over = size[k] > hi
            chain = _chain(ulabel, w, ea, eb, cost, size, int(k), over, lo, hi)
            if not chain:
                continue
            old = ulabel.copy()
            touched = {int(ulabel[u]) for u, _ in chain} | {to for _, to in chain}
            comps = {g: _n_comp(old, g, ea, eb) for g in touched}
            for u, to in chain:
                ulabel[u] = to
            nsize = np.bincount(ulabel, weights=w, minlength=len(size))
            if _badness(nsize, lo, hi) < before and all(
                _n_comp(ulabel, g, ea, eb) <= comps[g] for g in touched
            ):
                improved = True
                break
            ulabel[:] = old
        if not improved:
            return


def repair_band(ulabel, w, ea, eb, lo, hi) -> None:
    """:func:`_repair` with no newcomer: any household may move (in place)."""
    _repair(ulabel, w, ea, eb, np.zeros(len(w), dtype=bool), lo, hi)


def _split_over(ulabel, w, uxy, ea, eb, uprev, p, nxt) -> tuple[int, bool]:
    """Split the largest grid over the band that is cut into in-band parts (the part
    holding most of its previous households keeps the label). A grid whose cut leaves a
    part out of band (e.g. one compound of 100 families) is left as it is. Returns the
    next free label and whether a grid was split."""
    lo, hi = p.band
    size = np.bincount(ulabel, weights=w)
    for k in np.argsort(-size, kind="stable"):
        if size[k] <= hi:
            break
        kk, ok = n_parts(int(size[k]), target=p.target, lo=lo, hi=hi)
        if not ok or kk < 2:
            continue
        mask = ulabel == k
        nodes = np.flatnonzero(mask)
        sa, sb = subgraph(mask, ea, eb)
        lab = split_graph(xy=uxy[nodes], w=w[nodes], ea=sa, eb=sb, k=kk, lo=lo, hi=hi)
        part = np.bincount(lab, weights=w[nodes], minlength=kk)
        if part.min() < lo or part.max() > hi:
            continue
        old = np.bincount(lab, weights=w[nodes] * (uprev[nodes] != ""), minlength=kk)
        keep = int(np.argmax(old))
        ulabel[nodes] = np.where(lab == keep, k, nxt + lab)
        return nxt + kk, True
    return nxt, False


def _resplit(ulabel, w, uxy, ea, eb, uprev, p, nxt) -> tuple[int, bool]:
    """Last resort for a grid still out of band: re-cut it together with one
    neighbouring grid (preferably one out of band too, so one re-cut mends both) into
    the feasible number of parts (the parts holding most of each old grid keep its
    label). One re-cut per call, the grid furthest out of band first, so the caller
    can try border moves again before opening another grid (a village that outgrew
    its grids needs one more grid, not one per full grid). Returns the next free
    label and whether a re-cut was made."""
    lo, hi = p.band
    size = np.bincount(ulabel, weights=w)
    off = np.maximum(size - hi, 0) + np.where(size > 0, np.maximum(lo - size, 0), 0)
    bad = np.flatnonzero(off > 0)
    for k in bad[np.argsort(-off[bad], kind="stable")]:
        cut = (ulabel[ea] != ulabel[eb]) & ((ulabel[ea] == k) | (ulabel[eb] == k))
        nb, cnt = np.unique(
            np.where(ulabel[ea[cut]] == k, ulabel[eb[cut]], ulabel[ea[cut]]), return_counts=True
        )
        # a neighbour out of band too first: one re-cut then repairs both
        bad_nb = (size[nb] > hi) | (size[nb] < lo)
        for j in nb[np.lexsort((-cnt, ~bad_nb))]:
            mask = (ulabel == k) | (ulabel == j)
            nodes = np.flatnonzero(mask)
            kk, ok = n_parts(int(w[nodes].sum()), target=p.target, lo=lo, hi=hi)
            if not ok:
                continue
            sa, sb = subgraph(mask, ea, eb)
            lab = split_graph(xy=uxy[nodes], w=w[nodes], ea=sa, eb=sb, k=kk, lo=lo, hi=hi)
            part = np.bincount(lab, weights=w[nodes], minlength=kk)
            if part.min() < lo or part.max() > hi:
                continue
            new = np.full(kk, -1, dtype=np.int64)
            for g in sorted((int(k), int(j)), key=lambda g: -size[g]):
                if not (new < 0).any():  # one part for two grids: the larger keeps its id
                    break
                kept = (ulabel[nodes] == g) & (uprev[nodes] != "")
                ov = np.bincount(lab, weights=w[nodes] * kept, minlength=kk)
                ov[new >= 0] = -1
                new[int(np.argmax(ov))] = g
            nxt_before = nxt
            for i in np.flatnonzero(new < 0):
                new[i] = nxt
                nxt += 1
            old = ulabel.copy()
            ulabel[nodes] = new[lab]
            if all(_n_comp(ulabel, g, ea, eb) <= 1 for g in np.unique(new)):
                return nxt, True
            ulabel[:] = old
            nxt = nxt_before
    return nxt, False


def _place_newcomers(ulabel, uxy, ugroup, ea, eb) -> None:
    """Label every new unit of a group that has kept units with the grid of the kept unit
    nearest *along the household graph inside the group* (a graph Voronoi: each newcomer's
    shortest path to its kept unit runs through newcomers given the same grid, so grids stay
    connected); newcomers the graph cannot reach take the nearest kept unit of the group."""
    n = len(ulabel)
    known = ulabel >= 0
    new = np.flatnonzero(~known & (ugroup >= 0))
    grouped = np.isin(ugroup, np.unique(ugroup[new])) & known
    if len(new) == 0 or not grouped.any():
        return
    inside = ugroup[ea] == ugroup[eb]
    a, b = ea[inside], eb[inside]
    length = np.hypot(*(uxy[a] - uxy[b]).T) + 1e-9
    graph = coo_matrix((length, (a, b)), shape=(n, n)).tocsr()
    sources = np.flatnonzero(grouped)
    dist, _, src = dijkstra(
        graph, directed=False, indices=sources, min_only=True, return_predecessors=True
    )
    reach = new[np.isfinite(dist[new]) & (src[new] >= 0)]
    ulabel[reach] = ulabel[src[reach]]
    for g in np.unique(ugroup[new[ulabel[new] < 0]]):
        todo = new[(ugroup[new] == g) & (ulabel[new] < 0)]
        kept = np.flatnonzero((ugroup == g) & known)
        if len(kept):
            _, j = cKDTree(uxy[kept]).query(uxy[todo])
            ulabel[todo] = ulabel[kept[j]]


def _reconnect(ulabel, ea, eb, isnew) -> None:
    """Rejoin the pieces of a grid that newcomers cut apart, by giving the grid the
    newcomers on a path from its main piece crossing the fewest of them (only newcomers
    change grid, and only when no other grid loses connectivity by it)."""
    n = len(ulabel)
    same = ulabel[ea] == ulabel[eb]
    nc, comp = components(n, ea[same], eb[same])
    label_of = np.full(nc, -1, dtype=np.int64)
    label_of[comp] = ulabel
    pieces = np.bincount(label_of[label_of >= 0])
    for k in np.flatnonzero(pieces > 1):  # only grids in pieces (the rest stay whole)
        for _ in range(4):
            mask = ulabel == k
            nodes = np.flatnonzero(mask)
            nc, comp = components(len(nodes), *subgraph(mask, ea, eb))
            if nc <= 1:
                break
            big = np.argmax(np.bincount(comp))
            main, others = nodes[comp == big], nodes[comp != big]
            # the grid's units and every newcomer; entering a newcomer costs 1, moving
            # inside the grid (almost) nothing, so the cost counts newcomers taken
            ok = (ulabel == k) | isnew
            em = ok[ea] & ok[eb]
            enter = np.where(ulabel == k, 0.0, 1.0)
            weight = 0.5 * (enter[ea[em]] + enter[eb[em]]) + 1e-6
            g = coo_matrix((weight, (ea[em], eb[em])), shape=(n, n)).tocsr()
            dist, pred = dijkstra(
                g, directed=False, indices=main, min_only=True, return_predecessors=True
            )[:2]
            reached = others[np.isfinite(dist[others])]
            if len(reached) == 0:
                break
            changed = False
            for target in reached[np.argsort(dist[reached], kind="stable")]:
                path = []
                u = int(pred[target])
                while u >= 0 and ulabel[u] != k:
                    path.append(u)
                    u = int(pred[u])
                if not path:
                    continue
                path = np.array(path)
                before = {int(j): _n_comp(ulabel, j, ea, eb) for j in np.unique(ulabel[path])}
                old = ulabel[path].copy()
                ulabel[path] = k
                if all(_n_comp(ulabel, j, ea, eb) <= c for j, c in before.items()):
                    changed = True
                    break
                ulabel[path] = old
            if not changed:
                break


def incremental_labels(t, inv, uxy, ugroup, w, ea, eb, adjacency):
    """Grid label per unit, {label: persisting grid id}, flags."""
    p = t.params
    lo, hi = p.band
    n_units = len(w)
    uprev = _unit_mode(inv, np.asarray(t.prev_grid, dtype=object), n_units)
    old_ids = sorted(set(uprev.tolist()) - {""})
    code = {g: i for i, g in enumerate(old_ids)}
    ulabel = np.array([code.get(g, -1) for g in uprev], dtype=np.int64)
    flags: list[str] = []
    nxt = len(old_ids)
    fresh_groups = []
    for g in range(len(t.groups)):
        nodes = np.flatnonzero(ugroup == g)
        if (ulabel[nodes] < 0).any() and not (ulabel[nodes] >= 0).any():
            fresh_groups.append(g)
    _place_newcomers(ulabel, uxy, ugroup, ea, eb)
    if fresh_groups:
        sizes = [
            int(w[ugroup == g].sum()) if g in fresh_groups else 0 for g in range(len(t.groups))
        ]
        blocks, _ = merge_groups(sizes=sizes, adjacency=adjacency, lo=lo, hi=hi)
        for blk in blocks:
            mask = np.isin(ugroup, blk)
            nodes = np.flatnonzero(mask)
            k, ok = n_parts(int(w[nodes].sum()), target=p.target, lo=lo, hi=hi)
            j = _neighbour_label(nodes, ulabel, ea, eb, []) if not ok and k <= 1 else -1
            if j >= 0:
                ulabel[nodes] = j
                continue
            sa, sb = subgraph(mask, ea, eb)
            lab = split_graph(xy=uxy[nodes], w=w[nodes], ea=sa, eb=sb, k=max(k, 1), lo=lo, hi=hi)
            ulabel[nodes] = nxt + lab
            nxt += max(k, 1)
    isnew = uprev == ""
    _reconnect(ulabel, ea, eb, isnew)
    _defragment(ulabel, w, ea, eb)
    _shed_newcomers(ulabel, w, ea, eb, isnew, hi)
    _repair(ulabel, w, ea, eb, isnew, lo, hi)
    # grids still out of band: open one grid at a time (split a grid that can be cut in
    # band, else re-cut one with a neighbour), then border moves again
    for _ in range(MAX_REPAIR_CHAINS):
        size = np.bincount(ulabel, weights=w)
        if _badness(size, lo, hi) == 0:
            break
        nxt, opened = _split_over(ulabel, w, uxy, ea, eb, uprev, p, nxt)
        if not opened:
            nxt, opened = _resplit(ulabel, w, uxy, ea, eb, uprev, p, nxt)
        if not opened:
            break
        _repair(ulabel, w, ea, eb, isnew, lo, hi)
    size = np.bincount(ulabel, weights=w)
    for k in np.flatnonzero(size > hi):
        flags.append(f"grid {old_ids[k] if k < len(old_ids) else k}: {int(size[k])} households")
    # compact labels; persisting ids for labels that are previous grids
    used, ulabel[:] = np.unique(ulabel, return_inverse=True)
    keep_ids = {i: old_ids[lab] for i, lab in enumerate(used) if lab < len(old_ids)}
    return ulabel, keep_ids, flags


def incremental_members(t, inv, uxy, w, ulabel, ids) -> np.ndarray:
    """Member-area index (0-based) per unit, keeping previous member ids where valid."""
    lo, hi = t.params.member_band
    uprev = _unit_mode(inv, np.asarray(t.prev_member, dtype=object), len(w))
    out = np.full(len(w), -1, dtype=np.int64)
    for k in np.unique(ulabel):
        nodes = np.flatnonzero(ulabel == k)
        prefix = f"{ids[int(k)]}-"
        num = np.array(
            [
                int(s[len(prefix) :]) - 1
                if s.startswith(prefix) and s[len(prefix) :].isdigit()
                else -1
                for s in uprev[nodes]
            ],
            dtype=np.int64,
        )
        out[nodes] = num
        kept = nodes[num >= 0]
        todo = nodes[num < 0]
        if len(todo) and len(kept):
            size = dict(zip(*np.unique(out[kept], return_counts=True)))
            d, j = cKDTree(uxy[kept]).query(uxy[todo], k=min(len(kept), 8))
            j = j.reshape(len(todo), -1)
            for row, u in enumerate(todo):
                for c in j[row]:
                    m = out[kept[c]]
                    if size[m] + w[u] <= hi:
                        out[u] = m
                        size[m] += w[u]
                        break
        rest = nodes[out[nodes] < 0]
        if len(rest):
            m, _ = n_parts(int(w[rest].sum()), target=t.params.member_target, lo=lo, hi=hi)
            lab = split_geometric(xy=uxy[rest], w=w[rest], k=max(m, 1), lo=lo, hi=hi)
            base = int(out[nodes].max()) + 1 if (out[nodes] >= 0).any() else 0
            out[rest] = base + lab
    return out
