"""bench/partition_bench.forced_splits: the lower bound behind "whole / possible"."""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from .conftest import make_groups

BENCH = Path(__file__).resolve().parents[3] / "bench" / "partition_bench.py"


@pytest.fixture(scope="module")
def forced_splits():
    spec = importlib.util.spec_from_file_location("partition_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.forced_splits


def row(sizes: list[int]):
    """Groups of 100 x 100 m in a row, left to right, with these household counts."""
    groups = make_groups(
        [(f"g{i}", "V", (100 * i, 0, 100 * i + 100, 100)) for i in range(len(sizes))]
    )
    return groups, pd.Series({f"g{i}": s for i, s in enumerate(sizes)})


@pytest.mark.parametrize(
    "sizes, bound",
    [
        ([23, 52], 1),  # the 23 can only join the 52: 75
        ([20, 40], 0),  # 60: both whole
        ([64, 57], 1),  # the 64 must shed 4, the 57 has room for 3
        ([64, 56], 0),  # room for exactly 4
        ([29, 8, 37, 54], 1),  # a loose cluster of 74 sheds 14; the 54 has room for 6
        ([45, 30, 45], 0),  # the 30 shares itself out: room 15 + 15
        ([50, 30, 45], 1),  # room 10 + 15 < 30
        ([58, 78, 50, 17], 1),  # the 17 fills the 50 to 67 and the 78 needs 18: room 2
        ([23, 52, 100, 52, 23], 2),  # two disjoint forced splits
        ([23, 52, 90, 23, 52], 1),  # but 90 + 23 make two grids: only the first
        ([100], 0),  # no in-band group
    ],
)
def test_forced_splits(forced_splits, sizes, bound):
    groups, size = row(sizes)
    assert forced_splits(groups, size) == bound


def test_villages_are_separate(forced_splits):
    """The same row split into two villages at the 52 | 23 seam: no constraint crosses."""
    groups, size = row([52, 23])
    groups["village_id"] = ["A", "B"]
    assert forced_splits(groups, size) == 0
