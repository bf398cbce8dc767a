"""The dashboard's map: the outlines of a place's units (townships as the union of their
villages, villages, grids) with every indicator's value, and class breaks per indicator."""

from __future__ import annotations

from django.contrib.gis.db.models import Union
from rest_framework import serializers

from grids.models import Grid
from households.functions import Multi, SimplifyPreserveTopology, api_geojson
from households.models import Township, Village
from households.scoping import TOWNSHIP, VILLAGE
from households.serializers import FeatureSerializer

from .indicators import INDICATORS
from .selectors import Context, cached, figures_cached

# Outline tolerances (degrees): ~50 m for townships at county scale, ~20 m for villages;
# grids keep the API precision.
TOLERANCE = {TOWNSHIP: 0.0005, VILLAGE: 0.0002}
CLASSES = 5  # class breaks per column (quantiles)


class UnitFeature(FeatureSerializer):
    """A unit of the map: its code, name and the values of every column."""

    fid = serializers.CharField(source="code")
    name = serializers.CharField()
    values = serializers.DictField()

    class Meta(FeatureSerializer.Meta):
        model = Village
        fields = ("fid", "geojson", "code", "name", "values")


class HexFeature(FeatureSerializer):
    """A hexagon of a heat layer (``heat.hex_counts``) and how many points it holds."""

    fid = serializers.CharField()
    n = serializers.IntegerField()

    class Meta(FeatureSerializer.Meta):
        model = Village
        fields = ("fid", "geojson", "n")


class HouseholdPoint(FeatureSerializer):
    """A household at a village's zoom: no name, no number; in a grid, with a member,
    visited in 90 days."""

    fid = serializers.CharField(source="external_id")
    grid = serializers.CharField(source="grid_code", allow_null=True)
    in_grid = serializers.BooleanField()
    member = serializers.BooleanField()
    visited = serializers.BooleanField()

    class Meta(FeatureSerializer.Meta):
        model = Village
        fields = ("fid", "geojson", "grid", "in_grid", "member", "visited")


def outlines(ctx: Context) -> dict[str, str]:
    """code -> GeoJSON text of each unit's outline, in the user's area."""
    scope, area, level = ctx.scope, ctx.place.area, ctx.level
    if level == TOWNSHIP:
        geom = Multi(SimplifyPreserveTopology(Union("villages__boundary"), TOLERANCE[level]))
        qs = (
            Township.objects.for_scope(scope)
            .in_area(area)
            .filter(villages__boundary__isnull=False)
            .values("code")
            .annotate(g=api_geojson(geom))
        )
    elif level == VILLAGE:
        geom = Multi(SimplifyPreserveTopology("boundary", TOLERANCE[level]))
        qs = (
            Village.objects.for_scope(scope)
            .in_area(area)
            .filter(boundary__isnull=False)
            .annotate(g=api_geojson(geom))
        )
    else:
        qs = (
            Grid.objects.for_scope(scope)
            .in_area(area)
            .current()
            .annotate(g=api_geojson("geom", simplify=True))
        )
    return dict(qs.order_by().values_list("code", "g"))


def outlines_cached(ctx: Context) -> dict[str, str]:
    return cached(ctx, "outlines", outlines)


def breaks(values: list[float], k: int = CLASSES) -> list[float]:
    """Upper bounds of up to k classes (quantiles of the values, distinct, ascending)."""
    vals = sorted(v for v in values if v is not None)
    if not vals:
        return []
    out = []
    for i in range(1, k + 1):
        v = vals[min(len(vals) - 1, round(i * len(vals) / k) - 1)]
        if not out or v > out[-1]:
            out.append(v)
    return out


def unit_features(ctx: Context) -> dict:
    """The FeatureCollection of the units, with ``breaks`` per column (a foreign member)."""
    rows, _total = figures_cached(ctx)
    shapes = outlines_cached(ctx)
    features = []
    for r in rows:
        values = {i.key: i.value(r["raw"]) for i in INDICATORS}
        features.append(
            {
                "code": r["code"],
                "name": r["name"],
                "values": values,
                "geojson": shapes.get(r["code"]),
            }
        )
    data = UnitFeature(features, many=True).data
    data["breaks"] = {i.key: breaks([f["values"][i.key] for f in features]) for i in INDICATORS}
    data["level"] = ctx.level
    return data
