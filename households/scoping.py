"""Area scope, declared once per model: which rows lie in a township, village, grid or
member area, and so which rows a user bound to such an area may see.

The area hierarchy is county > township > village > grid > member area. A grid is named by
its code within its village (codes persist across dated versions), a member area by its
number within its grid. Each model that holds anything located in an area declares how it
reaches the hierarchy, once, as ``scope_paths`` (a :class:`ScopePaths`), and gets its rows
through a manager made from :class:`ScopedQuerySet`::

    class VillageGroup(models.Model):
        ...
        objects = ScopedQuerySet.as_manager()
        scope_paths = ScopePaths(township="village__township", village="village")

    VillageGroup.objects.for_scope(scope)          # what the user's area covers
    VillageGroup.objects.in_area(Area.of_township(t))   # what lies in a page's township

A row is in an area when the two overlap: the area holds the row (a household of the
village) or the row holds the area (the village of a grid leader). So a model matches at
the finest level it declares that is not finer than the area's. A model that declares no
paths cannot be served: ``for_scope`` raises :class:`ScopeNotDeclared`, and the system check
below lists every model with a geometry or a foreign key to a scoped model that lacks them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.gis.db.models import GeometryField
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Q

COUNTY, TOWNSHIP, VILLAGE, GRID, MEMBER = "county", "township", "village", "grid", "member"
LEVELS = (COUNTY, TOWNSHIP, VILLAGE, GRID, MEMBER)  # widest first
NO_AREA = ""  # a user bound to nothing: sees nothing

UNKNOWN_LEVEL = "Unknown area level {level!r}: expected one of " + ", ".join(LEVELS) + "."
AREA_INCOMPLETE = "An area at the {level} level needs {missing}."
NOT_DECLARED = (
    "{model} declares no scope_paths: it cannot be served until it says how it reaches "
    "the township, village, grid or member area (households.scoping)."
)
NO_SCOPED_MANAGER = "{model}'s default manager has no for_scope (use ScopedQuerySet.as_manager())."
CHECK_ID = "households.E001"


class UnknownScopeError(ValueError):
    """An area level (or a role, or a partition scope) nobody knows: never the whole county."""


class ScopeNotDeclared(ImproperlyConfigured):
    """A model asked for its rows in an area without declaring how it reaches one."""


_NEEDS = {  # the ids an area of each level must carry
    TOWNSHIP: ("township_id",),
    VILLAGE: ("township_id", "village_id"),
    GRID: ("township_id", "village_id", "grid_code"),
    MEMBER: ("township_id", "village_id", "grid_code", "member_number"),
}


@dataclass(frozen=True)
class Area:
    """A place in the hierarchy: its level and the ids (and codes) of it and its parents."""

    level: str = NO_AREA
    township_id: int | None = None
    village_id: int | None = None
    grid_code: str = ""
    member_number: int | None = None
    township_code: str = ""
    village_code: str = ""

    def __post_init__(self):
        if self.level not in (NO_AREA, *LEVELS):
            raise UnknownScopeError(UNKNOWN_LEVEL.format(level=self.level))
        missing = [f for f in _NEEDS.get(self.level, ()) if getattr(self, f) in (None, "")]
        if missing:
            raise UnknownScopeError(
                AREA_INCOMPLETE.format(level=self.level, missing=", ".join(missing))
            )

    @classmethod
    def of_township(cls, township) -> Area:
        return cls(TOWNSHIP, township_id=township.pk, township_code=township.code)

    def value(self, level: str):
        """The id that names this area's ancestor (or itself) at `level`."""
        return {
            TOWNSHIP: self.township_id,
            VILLAGE: self.village_id,
            GRID: self.grid_code,
            MEMBER: self.member_number,
        }[level]


@dataclass(frozen=True)
class Through:
    """A level reached through a related object: in an area iff that object is.

    ``relation`` is a forward foreign key (a resident's ``household``) or a reverse one
    (a household's ``grid_assignments``); the related model declares its own paths.
    """

    relation: str

    def q(self, model, area: Area) -> Q:
        field = model._meta.get_field(self.relation)
        related = _scoped_manager(field.related_model).in_area(area)
        if field.concrete:  # a foreign key on this model
            return Q(**{f"{self.relation}__in": related.values("pk")})
        return Q(pk__in=related.values(field.field.attname))  # the key on the related model


Path = str | Through | Callable[[Area], Q] | None


@dataclass(frozen=True)
class ScopePaths:
    """How a model reaches each level of the hierarchy it reaches.

    A level is a lookup path (to the township or village, to the grid code, to the member
    number), a :class:`Through`, or a function of the :class:`Area` returning a ``Q`` (for
    rules no path can say). Grid and member paths are matched together with the village
    path (and member paths with the grid path). ``current`` names a date that is empty
    while the row belongs to the current grid version: a grid code names an area of the
    current version only. ``county_only``: the rows lie in no area (only county-wide
    scopes see them).
    """

    township: Path = None
    village: Path = None
    grid: Path = None
    member: Path = None
    current: str = ""
    county_only: bool = False

    def __post_init__(self):
        declared = [level for level in LEVELS[1:] if getattr(self, level) is not None]
        if self.county_only == bool(declared):
            raise ImproperlyConfigured("Declare the township level (at least), or county_only.")
        if declared and declared[0] != TOWNSHIP:
            raise ImproperlyConfigured("Every area lies in a township: declare that level.")
        for level, needs in ((GRID, VILLAGE), (MEMBER, GRID)):
            if isinstance(getattr(self, level), str) and not isinstance(getattr(self, needs), str):
                raise ImproperlyConfigured(f"A {level} path is matched with a {needs} path.")

    @classmethod
    def through(cls, relation: str) -> ScopePaths:
        """Every level through one related object (a resident through its household)."""
        return cls(*(Through(relation),) * 4)

    def conditions(self, area: Area) -> list[tuple[Path, object]] | None:
        """(path, value) pairs a row must match to lie in the area; None: no row does."""
        if area.level == NO_AREA:
            return None
        if area.level == COUNTY:
            return []
        if self.county_only:
            return None
        levels = LEVELS[1 : LEVELS.index(area.level) + 1]
        finest = next(lv for lv in reversed(levels) if getattr(self, lv) is not None)
        path = getattr(self, finest)
        if not isinstance(path, str):
            return [(path, None)]
        pairs = [(path, area.value(finest))]
        if finest in (GRID, MEMBER):
            pairs.append((self.village, area.village_id))
            if finest == MEMBER:
                pairs.append((self.grid, area.grid_code))
            if self.current:
                pairs.append((self.current, None))
        return pairs

    def q(self, model, area: Area) -> Q | None:
        pairs = self.conditions(area)
        if pairs is None:
            return None
        q = Q()
        for path, value in pairs:
            if isinstance(path, str):
                q &= Q(**{path: value})
            elif isinstance(path, Through):
                q &= path.q(model, area)
            else:
                q &= path(area)
        return q

    def contains(self, obj, area: Area) -> bool | None:
        """The same test on one loaded object, in Python; None when only the database can
        tell (a Through or a function level, a path through a reverse relation)."""
        pairs = self.conditions(area)
        if pairs is None:
            return False
        for path, value in pairs:
            if not isinstance(path, str):
                return None
            found = _walk(obj, path)
            if found is _UNKNOWN:
                return None
            if found is _BROKEN or found != value:
                return False
        return True


_UNKNOWN, _BROKEN = object(), object()


def _walk(obj, path: str):
    """The value at the end of a lookup path on a loaded object (ids for foreign keys)."""
    *hops, last = path.split("__")
    for hop in hops:
        field = obj._meta.get_field(hop)
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            return _UNKNOWN
        obj = getattr(obj, hop)
        if obj is None:
            return _BROKEN
    if last == "pk":
        return obj.pk
    field = obj._meta.get_field(last)
    if field.is_relation and not field.concrete:
        return _UNKNOWN
    return getattr(obj, field.attname)


def scope_paths(model) -> ScopePaths:
    paths = getattr(model, "scope_paths", None)
    if not isinstance(paths, ScopePaths):
        raise ScopeNotDeclared(NOT_DECLARED.format(model=model._meta.label))
    return paths


def _scoped_manager(model):
    manager = model._default_manager
    if not hasattr(manager, "for_scope"):
        raise ScopeNotDeclared(NO_SCOPED_MANAGER.format(model=model._meta.label))
    return manager


class ScopedQuerySet(models.QuerySet):
    """Rows by area, from the model's ``scope_paths``."""

    def in_area(self, area: Area) -> models.QuerySet:
        """The rows lying in `area` (or holding it)."""
        q = scope_paths(self.model).q(self.model, area)
        return self.none() if q is None else self.filter(q)

    def for_scope(self, scope: Area) -> models.QuerySet:
        """The rows a user's scope (its area) covers: where every page and API starts."""
        return self.in_area(scope)

    def current(self) -> models.QuerySet:
        """The rows of the current grid version (``scope_paths.current``)."""
        paths = scope_paths(self.model)
        if not paths.current:
            raise ImproperlyConfigured(f"{self.model._meta.label} declares no current version.")
        return self.filter(**{paths.current: None})


def contains(area: Area, obj) -> bool:
    """Whether `obj` lies in `area`: in Python from the loaded object where its paths allow,
    otherwise one query."""
    model = type(obj)
    verdict = scope_paths(model).contains(obj, area)
    if verdict is None:
        verdict = _scoped_manager(model).in_area(area).filter(pk=obj.pk).exists()
    return verdict


def needs_scope(model) -> bool:
    """A model holds something located in an area: a geometry, or a key to a scoped model."""
    for field in model._meta.get_fields():
        if isinstance(field, GeometryField):
            return True
        if field.concrete and field.many_to_one and hasattr(field.related_model, "scope_paths"):
            return True
    return False


@checks.register(checks.Tags.models)
def check_scope_declared(app_configs=None, **kwargs) -> list[checks.Error]:
    """Every model that needs a scope declares it and is served through for_scope."""
    from django.apps import apps

    configs = app_configs or apps.get_app_configs()
    errors = []
    for model in (m for config in configs for m in config.get_models()):
        if not (hasattr(model, "scope_paths") or needs_scope(model)):
            continue
        try:
            scope_paths(model)
            _scoped_manager(model)
        except ScopeNotDeclared as exc:
            errors.append(checks.Error(str(exc), obj=model, id=CHECK_ID))
    return errors
