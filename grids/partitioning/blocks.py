"""Merge village groups into blocks that can be cut into in-band grids.

Method (design.md section 4): a group whose household count is in the band is a
block of its own and becomes exactly one grid. A block whose count cannot be
written as a sum of in-band parts (under ``lo``, or e.g. 61..79 at 40..60) is
merged with an adjacent block of the same village (shared boundary >= 1 m),
smallest infeasible block first. The neighbour is chosen by, in order: the
merged count is feasible; it does not break an in-band group (merged count
over ``hi``); it does not touch an in-band group at all; the smallest merged
count; the longest shared boundary (compact blocks); the lowest index.
Blocks with no neighbour stay infeasible and are reported (best effort).
A merge whose in-band groups can all stay whole (:func:`keep_counts`) is
preferred; a feasible block that still cannot keep them whole (e.g. 71 next to
51 only) takes in one more neighbour when that lets them (71 + 51 + 53: three
grids, 51 and 53 each whole, the 71 shared out).
"""

from __future__ import annotations

from .split import n_parts


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


def merge_groups(
    *, sizes: list[int], adjacency: dict[tuple[int, int], float], lo: int, hi: int
) -> tuple[list[list[int]], list[list[int]]]:
    """Return (blocks, infeasible blocks), each a sorted list of group indices.

    Groups of size 0 are left out (their area is attached to a grid later).
    """
    block_of = {g: g for g, s in enumerate(sizes) if s > 0}
    members = {g: [g] for g in block_of}
    size = {g: sizes[g] for g in block_of}
    shared: dict[int, dict[int, float]] = {g: {} for g in block_of}
    for (a, b), length in adjacency.items():
        if a in block_of and b in block_of:
            shared[a][b] = shared[a].get(b, 0.0) + length
            shared[b][a] = shared[b].get(a, 0.0) + length

    def protected(b: int) -> bool:
        return len(members[b]) == 1 and lo <= size[b] <= hi

    def keeps(ms: list[int]) -> bool:
        whole = [sizes[g] for g in ms if lo <= sizes[g] <= hi]
        return bool(keep_counts(whole, sum(sizes[g] for g in ms), lo, hi))

    def join(b: int, c: int) -> int:
        keep, gone = min(b, c), max(b, c)
        members[keep] = sorted(members[keep] + members.pop(gone))
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
                s,
                -shared[b][c],
                c,
            )

        c = min(shared[b], key=key)
        stuck.discard(join(b, c))
    # a feasible block that cannot keep its in-band groups whole takes in one more
    # neighbour when that lets every in-band group stay one grid (smallest first)
    changed = True
    while changed:
        changed = False
        for b in sorted(members, key=lambda b: (size[b], b)):
            if len(members[b]) < 2 or keeps(members[b]):
                continue
            ok = [c for c in shared[b] if keeps(members[b] + members[c])]
            if ok:
                join(b, min(ok, key=lambda c: (size[b] + size[c], -shared[b][c], c)))
                changed = True
                break
    blocks = sorted(members.values())
    bad = [m for m in blocks if not _feasible(sum(sizes[g] for g in m), lo, hi)]
    return blocks, bad
