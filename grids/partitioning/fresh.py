"""Grids of one village from scratch: groups -> blocks -> grids (no previous grids).

Method: merge groups into feasible blocks (:mod:`.blocks`), cut each block into the
feasible number of parts nearest ``size / target`` by count-exact bisection
(:mod:`.split`) with its in-band groups held whole where its geometry allows
(:mod:`.keep`), then round the parts by capacitated k-means (:mod:`.kmeans`). Where
compounds of many households on one point leave a part out of the band although the
block's total allows it, chains of border moves bring it back (:mod:`.incremental`'s
repair, which keeps every grid connected).

Households at one point are one unit and never separated, so a unit of more than ``hi``
households (a compound, or a register that put many households on one point) cannot lie
in a grid in the band: it is a grid of its own, and the rest of the village is merged
and cut as if it were not there (its cell still links its neighbours only through it, so
the groups are merged by the borders of the other households' cells). A leftover block
beside it that can form no grid in the band (fewer than ``lo``) joins it, so one grid
is out of the band instead of two. Every grid that cannot be in the band is reported,
with the indices of its groups: blocks whose total no grids of the band can make, units
over ``hi``, and (``uncut``) blocks whose total allows the band but whose compounds the
cuts and their repair could not fit (bin packing: 125 households with 53 on one point
make no three grids of 40-60).
"""

from __future__ import annotations

import numpy as np
import shapely

from .blocks import keep_counts, kept_groups, merge_groups
from .graph import subgraph, touching_groups
from .keep import grow_keeping
from .kmeans import capacitated_lloyd
from .split import n_parts, split_graph


def _split_keeping(xy, w, grp, ea, eb, whole, *, ks, lo, hi, target=None) -> np.ndarray:
    """split_graph with each group of ``whole`` contracted to one unit (kept whole).

    Tries each grid count of ``ks`` in turn, then growth of the whole groups into
    the loose households (:func:`.keep.grow_keeping`); when none gives in-band
    grids the block is split without contraction into ``ks[0]`` parts (band
    before wholeness).
    """
    if not whole:
        return split_graph(xy=xy, w=w, ea=ea, eb=eb, k=ks[0], lo=lo, hi=hi)
    node = np.arange(len(w))
    for i, g in enumerate(whole):
        node[grp == g] = len(w) + i
    used, node = np.unique(node, return_inverse=True)
    cw = np.bincount(node, weights=w)
    cxy = np.c_[np.bincount(node, weights=xy[:, 0] * w), np.bincount(node, weights=xy[:, 1] * w)]
    cxy /= cw[:, None]
    e = np.unique(np.sort(np.c_[node[ea], node[eb]], axis=1), axis=0)
    e = e[e[:, 0] != e[:, 1]]
    for k in ks:
        lab = split_graph(xy=cxy, w=cw, ea=e[:, 0], eb=e[:, 1], k=k, lo=lo, hi=hi)[node]
        size = np.bincount(lab, weights=w, minlength=k)
        if size.min() >= lo and size.max() <= hi:
            return lab
    lab = grow_keeping(xy, w, grp, ea, eb, whole, lo=lo, hi=hi, target=target or (lo + hi) // 2)
    if lab is not None:
        return lab
    return split_graph(xy=xy, w=w, ea=ea, eb=eb, k=ks[0], lo=lo, hi=hi)


def _cut_block(blk, nodes, mask, uxy, w, ugroup, ea, eb, sizes, neighbours, p, land):
    """Labels 0..k-1 for the units ``nodes`` of one feasible block."""
    lo, hi = p.band
    total = int(w[nodes].sum())
    k, _ = n_parts(total, target=p.target, lo=lo, hi=hi)
    if k <= 1:
        return np.zeros(len(nodes), dtype=np.int64)
    sa, sb = subgraph(mask, ea, eb)
    # in-band groups merged by force: as many as the block's geometry lets stay whole
    whole = kept_groups(blk, sizes, neighbours, lo, hi)
    ks = keep_counts([sizes[g] for g in whole], total, lo, hi) if whole else []
    ks = sorted(ks, key=lambda x: (abs(x - total / p.target), x)) or [k]
    lab = _split_keeping(
        uxy[nodes], w[nodes], ugroup[nodes], sa, sb, whole, ks=ks, lo=lo, hi=hi, target=p.target
    )
    frozen = np.isin(ugroup[nodes], whole) if whole else None
    kept = [g for g in whole if len(np.unique(lab[ugroup[nodes] == g])) == 1]
    if len(kept) == len(whole):  # a fallback split that broke a group is left alone
        lab = capacitated_lloyd(
            xy=uxy[nodes],
            w=w[nodes],
            ea=sa,
            eb=sb,
            labels=lab,
            lo=lo,
            hi=hi,
            target=p.target,
            frozen=frozen,
            land=None if land is None else (land[0][nodes], land[1][nodes]),
        )
    size = np.bincount(lab, weights=w[nodes])
    if size.min() < lo or size.max() > hi:  # heavy compounds threw the cuts off the band
        from .incremental import repair_band

        repair_band(lab, w[nodes], sa, sb, lo, hi)
    return lab


def _off_band(lab, w, lo: int, hi: int) -> bool:
    size = np.bincount(lab, weights=w)
    size = size[size > 0]
    return bool(len(size)) and (size.min() < lo or size.max() > hi)


def fresh_labels(
    t, uxy, ugroup, w, ea, eb, adjacency, land=None
) -> tuple[np.ndarray, list[str], set[int], set[int]]:
    """(grid label per unit, flags, groups whose grids may be out of band, and of those
    the groups of blocks whose total allows the band but whose compounds did not).

    ``t``: the :class:`~.village.VillageTask`; ``adjacency``: shared border length of
    each pair of groups (:func:`.graph.group_adjacency`).
    """
    p = t.params
    lo, hi = p.band
    big = w > hi
    ulabel = np.full(len(w), -1, dtype=np.int64)
    flags: list[str] = []
    excused: set[int] = set()
    uncut: set[int] = set()
    nxt = 0
    for u in np.flatnonzero(big).tolist():
        ulabel[u] = nxt
        nxt += 1
        excused.add(int(ugroup[u]))
        flags.append(
            f"group {t.group_ids[ugroup[u]]}: {int(w[u])} households at one point, more than "
            f"{hi}: one grid of their own"
        )
    small = ~big[ea] & ~big[eb]
    touching = touching_groups(ugroup, ea[small], eb[small])
    adjacency = {pair: s for pair, s in adjacency.items() if pair in touching}
    sizes = np.bincount(ugroup, weights=w * ~big, minlength=len(t.groups)).astype(int).tolist()
    ga = np.asarray(t.groups, dtype=object)
    shape = list(zip(shapely.area(ga).tolist(), shapely.length(ga).tolist()))
    blocks, bad = merge_groups(sizes=sizes, adjacency=adjacency, lo=lo, hi=hi, shape=shape)
    bad = {tuple(b) for b in bad}
    neighbours: dict[int, set[int]] = {}
    for a, b in adjacency:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    for blk in blocks:
        mask = np.isin(ugroup, blk) & ~big
        nodes = np.flatnonzero(mask)
        total = int(w[nodes].sum())
        if tuple(blk) in bad:
            excused.update(blk)
            host = _big_neighbour(nodes, mask, big, ea, eb) if total < lo else -1
            names = ",".join(t.group_ids[g] for g in blk)
            if host >= 0:
                ulabel[nodes] = ulabel[host]
                flags.append(
                    f"groups {names}: {total} households cannot form grids of {lo}-{hi}; "
                    f"joined to the grid of the households at one point beside them"
                )
                continue
            flags.append(
                f"groups {names}: {total} households cannot form grids of {lo}-{hi} "
                f"(no adjacent group to merge with)"
            )
        lab = _cut_block(blk, nodes, mask, uxy, w, ugroup, ea, eb, sizes, neighbours, p, land)
        if tuple(blk) not in bad and _off_band(lab, w[nodes], lo, hi):
            uncut.update(blk)
            flags.append(
                f"groups {','.join(t.group_ids[g] for g in blk)}: {total} households, "
                f"{int(w[nodes].max())} of them at one point, could not all be cut into "
                f"grids of {lo}-{hi}"
            )
        ulabel[nodes] = nxt + lab
        nxt += int(lab.max()) + 1
    return ulabel, flags, excused | uncut, uncut


def _big_neighbour(nodes, mask, big, ea, eb) -> int:
    """An oversized unit adjacent to the units ``nodes`` (-1: none)."""
    hit = (mask[ea] & big[eb]) | (mask[eb] & big[ea])
    if not hit.any() or len(nodes) == 0:
        return -1
    i = int(np.flatnonzero(hit)[0])
    return int(eb[i] if big[eb[i]] else ea[i])
