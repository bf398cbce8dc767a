"""Reads for the households app: the township map's layers as scoped querysets (their
features are serialised by ``households.serializers``)."""

from django.contrib.gis.db.models import Extent
from django.contrib.gis.geos import Polygon
from django.db.models import F, OuterRef, QuerySet
from django.shortcuts import get_object_or_404

from households.functions import SubqueryCount, api_geojson
from households.models import Household, Township, Village, VillageGroup
from households.scoping import Area


class BBoxError(ValueError):
    """A malformed ?bbox= parameter (answered with 400)."""


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    try:
        parts = tuple(float(p) for p in raw.split(","))
    except ValueError as exc:
        raise BBoxError(f"bbox must be four numbers minlon,minlat,maxlon,maxlat: {raw!r}") from exc
    if len(parts) != 4 or not (parts[0] <= parts[2] and parts[1] <= parts[3]):
        raise BBoxError(f"bbox must be minlon,minlat,maxlon,maxlat with min <= max: {raw!r}")
    return parts


def township_get(code: str) -> Township:
    return get_object_or_404(Township, code=code)


def villages_layer(scope, township: Township) -> QuerySet:
    """The township's villages the scope covers, with their boundaries."""
    return (
        Village.objects.for_scope(scope)
        .in_area(Area.of_township(township))
        .filter(boundary__isnull=False)
        .annotate(geojson=api_geojson("boundary", simplify=True))
        .order_by("code")
    )


def groups_layer(scope, township: Township) -> QuerySet:
    """The township's village groups the scope covers, with their household counts."""
    return (
        VillageGroup.objects.for_scope(scope)
        .in_area(Area.of_township(township))
        .annotate(
            village_name=F("village__name"),
            household_count=SubqueryCount(Household.objects.filter(group=OuterRef("pk"))),
            geojson=api_geojson("geom", simplify=True),
        )
        .order_by("code", "id")
    )


def households_layer(scope, township: Township, bbox=None) -> QuerySet:
    """The township's households the scope covers (with those outside every group that lie
    in the township's extent), optionally within a bbox."""
    qs = Household.objects.for_scope(scope).in_area(Area.of_township(township))
    if bbox:
        qs = qs.filter(location__bboverlaps=Polygon.from_bbox(bbox))
    return qs.annotate(
        group_name=F("group__name"),
        village_name=F("group__village__name"),
        geojson=api_geojson("location"),
    ).order_by("external_id")


def township_bounds(scope, township: Township) -> list[float] | None:
    """[min lon, min lat, max lon, max lat] of the township's villages the scope covers."""
    villages = Village.objects.for_scope(scope).in_area(Area.of_township(township))
    extent = villages.aggregate(e=Extent("boundary"))["e"]
    return list(extent) if extent else None


def township_stats(scope, township: Township) -> dict:
    area = Area.of_township(township)
    return {
        "villages": Village.objects.for_scope(scope).in_area(area).count(),
        "groups": VillageGroup.objects.for_scope(scope).in_area(area).count(),
        "households": Household.objects.for_scope(scope)
        .in_area(area)
        .filter(group__isnull=False)
        .count(),
    }
