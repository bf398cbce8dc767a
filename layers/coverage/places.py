"""The places the dashboard shows (county, township, village, grid), parsed from a request
and checked against the user's area, and the context every figure is computed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Grid
from households.models import Township, Village
from households.scoping import COUNTY, GRID, TOWNSHIP, VILLAGE, Area, contains

VISIT_DAYS = 90  # "visited" means: at least one visit in the last 90 days
LEVELS = (COUNTY, TOWNSHIP, VILLAGE, GRID)
CHILD = {COUNTY: TOWNSHIP, TOWNSHIP: VILLAGE, VILLAGE: GRID, GRID: GRID}
CODE_LEN = {TOWNSHIP: 9, VILLAGE: 12, GRID: 15}
ERR_LEVEL = _("level must be one of county, township, village, grid (not %(value)r)")
ERR_CODE = _("code must be the %(digits)s-digit code of a %(level)s (not %(value)r)")


class ParameterError(ValueError):
    """A malformed dashboard parameter: the message names it (a 400)."""


@dataclass(frozen=True)
class Place:
    """An area the dashboard shows: its level, code, name and the hierarchy Area."""

    level: str
    code: str
    name: str
    area: Area
    parents: tuple = ()  # (level, code, name) of the places above, widest first


@dataclass
class Context:
    """What a source needs: the user's scope, the place shown, its units' level, the time."""

    scope: Area
    place: Place
    now: dt.datetime = field(default_factory=timezone.now)

    @property
    def level(self) -> str:
        return CHILD[self.place.level]

    @property
    def since(self) -> dt.date:
        return timezone.localdate(self.now) - dt.timedelta(days=VISIT_DAYS)


def place_parse(scope, level: str | None, code: str | None) -> Place:
    """The place of ``?level=&code=`` (default: the user's own area), in the user's area:
    ParameterError for a malformed one, 404 for one outside the area or unknown."""
    level = level or (scope.level if scope.level in (COUNTY, TOWNSHIP, VILLAGE) else GRID)
    if level not in LEVELS:
        raise ParameterError(ERR_LEVEL % {"value": level})
    if level == COUNTY:
        if code:
            raise ParameterError(ERR_CODE % {"digits": 0, "level": level, "value": code})
        if scope.level != COUNTY:
            raise Http404
        return Place(COUNTY, "", str(_("County")), Area(COUNTY))
    if scope.level in LEVELS and LEVELS.index(level) < LEVELS.index(scope.level):
        raise Http404  # a place wider than the user's area
    if not code and level == scope.level:
        code = {TOWNSHIP: scope.township_code, VILLAGE: scope.village_code}.get(level, "")
    digits = CODE_LEN[level]
    if not (code or "").isdigit() or len(code) != digits:
        raise ParameterError(ERR_CODE % {"digits": digits, "level": level, "value": code})
    return _place(scope, level, code)


def _place(scope, level: str, code: str) -> Place:
    if level == TOWNSHIP:
        t = Township.objects.filter(code=code).first()
        if t is None or not contains(scope, t):
            raise Http404
        return Place(level, code, t.name, Area.of_township(t), _up(scope, t))
    if level == VILLAGE:
        v = Village.objects.select_related("township").filter(code=code).first()
        if v is None or not contains(scope, v):
            raise Http404
        t = v.township
        area = Area(VILLAGE, t.pk, v.pk, township_code=t.code, village_code=v.code)
        return Place(level, code, v.name, area, (*_up(scope, t), (TOWNSHIP, t.code, t.name)))
    g = (
        Grid.objects.for_scope(scope)
        .current()
        .select_related("village__township")
        .filter(code=code)
        .first()
    )
    if g is None:
        raise Http404
    v, t = g.village, g.village.township
    area = Area(GRID, t.pk, v.pk, g.code, township_code=t.code, village_code=v.code)
    parents = (*_up(scope, t), (TOWNSHIP, t.code, t.name), (VILLAGE, v.code, v.name))
    return Place(GRID, code, g.code, area, parents)


def _up(scope, township) -> tuple:
    return ((COUNTY, "", str(_("County"))),) if scope.level == COUNTY else ()


def at_level(ctx: Context, level: str) -> Context:
    """The same area counted per ``level`` unit (the villages of the county, the grids of
    a township)."""
    parent = {TOWNSHIP: COUNTY, VILLAGE: TOWNSHIP, GRID: VILLAGE}[level]
    place = Place(parent, f"{ctx.place.level}:{ctx.place.code}", "", ctx.place.area)
    return Context(ctx.scope, place, ctx.now)
