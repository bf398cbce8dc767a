"""grids.services: propose -> diff -> apply as dated versions, conflicts, discard, people."""

import pandas as pd
import pytest

from grids import selectors, services
from grids.models import (
    Grid,
    GridAssignment,
    GridVersion,
    MemberArea,
    PartitionRun,
)
from households.models import Household, Village
from households.scoping import UnknownScopeError
from tests.grids.db_checks import (
    add_households,
    assert_grids_valid,
    assert_versions_dated,
    snapshot,
)

WANXING = "360721100201"  # 万星村, 665 households in 13 groups


def proposal(scope="village", code=WANXING, **kw) -> PartitionRun:
    return services.partition_run_compute(
        services.partition_run_create(scope=scope, code=code, **kw)
    )


def test_proposal_writes_no_grids(demo_county):
    run = proposal()
    assert run.status == PartitionRun.Status.PROPOSED and run.finished_at
    assert not Grid.objects.exists() and not GridVersion.objects.exists()
    village = Village.objects.get(code=WANXING)
    n = Household.objects.filter(group__village=village).count()
    assert len(run.proposal["assignments"]) == n == run.diff["newly_assigned"]
    assert run.proposal["base_versions"] == {WANXING: None}
    codes = [f["id"] for f in run.proposal["grids"]["features"]]
    assert codes == sorted(codes) and all(c.startswith(WANXING) for c in codes)


def test_apply_creates_a_dated_version_with_people(demo_county):
    run = proposal()
    (version,) = services.partition_run_apply(run)
    assert version.number == 1 and version.valid_from and version.valid_to is None
    assert version.source == GridVersion.Source.PARTITION
    run.refresh_from_db()
    assert run.status == PartitionRun.Status.APPLIED
    assert_grids_valid([version.village])
    assert not Grid.objects.filter(leader_confirmed=True).exists()  # proposals, to be confirmed


def test_applied_run_cannot_be_applied_again(demo_county):
    run = proposal()
    services.partition_run_apply(run)
    with pytest.raises(services.ConflictError):
        services.partition_run_apply(run)
    assert GridVersion.objects.count() == 1


def test_stale_proposal_is_a_conflict_naming_the_village(demo_county):
    """A proposal, then another run applied for the same village: the first one is stale."""
    first = proposal()
    services.partition_run_apply(proposal())
    state = (GridVersion.objects.count(), Grid.objects.count(), GridAssignment.objects.count())
    with pytest.raises(services.ConflictError, match="万星村"):
        services.partition_run_apply(first)
    assert (
        GridVersion.objects.count(),
        Grid.objects.count(),
        GridAssignment.objects.count(),
    ) == state
    first.refresh_from_db()
    assert first.status == PartitionRun.Status.PROPOSED


def test_township_proposal_conflicts_on_one_village_writes_nothing(demo_county):
    """All or nothing: a township proposal stale in one village applies in none."""
    township = proposal(scope="township", code=demo_county.code)
    services.partition_run_apply(proposal())
    with pytest.raises(services.ConflictError, match="万星村"):
        services.partition_run_apply(township)
    assert set(GridVersion.objects.values_list("village__code", flat=True)) == {WANXING}


def test_second_version_closes_the_first(demo_county):
    village = Village.objects.get(code=WANXING)
    services.partition_run_apply(proposal())
    add_households(village, 30)
    (v2,) = services.partition_run_apply(proposal())
    v1 = GridVersion.objects.get(village=village, number=1)
    assert v1.valid_to == v2.valid_from and v2.valid_to is None
    assert GridAssignment.objects.filter(version=v1).count() == 665  # history is kept
    assert GridAssignment.objects.filter(version=v2).count() == 695
    assert_versions_dated([village])


def test_incremental_run_keeps_grids_in_band(demo_county):
    village = Village.objects.get(code=WANXING)
    services.partition_run_apply(proposal())
    add_households(village, 30)
    services.partition_run_apply(proposal())
    assert_grids_valid([village])


def test_confirmed_people_are_kept_unconfirmed_proposals_follow_their_households(demo_county):
    village = Village.objects.get(code=WANXING)
    services.partition_run_apply(proposal())
    grid = Grid.objects.filter(version__village=village, leader__isnull=False).first()
    grid.leader_confirmed = True
    grid.save(update_fields=["leader_confirmed"])
    area = MemberArea.objects.filter(grid=grid, member__isnull=False).first()
    area.member_confirmed = True
    area.save(update_fields=["member_confirmed"])
    add_households(village, 30)
    services.partition_run_apply(proposal(fresh=True))
    new = Grid.objects.get(version__valid_to__isnull=True, village=village, code=grid.code)
    assert (new.leader_id, new.leader_confirmed) == (grid.leader_id, True)
    new_area = MemberArea.objects.get(grid=new, number=area.number)
    assert (new_area.member_id, new_area.member_confirmed) == (area.member_id, True)
    assert_grids_valid([village])


def test_discard(demo_county):
    run = proposal()
    services.partition_run_discard(run)
    assert PartitionRun.objects.get().status == PartitionRun.Status.DISCARDED
    with pytest.raises(services.ConflictError):
        services.partition_run_apply(run)
    assert not GridVersion.objects.exists()


def test_unknown_scope_is_an_error_not_the_county(demo_county):
    """A scope string nobody knows never falls through to "every village of the county"."""
    for scope in ("nonsense", "", "Township"):
        with pytest.raises(UnknownScopeError):
            services.partition_run_create(scope=scope, code=demo_county.code)
    assert not PartitionRun.objects.exists()
    assert len(selectors.villages_in_scope("county")) == 3  # the county itself is known


def test_known_scope_without_villages_is_value_error(demo_county):
    with pytest.raises(ValueError):
        services.partition_run_create(scope="village", code="000000000000")
    assert not PartitionRun.objects.exists()


def test_diff_counts_grids_and_moved_households():
    """Old: a={1,2}, b={3,4}, c={5}; new: a={1,2}, b={3}, d={4,5,6}, 7 unassigned."""
    previous = pd.DataFrame(
        {"household_id": ["1", "2", "3", "4", "5"], "grid_id": ["a", "a", "b", "b", "c"]}
    )
    assignments = pd.DataFrame(
        {
            "household_id": ["1", "2", "3", "4", "5", "6", "7"],
            "grid_id": ["a", "a", "b", "d", "d", "d", ""],
        }
    )
    diff = services._diff(previous, assignments)
    assert diff == {
        "added": ["d"],
        "removed": ["c"],
        "changed": ["b"],
        "unchanged": 1,
        "moved_count": 2,
        "moved": [[4, "b", "d"], [5, "c", "d"]],
        "newly_assigned": 1,
        "unassigned": 1,
        "first_version": False,
    }


def test_rerun_keeps_snapshot(demo_county):
    services.partition_run_apply(proposal())
    village = Village.objects.get(code=WANXING)
    before = snapshot([village])
    run = proposal()
    assert run.diff["moved_count"] == 0
    assert not (run.diff["added"] or run.diff["removed"] or run.diff["changed"])
    assert services.partition_run_apply(run) == []
    assert snapshot([village]) == before
