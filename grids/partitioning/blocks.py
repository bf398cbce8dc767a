"""Merge village groups into blocks that can be cut into in-band grids.

Method: a group whose household count is in the band is a
block of its own and becomes exactly one grid. A block whose count cannot be
written as a sum of in-band parts (under ``lo``, or e.g. 61..79 at 40..60) is
merged with an adjacent block of the same village (shared boundary >= 1 m),
smallest infeasible block first. The neighbour is chosen by, in order: the
merged count is feasible; it does not break an in-band group (merged count
over ``hi``); it does not touch an in-band group at all; the most compact
union (Polsby-Popper ``4 pi A / P^2`` of the two, from their areas, perimeters
and shared boundary: the union is the grid's polygon when the block becomes one
grid); the smallest merged count; the longest shared boundary; the lowest
index. Choosing by count before shape gave a mean Polsby-Popper of 0.504 on the
generated 20k county (the small group took the smallest neighbour, often a
strip beyond a strip), by shape 0.529, with the same band and wholeness.
Blocks with no neighbour stay infeasible and are reported (best effort).
A merge whose in-band groups can all stay whole is preferred. Keepability
(:func:`can_keep`) is judged on the group graph: the loose (not in-band) groups
of a block form components, each component's excess over what its own grids can
hold must reach adjacent in-band groups within their room ``hi - size``, a
transport problem solved as a maximum flow (Ford & Fulkerson 1956);
:func:`keep_counts` is the pooled arithmetic bound. A feasible block that still
cannot keep them whole takes in up to ``MAX_TAKE_IN`` neighbouring blocks,
fewest unplaced households first, when the union keeps them all (71 next to 51
only: 71 + 51 + 53, three grids, 51 and 53 each whole, the 71 shared out; a 13
and a 26 shared among four in-band neighbours). Two neighbouring blocks that
each break an in-band group are joined when together they keep more of them
(:func:`kept_groups`: the largest subset of in-band groups that can stay whole;
the rest of the block is cut as loose households by :mod:`.keep`).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

from .refine import polsby_popper
from .split import n_parts

MAX_KEEP_TRIES = 64  # subsets of in-band groups tried by kept_groups
MAX_TAKE_IN = 4  # neighbouring blocks a block may take in to keep its in-band groups whole


@lru_cache(maxsize=4096)
def _feasible(n: int, lo: int, hi: int) -> bool:
    return n_parts(n, target=lo, lo=lo, hi=hi)[1]


def keep_counts(whole: list[int], total: int, lo: int, hi: int) -> list[int]:
    """Grid counts ``k`` that let each in-band group of ``whole`` stay one grid.

    Each kept group is a grid of its own and can take up to ``hi - size`` of
    the other ``loose`` households; the rest must form ``m`` grids of
    ``lo..hi``: some ``r`` in ``[loose - room, loose]`` lies in ``[m*lo, m*hi]``.
    Returns every such ``len(whole) + m`` (arithmetic only, not geometry).
    """
    loose = total - sum(whole)
    room = sum(hi - s for s in whole)
    rmin = max(0, loose - room)
    return [len(whole) + m for m in range(0, loose // lo + 1) if m * lo <= loose and rmin <= m * hi]


def _max_flow(demand: list[float], room: list[float], arcs: list[tuple[int, int]]) -> float:
    """Largest flow from sources (``demand``) to sinks (``room``) along ``arcs``
    (source, sink) of unbounded capacity: augmenting paths (Ford & Fulkerson
    1956) on a graph of a few groups."""
    flow: dict[tuple[int, int], float] = {}
    out: dict[int, list[int]] = {}
    for a, b in arcs:
        out.setdefault(a, []).append(b)
    into: dict[int, list[int]] = {}
    for a, b in arcs:
        into.setdefault(b, []).append(a)
    left, free = list(demand), list(room)
    total = 0.0
    for s in range(len(demand)):
        while left[s] > 1e-9:
            # breadth-first search for a path source -> sink -> ... over residual arcs
            prev: dict[tuple[str, int], tuple[str, int] | None] = {("a", s): None}
            queue, end = [("a", s)], None
            while queue and end is None:
                node = queue.pop(0)
                kind, i = node
                nxt = (
                    [("b", j) for j in out.get(i, [])]
                    if kind == "a"
                    else [("a", a) for a in into.get(i, []) if flow.get((a, i), 0.0) > 1e-9]
                )
                for x in nxt:
                    if x not in prev:
                        prev[x] = node
                        if x[0] == "b" and free[x[1]] > 1e-9:
                            end = x
                            break
                        queue.append(x)
            if end is None:
                break
            path, x = [], end
            while prev[x] is not None:
                path.append((prev[x], x))
                x = prev[x]
            amount = min(left[s], free[end[1]])
            for u, v in path:
                if u[0] == "b":  # backward arc: flow (v -> u) must stay >= 0
                    amount = min(amount, flow[(v[1], u[1])])
            for u, v in path:
                if u[0] == "a":
                    flow[(u[1], v[1])] = flow.get((u[1], v[1]), 0.0) + amount
                else:
                    flow[(v[1], u[1])] -= amount
            left[s] -= amount
            free[end[1]] -= amount
            total += amount
    return total


def can_keep(
    members: list[int],
    sizes: list[int],
    neighbours: dict[int, set[int]],
    lo: int,
    hi: int,
    whole: list[int] | None = None,
) -> bool:
    """Whether every in-band group of a block can be one grid (see :func:`keep_deficit`)."""
    return keep_deficit(members, sizes, neighbours, lo, hi, whole) <= 1e-9


def kept_groups(
    members: list[int], sizes: list[int], neighbours: dict[int, set[int]], lo: int, hi: int
) -> list[int]:
    """The largest set of in-band groups of a block that can each be one grid.

    All of them when :func:`can_keep` says so; otherwise subsets, largest first
    (in index order, whatever the order of ``members``), the others counting as
    loose: a 20 that touches only a 45 next to another 45 forces the first 45 to
    share, but the second stays whole. Beyond ``MAX_KEEP_TRIES`` subsets, a
    greedy set instead: each in-band group in index order joins when the set stays
    keepable (every set returned can be kept).
    """
    members = sorted(members)
    whole = [g for g in members if lo <= sizes[g] <= hi]
    tries = 0
    for r in range(len(whole), 0, -1):
        for sub in combinations(whole, r):
            if can_keep(members, sizes, neighbours, lo, hi, list(sub)):
                return list(sub)
            tries += 1
            if tries >= MAX_KEEP_TRIES:
                kept: list[int] = []
                for g in whole:
                    if can_keep(members, sizes, neighbours, lo, hi, kept + [g]):
                        kept.append(g)
                return kept
    return []


def keep_deficit(
    members: list[int],
    sizes: list[int],
    neighbours: dict[int, set[int]],
    lo: int,
    hi: int,
    whole: list[int] | None = None,
) -> float:
    """Households that cannot be placed if every in-band group of a block is one grid.

    The loose (not in-band) groups of the block form components over the group
    adjacency; a loose grid lies inside one component, so a component of ``c``
    households keeps at most ``(c // lo) * hi`` of them and adjacent kept groups
    must absorb the rest within their room ``hi - size``: a transport problem,
    solved as a maximum flow. Stronger than :func:`keep_counts`, which pools all
    loose households (e.g. 17 + 41 + 78 with 17 and 78 on either side of the
    41: the 41 cannot take both the 17 and the 78's excess 18).
    """
    if whole is None:
        whole = [g for g in members if lo <= sizes[g] <= hi]
    if not whole:
        return 0.0
    kept = set(whole)
    loose = [g for g in members if g not in kept]
    comp: dict[int, int] = {}
    for g in loose:
        if g in comp:
            continue
        comp[g] = g
        stack = [g]
        while stack:
            x = stack.pop()
            for y in neighbours.get(x, ()):
                if y not in comp and y in loose:
                    comp[y] = g
                    stack.append(y)
    roots = sorted(set(comp.values()))
    demand = []
    for r in roots:
        c = sum(sizes[g] for g in loose if comp[g] == r)
        demand.append(c - min((c // lo) * hi, c))
    if not any(demand):
        return 0.0
    wi = {g: i for i, g in enumerate(whole)}
    ri = {r: i for i, r in enumerate(roots)}
    arcs = sorted({(ri[comp[g]], wi[h]) for g in loose for h in neighbours.get(g, ()) if h in wi})
    flow = _max_flow([float(d) for d in demand], [float(hi - sizes[g]) for g in whole], arcs)
    return float(sum(demand)) - flow


def merge_groups(
    *,
    sizes: list[int],
    adjacency: dict[tuple[int, int], float],
    lo: int,
    hi: int,
    shape: list[tuple[float, float]] | None = None,
) -> tuple[list[list[int]], list[list[int]]]:
    """Return (blocks, infeasible blocks), each a sorted list of group indices.

    Groups of size 0 are left out (their area is attached to a grid later).
    ``shape``: (area, perimeter) of each group; without it merges ignore shape.
    """
    block_of = {g: g for g, s in enumerate(sizes) if s > 0}
    members = {g: [g] for g in block_of}
    size = {g: sizes[g] for g in block_of}
    area = {g: shape[g][0] if shape else 0.0 for g in block_of}
    perim = {g: shape[g][1] if shape else 0.0 for g in block_of}
    shared: dict[int, dict[int, float]] = {g: {} for g in block_of}
    for (a, b), length in adjacency.items():
        if a in block_of and b in block_of:
            shared[a][b] = shared[a].get(b, 0.0) + length
            shared[b][a] = shared[b].get(a, 0.0) + length

    def protected(b: int) -> bool:
        return len(members[b]) == 1 and lo <= size[b] <= hi

    neighbours: dict[int, set[int]] = {g: set() for g in block_of}
    for a, b in adjacency:
        if a in block_of and b in block_of and a != b:
            neighbours[a].add(b)
            neighbours[b].add(a)

    def keeps(ms: list[int]) -> bool:
        return can_keep(ms, sizes, neighbours, lo, hi)

    def deficit(ms: list[int]) -> float:
        return keep_deficit(ms, sizes, neighbours, lo, hi)

    def join(b: int, c: int) -> int:
        keep, gone = min(b, c), max(b, c)
        members[keep] = sorted(members[keep] + members.pop(gone))
        area[keep] += area.pop(gone)
        perim[keep] += perim.pop(gone) - 2 * shared[keep].get(gone, 0.0)
        size[keep] += size.pop(gone)
        for d, length in shared.pop(gone).items():
            if d == keep:
                continue
            shared[d].pop(gone, None)
            shared[d][keep] = shared[d].get(keep, 0.0) + length
            shared[keep][d] = shared[keep].get(d, 0.0) + length
        shared[keep].pop(gone, None)
        return keep

    stuck: set[int] = set()
    while True:
        todo = sorted(
            (size[b], b) for b in members if b not in stuck and not _feasible(size[b], lo, hi)
        )
        if not todo:
            break
        _, b = todo[0]
        if not shared[b]:
            stuck.add(b)
            continue

        def key(c: int, b: int = b) -> tuple:
            s = size[b] + size[c]
            return (
                not _feasible(s, lo, hi),
                not keeps(members[b] + members[c]),
                protected(c) and s > hi,
                protected(c),
                -polsby_popper(area[b] + area[c], perim[b] + perim[c] - 2 * shared[b][c]),
                s,
                -shared[b][c],
                c,
            )

        c = min(shared[b], key=key)
        stuck.discard(join(b, c))
    # a feasible block that cannot keep its in-band groups whole takes in neighbouring
    # blocks, fewest unplaced households first, when that lets every in-band group
    # of the union stay one grid (e.g. 71 next to 51 only: 71 + 51 + 53, or a 13 and
    # a 26 shared out among four in-band neighbours); smallest block first
    changed = True
    while changed:
        changed = False
        for b in sorted(members, key=lambda b: (size[b], b)):
            if len(members[b]) < 2 or keeps(members[b]):
                continue
            ms, taken, near = list(members[b]), [], set(shared[b])
            for _ in range(MAX_TAKE_IN):
                if not near:
                    break
                c = min(near, key=lambda c, ms=ms: (deficit(ms + members[c]), size[c], c))
                ms += members[c]
                taken.append(c)
                near = (near | set(shared[c])) - set(taken) - {b}
                if keeps(ms):
                    for c in taken:
                        b = join(b, c)
                    changed = True
                    break
            if changed:
                break
    # two neighbouring blocks that each break an in-band group may keep more of them
    # as one block (e.g. 19 + 17 beside a 45, and 39 beside 48 and 54: with the 48
    # taken as loose the 45 and 54 stay whole); largest gain first
    kept = {b: len(kept_groups(members[b], sizes, neighbours, lo, hi)) for b in members}
    n_whole = {b: sum(lo <= sizes[g] <= hi for g in members[b]) for b in members}
    while True:
        best = None
        for b in sorted(members):
            if kept[b] == n_whole[b]:
                continue
            for c in sorted(shared[b]):
                both = kept_groups(members[b] + members[c], sizes, neighbours, lo, hi)
                key = (kept[b] + kept[c] - len(both), b, c)
                if key[0] < 0 and (best is None or key < best):
                    best = key
        if best is None:
            break
        _, b, c = best
        gain = kept.pop(b) + kept.pop(c)
        k = join(b, c)
        kept[k] = len(kept_groups(members[k], sizes, neighbours, lo, hi))
        n_whole[k] = n_whole.pop(b) + n_whole.pop(c)
        assert kept[k] > gain
    blocks = sorted(members.values())
    bad = [m for m in blocks if not _feasible(sum(sizes[g] for g in m), lo, hi)]
    return blocks, bad
