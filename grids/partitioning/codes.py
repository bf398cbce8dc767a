"""The rules a grid's size and codes follow, one place for the partitioner and the pages.

- Band: a grid's household count is ``"under"``, ``"in"`` or ``"over"`` its village's
  band ``(lo, hi)``, both ends inside (:func:`band_state`).
- Grid codes: the village code and a 3-digit sequence, numbered in reading order (rows
  from north to south about one grid high, west to east within a row), skipping codes
  already taken (:func:`grid_codes`, :func:`new_ids`, :func:`reading_order`); grids
  added to numbered ones (an edit, an incremental run) continue after the highest code
  ever taken (:func:`next_codes`).
- Member areas: ``{grid code}-{2-digit number}``, numbered from 1 (:func:`member_code`,
  :func:`member_number`, :func:`member_grid`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

BAND_UNDER, BAND_IN, BAND_OVER = "under", "in", "over"
MEMBER_DIGITS = 2  # member area numbers are zero-padded to this width (more digits kept)


def band_state(households: int, band: tuple[int, int]) -> str:
    """``"under"``, ``"in"`` or ``"over"`` the band ``(lo, hi)`` (both ends inside)."""
    lo, hi = band
    return BAND_UNDER if households < lo else BAND_OVER if households > hi else BAND_IN


def member_code(grid_code: str, number: int) -> str:
    """The code of member area ``number`` (1, 2, ...) of a grid: ``{grid}-{number:02d}``."""
    return f"{grid_code}-{int(number):0{MEMBER_DIGITS}d}"


def member_number(code: str) -> int:
    """The number of a member area from its code (:func:`member_code`'s inverse)."""
    return int(code.rsplit("-", 1)[1])


def member_grid(code: str) -> str:
    """The grid code of a member area from its code (:func:`member_code`'s inverse)."""
    return code.rsplit("-", 1)[0]


def reading_order(cx: np.ndarray, cy: np.ndarray) -> np.ndarray:
    """Indices sorted north->south in rows about one item high, west->east inside a row."""
    n = len(cx)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    area = max(float(np.ptp(cx)) * float(np.ptp(cy)), 1.0)
    row_h = max(math.sqrt(area / n), 1.0)
    row = np.floor((cy.max() - cy) / row_h)
    return np.lexsort((np.arange(n), cx, row))


def new_ids(village_id: str, count: int, taken: frozenset[str], start: int = 1) -> list[str]:
    """``count`` grid ids ``{village_id}{seq:03d}`` from ``start``, skipping taken ones."""
    out, seq = [], start
    while len(out) < count:
        gid = f"{village_id}{seq:03d}"
        if gid not in taken:
            out.append(gid)
        seq += 1
    return out


def next_seq(village_id: str, taken) -> int:
    """The sequence number after the highest taken code of the village (1 if none): new
    grids of an edited or incrementally repartitioned village never reuse a code."""
    n = len(village_id)
    seqs = [int(c[n:]) for c in taken if c.startswith(village_id) and c[n:].isdigit()]
    return max(seqs, default=0) + 1


def next_codes(village_id: str, count: int, taken) -> list[str]:
    """``count`` new grid codes after the highest taken one (:func:`next_seq`)."""
    return new_ids(village_id, count, frozenset(taken), next_seq(village_id, taken))


def grid_codes(
    village_code: str, cx, cy, *, taken: Sequence[str] = (), start: int = 1
) -> list[str]:
    """Codes for grids whose centres are ``(cx, cy)`` (metric), in the given order: the
    village code and a 3-digit sequence in reading order from ``start``, skipping
    ``taken`` codes."""
    order = reading_order(np.asarray(cx, dtype=float), np.asarray(cy, dtype=float))
    codes = new_ids(village_code, len(order), frozenset(taken), start)
    out = [""] * len(order)
    for code, i in zip(codes, order.tolist()):
        out[i] = code
    return out
