"""Cut a block into in-band grids that keep its in-band groups whole, by growth.

Method: each in-band group of the block (``whole``) is one grid from the start.
The other ("loose") households fall into connected components of the loose
subgraph; a loose grid lies inside one such component. A component of ``c``
households keeps the largest count ``r <= c`` that ``c // lo`` grids can hold
(``r = c`` when ``c`` is itself feasible) and the whole grids next to it absorb
the other ``c - r`` (:func:`.blocks.keep_counts` is the arithmetic of this).
Absorption is region growing (seeded region growing, Adams & Bischof 1994): the
loose unit on the frontier of a whole grid with room that lies nearest that
grid's centre is attached first, so every grid stays connected; a unit whose
removal would disconnect the component's remainder is not taken. The remainder
is cut by :func:`.split.split_graph`. Returns ``None`` when some step fails (no
room next to a component, or an out-of-band part), so the caller can fall back.
"""

from __future__ import annotations

import numpy as np

from .graph import arcs, components_sorted
from .split import csr, n_parts, removable, split_graph


def _connected_rest(rest, indptr, indices) -> bool:
    nodes = np.flatnonzero(rest)
    if len(nodes) <= 1:
        return True
    seen, stack = {int(nodes[0])}, [int(nodes[0])]
    while stack:
        x = stack.pop()
        for y in indices[indptr[x] : indptr[x + 1]].tolist():
            if rest[y] and y not in seen:
                seen.add(y)
                stack.append(y)
    return len(seen) == len(nodes)


def _absorb(nodes, amount, parts, lab, w, xy, indptr, indices, room, sw, sx, sy, lo, order) -> bool:
    """Attach at least ``amount`` households of the loose component ``nodes`` to
    adjacent whole grids (in place on ``lab``, ``room`` and the centre sums
    ``sw``/``sx``/``sy``); the rest stays connected with ``>= parts * lo``."""
    rest = np.zeros(len(w), dtype=bool)
    rest[nodes] = True
    left = float(w[nodes].sum())
    taken = 0.0
    while taken < amount:
        cands = []
        for u in np.flatnonzero(rest).tolist():
            wu = float(w[u])
            if parts and left - wu < parts * lo:
                continue
            for x in indices[indptr[u] : indptr[u + 1]].tolist():
                g = int(lab[x])
                if g >= 0 and room[g] >= wu:
                    d = (xy[u, 0] - sx[g] / sw[g]) ** 2 + (xy[u, 1] - sy[g] / sw[g]) ** 2
                    cands.append((order * room[g], d, u, g))
        pick = None
        for _, _, u, g in sorted(cands):
            if not parts or removable(u, rest, indptr, indices):
                pick = u, g
                break
            rest[u] = False  # the local test is only sufficient: check the remainder
            ok = _connected_rest(rest, indptr, indices)
            rest[u] = True
            if ok:
                pick = u, g
                break
        if pick is None:
            return False
        u, g = pick
        wu = float(w[u])
        rest[u] = False
        lab[u] = g
        room[g] -= wu
        sw[g] += wu
        sx[g] += wu * xy[u, 0]
        sy[g] += wu * xy[u, 1]
        left -= wu
        taken += wu
    return True


def grow_keeping(xy, w, grp, ea, eb, whole, *, lo: int, hi: int, target: int):
    """Labels with each group of ``whole`` one grid, or ``None`` (module docstring).

    Absorption first takes the frontier unit nearest its grid's centre; when that
    strands loose units behind full grids, it is redone with the grid of most
    room first (load spread over the whole grids), then with the grid of least
    room first (tight grids take their nearest units, the roomy ones the rest).
    """
    for order in (0, -1, 1):
        lab = _grow(xy, w, grp, ea, eb, whole, lo=lo, hi=hi, target=target, order=order)
        if lab is not None:
            return lab
    return None


def _grow(xy, w, grp, ea, eb, whole, *, lo, hi, target, order):
    n = len(w)
    lab = np.full(n, -1, dtype=np.int64)
    for i, g in enumerate(whole):
        lab[grp == g] = i
    nw = len(whole)
    sw = np.bincount(lab[lab >= 0], weights=w[lab >= 0], minlength=nw).tolist()
    sx = np.bincount(lab[lab >= 0], weights=(w * xy[:, 0])[lab >= 0], minlength=nw).tolist()
    sy = np.bincount(lab[lab >= 0], weights=(w * xy[:, 1])[lab >= 0], minlength=nw).tolist()
    room = [hi - s for s in sw]
    if min(room) < 0 or min(sw) < lo:
        return None
    src, dst = arcs(ea, eb)
    indptr, indices = csr(n, src, dst)
    loose = lab < 0
    m = loose[src] & loose[dst]
    _, comp = components_sorted(n, src[m], dst[m])
    comps = {}
    for u in np.flatnonzero(loose).tolist():
        comps.setdefault(int(comp[u]), []).append(u)
    plan = []
    for nodes in sorted(comps.values()):
        nodes = np.asarray(nodes)
        c = float(w[nodes].sum())
        parts = int(c // lo)
        amount = c - min(parts * hi, c)
        if amount > 0 and not _absorb(
            nodes, amount, parts, lab, w, xy, indptr, indices, room, sw, sx, sy, lo, order
        ):
            return None
        plan.append(nodes[lab[nodes] < 0])
    nxt = nw
    for nodes in plan:
        if len(nodes) == 0:
            continue
        c = int(round(float(w[nodes].sum())))
        k, ok = n_parts(c, target=target, lo=lo, hi=hi)
        if not ok:
            return None
        mask = np.zeros(n, dtype=bool)
        mask[nodes] = True
        loc = np.cumsum(mask) - 1
        e = mask[ea] & mask[eb]
        sub = split_graph(xy=xy[nodes], w=w[nodes], ea=loc[ea[e]], eb=loc[eb[e]], k=k, lo=lo, hi=hi)
        size = np.bincount(sub, weights=w[nodes], minlength=k)
        if size.min() < lo or size.max() > hi:
            return None
        lab[nodes] = nxt + sub
        nxt += k
    return lab
