"""Area scope declared once per model (households.scoping): every model that holds something
located in an area declares it, a model that does not cannot be served, every declaration
is a valid query at every level, and what it gives each role is what the role may see."""

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import models
from django.test.utils import isolate_apps

from grids import selectors as grid_selectors
from grids.models import Grid, GridAssignment, MemberArea, PartitionRun
from households.access import NO_SCOPE, scope_for
from households.models import Household, Person, Role, Township, UserArea, Village
from households.scoping import (
    CHECK_ID,
    COUNTY,
    GRID,
    LEVELS,
    MEMBER,
    TOWNSHIP,
    VILLAGE,
    Area,
    ScopedQuerySet,
    ScopeNotDeclared,
    ScopePaths,
    UnknownScopeError,
    check_scope_declared,
    contains,
    needs_scope,
)
from layers.models import Visit
from tests.security.test_enumeration import Area as Where
from tests.security.test_enumeration import Scope as Expected

pytestmark = pytest.mark.django_db
APPS = ("households", "grids", "layers")
ROLES = ("county", "township", "village", "grid_leader", "grid_member", "admin", "no_role")
SAMPLE = {  # an area of each level, for compiling queries (ids need not exist)
    level: Area(
        level,
        township_id=1,
        village_id=2,
        grid_code="360721100200001",
        member_number=3,
        township_code="360721100",
        village_code="360721100200",
    )
    for level in LEVELS
}


def project_models():
    return [m for label in APPS for m in apps.get_app_config(label).get_models()]


def test_every_model_located_in_an_area_declares_its_scope():
    located = {m.__name__ for m in project_models() if needs_scope(m)}
    # the walk finds what it should (a model with a geometry, one with only an area key)
    assert {"Household", "Grid", "Visit", "Person", "GridAssignment", "GridDraft"} <= located
    for model in project_models():
        if needs_scope(model):
            assert isinstance(model.scope_paths, ScopePaths), model
            assert hasattr(model._default_manager, "for_scope"), model
    assert check_scope_declared() == []


@pytest.mark.parametrize("model", [m for m in project_models() if hasattr(m, "scope_paths")])
@pytest.mark.parametrize("level", LEVELS)
def test_each_declaration_is_a_query_at_every_level(model, level):
    """A path with a typo fails here, when the SQL is compiled, not on a user's page."""
    qs = model._default_manager.in_area(SAMPLE[level])
    if qs.query.is_empty():  # rows in no area (county only): nothing below the county
        assert model.scope_paths.county_only and level != COUNTY
        return
    assert model._meta.db_table in str(qs.query)


@isolate_apps("households")
def test_a_model_without_a_declaration_cannot_be_served():
    class Camera(models.Model):  # noqa: DJ008 - a new overlay, pointing at a village, declaring nothing
        village = models.ForeignKey(Village, on_delete=models.CASCADE)
        objects = ScopedQuerySet.as_manager()

        class Meta:
            app_label = "households"

    class Marker(models.Model):  # noqa: DJ008 - the same with Django's plain manager
        village = models.ForeignKey(Village, on_delete=models.CASCADE)

        class Meta:
            app_label = "households"

    errors = check_scope_declared([Camera._meta.apps.get_app_config("households")])
    assert {(e.obj, e.id) for e in errors} == {(Camera, CHECK_ID), (Marker, CHECK_ID)}
    with pytest.raises(ScopeNotDeclared):
        Camera.objects.for_scope(SAMPLE[COUNTY])
    with pytest.raises(ScopeNotDeclared):
        contains(SAMPLE[COUNTY], Camera(village_id=1))
    assert not hasattr(Marker.objects, "for_scope")


def test_a_declaration_that_misses_the_township_or_the_village_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    for bad in (
        {},  # nothing at all
        {"village": "village"},  # no township
        {"township": "t", "grid": "code"},  # a grid code matched without its village
        {"township": "t", "village": "v", "member": "number"},  # a member number, no grid
        {"township": "t", "county_only": True},
    ):
        with pytest.raises(ImproperlyConfigured):
            ScopePaths(**bad)


@pytest.mark.parametrize("level", ["city", "County", "grid_leader"])
def test_an_unknown_level_is_an_error(level):
    with pytest.raises(UnknownScopeError):
        Area(level, township_id=1)


def test_an_area_missing_its_ids_is_an_error():
    with pytest.raises(UnknownScopeError):
        Area(TOWNSHIP)
    with pytest.raises(UnknownScopeError):
        Area(MEMBER, township_id=1, village_id=2, grid_code="360721100200001")


def test_an_unknown_role_is_an_error_not_the_county(field):
    user = User.objects.create_user("t-odd")
    UserArea.objects.create(user=user, role="governor")
    with pytest.raises(UnknownScopeError):
        scope_for(user)
    with pytest.raises(UnknownScopeError):
        grid_selectors.villages_in_scope("province", "")


def test_no_area_sees_nothing(field):
    for model in project_models():
        if hasattr(model, "scope_paths") and model._default_manager.exists():
            assert not model._default_manager.for_scope(NO_SCOPE).exists(), model


def where(grid=None, township=None) -> Where:
    """An object's place, as the enumeration test writes it."""
    if township is not None:
        return Where(township=township.pk)
    return Where(township=grid.village.township_id, village=grid.village_id, grid=grid.code)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_its_area_holds(field, role):
    """for_scope per role against the enumeration test's independent account of each role."""
    scope = scope_for(field.users[role])
    expected = Expected(role, field)
    households = set(Household.objects.for_scope(scope).values_list("external_id", flat=True))
    assert households == expected.households
    people = Person.objects.for_scope(scope)
    assert (
        people.count()
        == Person.objects.filter(household__external_id__in=expected.households).count()
    )
    grids = set(Grid.objects.current().for_scope(scope).values_list("code", flat=True))
    current = Grid.objects.current().select_related("village")
    assert grids == {g.code for g in current if expected.covers(where(g))}
    numbers = set(
        MemberArea.objects.for_scope(scope).filter(grid=field.grid).values_list("number", flat=True)
    )
    everyone = set(field.grid.member_areas.values_list("number", flat=True))
    shown = {"grid_member": {expected.member}, "no_role": set()}.get(role, everyone)
    assert numbers == shown
    townships = set(Township.objects.for_scope(scope).values_list("code", flat=True))
    assert townships == {t.code for t in Township.objects.all() if expected.covers(where(None, t))}


def _visits(field) -> None:
    """Visits in and out of the member's area, in a sibling grid and in the other township."""
    for grid in (field.grid, field.sibling, field.other):
        for a in GridAssignment.objects.filter(grid=grid).select_related("member_area")[:12]:
            Visit.objects.create(
                household_id=a.household_id,
                grid_code=grid.code,
                member_number=a.member_area.number,
                visited_on="2026-01-05",
            )


@pytest.mark.parametrize("role", ROLES)
def test_python_and_database_agree(field, role):
    """`contains` reads a loaded object's paths in Python where it can: for every role and
    every object, it says what the database says."""
    _visits(field)
    scope = scope_for(field.users[role])
    grids = (field.grid, field.sibling, field.far, field.other)
    samples = {
        Township: Township.objects.all(),
        Village: Village.objects.all(),
        Grid: Grid.objects.select_related("village", "version"),
        MemberArea: MemberArea.objects.filter(grid__in=grids).select_related("grid__version"),
        GridAssignment: GridAssignment.objects.filter(grid__in=grids).select_related(
            "grid", "member_area", "version"
        ),
        Visit: Visit.objects.select_related("household__group"),
        PartitionRun: PartitionRun.objects.all(),
        Household: Household.objects.filter(grid_assignments__grid__in=grids)[:40],
    }
    for model, rows in samples.items():
        rows = list(rows)
        assert rows, model
        inside = set(model._default_manager.for_scope(scope).values_list("pk", flat=True))
        assert {r.pk for r in rows if contains(scope, r)} == inside & {r.pk for r in rows}, model


def test_levels_match_the_roles():
    from households.access import LEVEL_OF_ROLE

    assert set(LEVEL_OF_ROLE) == set(Role.values)
    assert LEVEL_OF_ROLE[Role.COUNTY] == COUNTY and LEVEL_OF_ROLE[Role.GRID_LEADER] == GRID
    assert LEVEL_OF_ROLE[Role.VILLAGE] == VILLAGE
