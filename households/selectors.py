"""Reads for the households app. GeoJSON is built in PostGIS (json_agg), one query a layer."""

from django.db import connection
from django.shortcuts import get_object_or_404

from households.models import Household, Township, Village, VillageGroup

COORD_DIGITS = 6  # ~0.1 m at these latitudes


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


def township_list():
    return Township.objects.order_by("code")


def township_get(code: str) -> Township:
    return get_object_or_404(Township, code=code)


def _feature_collection(sql: str, params) -> str:
    wrapped = (
        "SELECT json_build_object('type', 'FeatureCollection', 'features', "
        f"COALESCE(json_agg(f.feature), '[]'::json))::text FROM ({sql}) f"
    )
    with connection.cursor() as cur:
        cur.execute(wrapped, params)
        return cur.fetchone()[0]


def _village_clause(alias: str, village_ids) -> tuple[str, list]:
    """SQL limiting rows to the villages a user may see (None: the whole township)."""
    if village_ids is None:
        return "", []
    return f" AND {alias}.id = ANY(%s)", [list(village_ids)]


def villages_geojson(township: Township, village_ids=None) -> str:
    v = Village._meta.db_table
    clause, extra = _village_clause("v", village_ids)
    return _feature_collection(
        f"""SELECT json_build_object('type', 'Feature', 'id', v.code,
              'geometry', ST_AsGeoJSON(v.boundary, {COORD_DIGITS})::json,
              'properties', json_build_object('code', v.code, 'name', v.name)) AS feature
            FROM {v} v WHERE v.township_id = %s AND v.boundary IS NOT NULL{clause}
            ORDER BY v.code""",
        [township.pk, *extra],
    )


def groups_geojson(township: Township, village_ids=None) -> str:
    g, v, h = VillageGroup._meta.db_table, Village._meta.db_table, Household._meta.db_table
    clause, extra = _village_clause("v", village_ids)
    return _feature_collection(
        f"""SELECT json_build_object('type', 'Feature', 'id', g.id,
              'geometry', ST_AsGeoJSON(g.geom, {COORD_DIGITS})::json,
              'properties', json_build_object('code', g.code, 'name', g.name,
                 'village', v.name, 'households',
                 (SELECT count(*) FROM {h} h WHERE h.group_id = g.id))) AS feature
            FROM {g} g JOIN {v} v ON v.id = g.village_id
            WHERE v.township_id = %s{clause} ORDER BY g.code, g.id""",
        [township.pk, *extra],
    )


def households_geojson(township: Township, bbox=None, village_ids=None) -> str:
    """Households of the township's groups, plus ungrouped ones inside its villages' extent.

    No personal data beyond the head's name: ID numbers, phones and tags stay on pages
    that mask them and log access.
    """
    g, v, h = VillageGroup._meta.db_table, Village._meta.db_table, Household._meta.db_table
    where, params = "", [township.pk, township.pk]
    if village_ids is not None:
        where, params = "AND v.id = ANY(%s) ", params + [list(village_ids)]
    if bbox:
        where += "AND h.location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
        params += list(bbox)
    return _feature_collection(
        f"""SELECT json_build_object('type', 'Feature', 'id', h.external_id,
              'geometry', ST_AsGeoJSON(h.location, {COORD_DIGITS})::json,
              'properties', json_build_object('head', h.head, 'members', h.members,
                 'group', g.name, 'village', v.name, 'note', h.location_note)) AS feature
            FROM {h} h LEFT JOIN {g} g ON g.id = h.group_id LEFT JOIN {v} v ON v.id = g.village_id
            WHERE (v.township_id = %s OR (h.group_id IS NULL AND h.location && (
                SELECT ST_Extent(boundary) FROM {v} WHERE township_id = %s)))
            {where} ORDER BY h.external_id""",
        params,
    )


def township_stats(township: Township, village_ids=None) -> dict:
    villages = township.villages.all()
    if village_ids is not None:
        villages = villages.filter(pk__in=village_ids)
    return {
        "villages": villages.count(),
        "groups": VillageGroup.objects.filter(village__in=villages).count(),
        "households": Household.objects.filter(group__village__in=villages).count(),
    }
