"""`manage.py partition` on the demo township in PostGIS, through call_command."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from grids.models import Grid, GridAssignment, GridVersion, PartitionRun
from households.models import Household, Village
from tests.grids.db_checks import add_households, assert_grids_valid, moved, snapshot

TOWNSHIP = "360721100"
KENGKOU = "360721100200"  # 坑口村, 1,047 households in 18 groups
STABLE_MOVED = 0.02  # goal: +5 % households moves <= 2 % of the existing ones
ADDED = 0.05


def partition(*args) -> str:
    out = StringIO()
    call_command("partition", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def partitioned(demo_county):
    partition("--township", TOWNSHIP)
    return list(demo_county.villages.order_by("code"))


def test_township_partition_holds_every_rule(partitioned):
    assert_grids_valid(partitioned)
    assert GridVersion.objects.count() == len(partitioned) == 3
    assert GridVersion.objects.filter(valid_from__isnull=False, valid_to__isnull=True).count() == 3
    run = PartitionRun.objects.get()
    assert run.status == PartitionRun.Status.APPLIED and run.diff["first_version"]


def test_codes_run_west_to_east_then_north_to_south(partitioned):
    """Codes are the village code + 001, 002, ...; sequence without gaps per village."""
    for village in partitioned:
        codes = list(
            Grid.objects.filter(village=village, version__valid_to__isnull=True)
            .order_by("code")
            .values_list("code", flat=True)
        )
        assert codes == [f"{village.code}{i:03d}" for i in range(1, len(codes) + 1)]


def test_rerun_on_unchanged_data_changes_nothing(partitioned):
    before = snapshot(partitioned)
    versions = GridVersion.objects.count()
    out = partition("--township", TOWNSHIP)
    assert "applied: 0 villages" in out
    assert GridVersion.objects.count() == versions
    assert snapshot(partitioned) == before
    assert PartitionRun.objects.order_by("-pk").first().diff["moved_count"] == 0


def test_five_percent_more_households_moves_few(partitioned):
    """Incremental (the default) keeps existing households where they are; codes persist."""
    village = Village.objects.get(code=KENGKOU)
    before = snapshot([village])
    old_grids = {
        g.code: set(g.assignments.values_list("household_id", flat=True))
        for g in Grid.objects.filter(village=village, version__valid_to__isnull=True)
    }
    new = add_households(village, round(ADDED * len(before)))
    partition("--village", KENGKOU)
    after = snapshot([village])
    assert moved(before, after) <= STABLE_MOVED * len(before)
    assert set(new) <= set(after)
    assert_grids_valid(partitioned)
    for code, households in old_grids.items():  # a grid that keeps most households keeps its code
        kept = Counter(after[h] for h in households).most_common(1)[0]
        if kept[1] >= 0.9 * len(households):
            assert kept[0] == code
    assert GridVersion.objects.get(village=village, valid_to__isnull=True).number == 2

    # --fresh ignores the current grids: allowed to move more, still holds every rule
    out = partition("--village", KENGKOU, "--fresh", "--dry-run")
    assert "dry run" in out
    assert GridVersion.objects.get(village=village, valid_to__isnull=True).number == 2
    partition("--village", KENGKOU, "--fresh")
    assert_grids_valid(partitioned)


def test_locked_grid_keeps_households_code_and_geometry(partitioned):
    village = Village.objects.get(code=KENGKOU)
    grid = Grid.objects.filter(village=village, version__valid_to__isnull=True).order_by("code")[3]
    grid.locked = True
    grid.save(update_fields=["locked"])
    households = set(grid.assignments.values_list("household_id", flat=True))
    geom = grid.geom
    new = add_households(village, 5, seed=1, inside=geom, prefix="LCK")
    new += add_households(village, 40, seed=2)
    inside = set(
        Household.objects.filter(pk__in=new, location__coveredby=geom).values_list("pk", flat=True)
    )
    assert len(inside) >= 5
    partition("--village", KENGKOU, "--fresh")  # even a fresh run works around locked grids
    new = Grid.objects.get(village=village, version__valid_to__isnull=True, code=grid.code)
    assert new.version.number == 2 and new.locked
    # the locked grid keeps its boundary and households; new households inside it join it
    # (in the member area of their nearest neighbour), nobody else is moved in or out
    kept = set(new.assignments.values_list("household_id", flat=True))
    assert kept == households | inside
    assert new.geom.equals_exact(geom, tolerance=1e-9)
    assert new.household_count == len(kept)
    assert not new.assignments.filter(member_area__isnull=True).exists()
    assert not PartitionRun.objects.latest("pk").proposal["problems"]
    assert_grids_valid(partitioned)


def test_dry_run_writes_no_version(demo_county):
    out = partition("--township", TOWNSHIP, "--dry-run")
    assert "dry run: nothing applied" in out
    assert not GridVersion.objects.exists() and not GridAssignment.objects.exists()
    assert PartitionRun.objects.get().status == PartitionRun.Status.PROPOSED


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--village", "999999999999"], id="unknown-village"),
        pytest.param(["--township", "999999999"], id="unknown-township"),
    ],
)
def test_unknown_scope_is_command_error(demo_county, args):
    with pytest.raises(CommandError, match="999999999"):
        partition(*args)
    assert not PartitionRun.objects.exists()


def test_scope_is_required(db):
    with pytest.raises(CommandError):
        partition()
