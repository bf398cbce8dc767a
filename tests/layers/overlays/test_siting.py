"""Greedy maximum coverage on tiny cases with known answers (no database)."""

import pytest

from layers.overlays.siting import greedy_max_coverage


def test_two_sites_cover_everything_when_the_optimum_is_two_disjoint_sets():
    """Households 1..6. A sees 1-4, B sees 1-3 and 5, C sees 5-6, D sees 4. With n=2 the
    optimum is {A, C} (all 6): greedy takes A (4) then C (2 more)."""
    candidates = {"A": {1, 2, 3, 4}, "B": {1, 2, 3, 5}, "C": {5, 6}, "D": {4}}
    result = greedy_max_coverage(candidates=candidates, n=2)
    assert result.sites == ["A", "C"]
    assert [len(p.gained) for p in result.picks] == [4, 2]
    assert result.covered == {1, 2, 3, 4, 5, 6}


def test_stops_when_nothing_is_added_and_ties_go_to_the_first():
    candidates = {"x": {1}, "y": {1}, "z": set()}
    result = greedy_max_coverage(candidates=candidates, n=5)
    assert result.sites == ["x"]


def test_greedy_is_within_one_minus_one_over_e_of_the_optimum_on_its_bad_case():
    """A case where greedy is not optimal: the optimum {P, Q} sees all 8; greedy takes R
    (5, the largest), then P (2 more): 7 of 8, above the (1 - 1/e) ≈ 63 % bound."""
    candidates = {"R": {1, 2, 5, 6, 7}, "P": {1, 2, 3, 4}, "Q": {5, 6, 7, 8}}
    result = greedy_max_coverage(candidates=candidates, n=2)
    assert result.sites == ["R", "P"]
    assert len(result.covered) == 7 >= (1 - 1 / 2.718281828) * 8


def test_negative_n_is_refused():
    with pytest.raises(ValueError, match="n must be"):
        greedy_max_coverage(candidates={}, n=-1)
