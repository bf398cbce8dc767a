"""The best new camera sites: greedy maximum coverage.

Given candidate sites, each with the set of (uncovered) households a camera there would
see, choose ``n`` sites that together see as many households as possible. Maximum
coverage is NP-hard; the greedy method (take, each time, the site that adds the most
households not yet seen) reaches at least (1 - 1/e) ≈ 63 % of the optimum, and no
polynomial method does better unless P = NP (Nemhauser, Wolsey & Fisher 1978; Feige 1998).
Ties go to the candidate listed first, so the answer is deterministic.

Pure: no Django. The households each candidate would see come from PostGIS
(``selectors.candidate_households``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Set
from dataclasses import dataclass


@dataclass(frozen=True)
class Pick:
    site: Hashable
    gained: frozenset  # the households this site adds (not seen by an earlier pick)


@dataclass(frozen=True)
class Siting:
    picks: tuple[Pick, ...]
    covered: frozenset  # every household the picks see together

    @property
    def sites(self) -> list:
        return [p.site for p in self.picks]


def greedy_max_coverage(*, candidates: Mapping[Hashable, Set], n: int) -> Siting:
    """Up to ``n`` sites, each adding the most households not yet covered; stops early when
    no candidate adds any."""
    if n < 0:
        raise ValueError(f"n must be 0 or more, not {n}")
    left = {site: set(seen) for site, seen in candidates.items()}
    covered: set = set()
    picks = []
    for _ in range(n):
        best, gain = None, 0
        for site, seen in left.items():  # dicts keep the candidates' order: ties go first
            if len(seen) > gain:
                best, gain = site, len(seen)
        if best is None:
            break
        gained = frozenset(left.pop(best))
        picks.append(Pick(best, gained))
        covered |= gained
        for seen in left.values():
            seen -= gained
    return Siting(tuple(picks), frozenset(covered))
