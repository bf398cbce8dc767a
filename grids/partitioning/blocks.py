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
"""

from __future__ import annotations

from .split import n_parts


def _feasible(n: int, lo: int, hi: int) -> bool:
    return n_parts(n, target=lo, lo=lo, hi=hi)[1]


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
                protected(c) and s > hi,
                protected(c),
                s,
                -shared[b][c],
                c,
            )

        c = min(shared[b], key=key)
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
        stuck.discard(keep)
    blocks = sorted(members.values())
    bad = [m for m in blocks if not _feasible(sum(sizes[g] for g in m), lo, hi)]
    return blocks, bad
