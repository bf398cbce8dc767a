"""Village-group import: GeoJSON, GeoPackage, zipped Shapefile, KML.

Checks before loading: columns, geometry type, CRS, extent, codes, validity
(self-intersections repaired with make_valid and reported; unrepairable rejected)
and overlaps between groups (rejected, with the overlap area in m²). Then
townships, villages and groups are upserted in one transaction, village
boundaries are refreshed, and households are re-assigned to groups.
"""

import time
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.codes import GROUP_CODE_LEN, TOWNSHIP_CODE_LEN, VILLAGE_CODE_LEN, code_error
from households.geo import assign_to_groups, to_metric, utm_crs
from households.models import Household, Township, Village, VillageGroup
from households.services import households_reassign_groups, villages_refresh_boundaries

from .checks import ERR_GEOMETRY_TYPE, ERR_NO_GEOMETRY, check_extent, check_required, to_wgs84_frame
from .readers import (
    GROUP_ALIASES,
    VECTOR_SUFFIXES,
    ReadError,
    check_suffix,
    normalise_columns,
    read_vector,
)
from .report import ImportRejected, ImportReport
from .scope import township_label

# Overlaps up to this area, or slivers narrower than SLIVER_WIDTH_M on average (2 x area /
# perimeter), are digitising noise along shared borders: reported as warnings, not rejected.
# The real OSM groups in sample_data/osm-andorra overlap across parish borders in slivers of
# up to 20.8 m² that are at most 2.1 cm wide.
OVERLAP_TOLERANCE_M2 = 10.0
SLIVER_WIDTH_M = 0.1
OVERLAP_REPORTED_M2 = 0.01
ERR_OVERLAP = gettext_lazy("overlaps feature %(other)s by %(area).1f m²")
ERR_OVERLAP_DB = gettext_lazy("overlaps existing group %(other)s by %(area).1f m²")
ERR_UNREPAIRABLE = gettext_lazy("invalid polygon that cannot be repaired: %(reason)s")
WARN_REPAIRED = gettext_lazy("invalid polygon repaired with make_valid: %(reason)s")
ERR_DUPLICATE_CODE = gettext_lazy("duplicate group code %(code)s (also feature %(other)d)")
ERR_DUPLICATE_NAME = gettext_lazy("duplicate group name %(name)s in village %(village)s")
ERR_REQUIRED = gettext_lazy("%(col)s is empty")
ERR_NAME_CONFLICT = gettext_lazy(
    "%(kind)s %(code)s is named %(old)r here but %(new)r in feature %(other)d"
)
ERR_NEEDS_PARENT = gettext_lazy(
    "village %(code)s is new: village_name, township_code and township_name are needed"
)
ERR_OUTSIDE_TOWNSHIP = gettext_lazy("outside your township %(township)s")
ERR_TAKES_IN = gettext_lazy("would take in %(n)d households outside your township %(township)s")
# households within this distance of a group may join it (geo.SNAP_DISTANCE_M is 5 m)
_NEAR_DEG = 0.0001


def import_village_groups(
    path: str | Path,
    *,
    dry_run: bool = False,
    skip_rejected: bool = False,
    column_map: dict | None = None,
    township: Township | None = None,
) -> ImportReport:
    """Check and load a groups file. Raises ImportRejected (nothing written) on errors.

    With `township` (township staff), every feature must be a group of that township, and
    the new boundaries must not take in households of other townships or of no group.
    """
    path = Path(path)
    started = time.perf_counter()
    report = ImportReport(kind=_("village groups"), source=path.name, dry_run=dry_run)
    try:
        check_suffix(path, VECTOR_SUFFIXES)
        gdf = read_vector(path)
    except ReadError as exc:
        report.error(None, "", str(exc))
        raise ImportRejected(report) from exc
    gdf, _unknown = normalise_columns(gdf, GROUP_ALIASES, column_map)
    if not check_required(gdf, ("name", "village_code"), report, GROUP_ALIASES):
        raise ImportRejected(report)
    gdf = to_wgs84_frame(gdf, report)
    if gdf is None:
        raise ImportRejected(report)
    for col in GROUP_ALIASES:
        if col not in gdf.columns:
            gdf[col] = ""
        gdf[col] = gdf[col].fillna("").astype(str).str.strip()
    report.rows = len(gdf)
    geoms, bad = _check_geometries(gdf.geometry.values, report)
    bad |= _check_attributes(gdf, report)
    if township is not None:
        bad |= _check_township(gdf, township, report)
    others = _kept_groups(gdf, bad)
    bad |= _check_overlaps(geoms, bad, others, report)
    if township is not None:
        bad |= _check_takes_in(geoms, bad, others, township, report)
    if bad.any() and not skip_rejected:
        raise ImportRejected(report)
    report.rejected_rows = int(bad.sum())
    if not dry_run:
        with transaction.atomic():
            _load(gdf[~bad], geoms[~bad], report)
        report.applied = True
    report.stats["seconds"] = round(time.perf_counter() - started, 3)
    return report


def _check_geometries(geoms, report):
    n = len(geoms)
    bad = np.zeros(n, dtype=bool)
    out = np.empty(n, dtype=object)
    types = shapely.get_type_id(geoms)
    for i in range(n):
        g = geoms[i]
        if g is None or shapely.is_empty(g):
            report.error(i + 1, "geometry", ERR_NO_GEOMETRY, "feature")
            bad[i] = True
            continue
        if types[i] not in (3, 6):  # Polygon, MultiPolygon
            report.error(
                i + 1,
                "geometry",
                ERR_GEOMETRY_TYPE % {"found": g.geom_type, "expected": "Polygon/MultiPolygon"},
                "feature",
            )
            bad[i] = True
            continue
        g = shapely.force_2d(g)
        if not shapely.is_valid(g):
            reason = shapely.is_valid_reason(g)
            fixed = _polygonal(shapely.make_valid(g))
            if fixed is None or fixed.area <= 0:
                report.error(i + 1, "geometry", ERR_UNREPAIRABLE % {"reason": reason}, "feature")
                bad[i] = True
                continue
            report.warn(i + 1, "geometry", WARN_REPAIRED % {"reason": reason}, "feature")
            g = fixed
        out[i] = g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g])
    idx = np.flatnonzero(~bad)
    if len(idx):
        bounds = shapely.bounds(out[idx])
        for xs, ys in ((bounds[:, 0], bounds[:, 1]), (bounds[:, 2], bounds[:, 3])):
            bad[idx] |= check_extent(
                xs, ys, settings.COUNTY_EXTENT, report, idx + 1, "feature", skip=bad[idx]
            )
    return out, bad


def _polygonal(g):
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(polys) if polys else None


def _check_attributes(gdf, report) -> np.ndarray:
    n = len(gdf)
    bad = np.zeros(n, dtype=bool)
    seen_codes, seen_names, names = {}, {}, {}
    existing = {v.code: v for v in Village.objects.select_related("township")}
    for i, row in enumerate(gdf.itertuples(index=False)):
        feature = i + 1

        def fail(field, message, feature=feature, i=i):
            report.error(feature, field, message, "feature")
            bad[i] = True

        if not row.name:
            fail("name", ERR_REQUIRED % {"col": "name"})
        vcode = row.village_code
        message = code_error(
            "village_code",
            vcode,
            VILLAGE_CODE_LEN,
            row.township_code or (existing[vcode].township.code if vcode in existing else None),
        )
        if message:
            fail("village_code", message)
            continue
        if row.township_code:
            message = code_error(
                "township_code",
                row.township_code,
                TOWNSHIP_CODE_LEN,
                settings.COUNTY_CODE if settings.COUNTY_CODE else None,
            )
            if message:
                fail("township_code", message)
        elif vcode not in existing:
            fail("township_code", ERR_NEEDS_PARENT % {"code": vcode})
        if vcode not in existing and not (row.village_name and row.township_name):
            fail("village_name", ERR_NEEDS_PARENT % {"code": vcode})
        if row.code:
            message = code_error("code", row.code, GROUP_CODE_LEN, vcode)
            if message:
                fail("code", message)
            elif row.code in seen_codes:
                fail("code", ERR_DUPLICATE_CODE % {"code": row.code, "other": seen_codes[row.code]})
            else:
                seen_codes[row.code] = feature
        key = (vcode, row.name)
        if row.name and key in seen_names:
            fail("name", ERR_DUPLICATE_NAME % {"name": row.name, "village": vcode})
        seen_names.setdefault(key, feature)
        for kind, code, name in (
            ("village", vcode, row.village_name),
            ("township", row.township_code, row.township_name),
        ):
            if code and name:
                other = names.setdefault((kind, code), (name, feature))
                if other[0] != name:
                    fail(
                        f"{kind}_name",
                        ERR_NAME_CONFLICT
                        % {
                            "kind": kind,
                            "code": code,
                            "old": name,
                            "new": other[0],
                            "other": other[1],
                        },
                    )
    return bad


def _overlap_m2(a, b, crs) -> tuple[float, float]:
    """Area of a ∩ b in m² and its mean width in m (2 x area / perimeter). Intersect in WGS84
    (where the polygons were drawn: shared edges stay shared), then measure in a metric CRS;
    projecting first bends long edges apart."""
    inter = shapely.intersection(a, b)
    if shapely.is_empty(inter) or shapely.get_type_id(inter) not in (3, 6, 7):
        return 0.0, 0.0
    metric = to_metric(np.array([_polygonal(inter) or inter]), crs)
    area, perimeter = float(shapely.area(metric)[0]), float(shapely.length(metric)[0])
    return area, (2 * area / perimeter if perimeter else 0.0)


def _kept_groups(gdf, bad) -> list[tuple[str, object]]:
    """(label, shapely geometry) of the existing groups this file does not replace."""
    ok = np.flatnonzero(~bad)
    replaced_codes = set(gdf["code"].iloc[ok]) - {""}
    replaced_names = set(zip(gdf["village_code"].iloc[ok], gdf["name"].iloc[ok], strict=True))
    return [
        (g.code or g.name, shapely.from_wkb(bytes(g.geom.wkb)))
        for g in VillageGroup.objects.select_related("village")
        if g.code not in replaced_codes and (g.village.code, g.name) not in replaced_names
    ]


def _check_overlaps(geoms, bad, others, report) -> np.ndarray:
    """Reject groups overlapping each other, or existing groups not replaced by this file."""
    ok = np.flatnonzero(~bad)
    new_bad = np.zeros(len(geoms), dtype=bool)
    if not len(ok):
        return new_bad
    center = shapely.centroid(shapely.envelope(shapely.union_all(shapely.envelope(geoms[ok]))))
    crs = utm_crs(center.x, center.y)
    mine = geoms[ok]

    def judge(i, other_label, overlap, message):
        area, width = overlap
        args = {"other": other_label, "area": area}
        if area > OVERLAP_TOLERANCE_M2 and width >= SLIVER_WIDTH_M:
            report.error(int(ok[i]) + 1, "geometry", message % args, "feature")
            new_bad[ok[i]] = True
        elif area > OVERLAP_REPORTED_M2:
            report.warn(int(ok[i]) + 1, "geometry", message % args, "feature")

    left, right = shapely.STRtree(mine).query(mine, predicate="intersects")
    for a, b in zip(left, right, strict=True):
        if a < b:
            judge(b, int(ok[a]) + 1, _overlap_m2(mine[a], mine[b], crs), ERR_OVERLAP)
    if others:
        other_geoms = np.array([geom for _, geom in others], dtype=object)
        li, ri = shapely.STRtree(other_geoms).query(mine, predicate="intersects")
        for a, b in zip(li, ri, strict=True):
            judge(a, others[b][0], _overlap_m2(mine[a], other_geoms[b], crs), ERR_OVERLAP_DB)
    return new_bad


def _check_township(gdf, township, report) -> np.ndarray:
    """Every feature a group of `township`: by its township code, its existing village or
    its existing group (a file may name only the village code of a village already there)."""
    bad = np.zeros(len(gdf), dtype=bool)
    villages = dict(
        Village.objects.filter(code__in=set(gdf["village_code"])).values_list("code", "township_id")
    )
    groups = dict(
        VillageGroup.objects.filter(code__in=set(gdf["code"]) - {""}).values_list(
            "code", "village__township_id"
        )
    )
    message = ERR_OUTSIDE_TOWNSHIP % {"township": township_label(township)}
    for i, row in enumerate(gdf.itertuples(index=False)):
        if row.township_code and row.township_code != township.code:
            field = "township_code"
        elif villages.get(row.village_code, township.pk) != township.pk:
            field = "village_code"
        elif groups.get(row.code, township.pk) != township.pk:
            field = "code"
        else:
            continue
        report.error(i + 1, field, message, "feature")
        bad[i] = True
    return bad


def _check_takes_in(geoms, bad, others, township, report) -> np.ndarray:
    """Reject features that, once loaded, would draw in households that are not the
    township's (another township's, or of no group) when households are re-grouped."""
    new_bad = np.zeros(len(geoms), dtype=bool)
    ok = np.flatnonzero(~bad)
    if not len(ok):
        return new_bad
    minx, miny, maxx, maxy = shapely.total_bounds(geoms[ok])
    box = GEOSGeometry(
        shapely.box(minx - _NEAR_DEG, miny - _NEAR_DEG, maxx + _NEAR_DEG, maxy + _NEAR_DEG).wkt,
        srid=4326,
    )
    near = list(
        Household.objects.filter(location__intersects=box)
        .exclude(group__village__township=township)
        .values_list("location", flat=True)
    )
    if not near:
        return new_bad
    groups = np.array([*(g for _, g in others), *geoms[ok]], dtype=object)
    result = assign_to_groups(np.array([p.x for p in near]), np.array([p.y for p in near]), groups)
    taken = result.group[result.group >= len(others)] - len(others)
    label = township_label(township)
    for i, n in zip(*np.unique(taken, return_counts=True), strict=True):
        report.error(
            int(ok[i]) + 1, "geometry", ERR_TAKES_IN % {"n": n, "township": label}, "feature"
        )
        new_bad[ok[i]] = True
    return new_bad


def _load(gdf, geoms, report) -> None:
    townships = {t.code: t for t in Township.objects.all()}
    villages = {v.code: v for v in Village.objects.all()}
    touched = set()
    for row, geom in zip(gdf.itertuples(index=False), geoms, strict=True):
        if row.township_code and row.township_code not in townships:
            townships[row.township_code] = Township.objects.create(
                code=row.township_code, name=row.township_name
            )
        elif (
            row.township_code
            and row.township_name
            and townships[row.township_code].name != row.township_name
        ):
            Township.objects.filter(pk=townships[row.township_code].pk).update(
                name=row.township_name
            )
        village = villages.get(row.village_code)
        if village is None:
            village = Village.objects.create(
                code=row.village_code, name=row.village_name, township=townships[row.township_code]
            )
            villages[village.code] = village
        elif row.village_name and village.name != row.village_name:
            Village.objects.filter(pk=village.pk).update(name=row.village_name)
        touched.add(village.pk)
        lookup = {"code": row.code} if row.code else {"village": village, "name": row.name}
        group = VillageGroup.objects.filter(**lookup).first()
        new_geom = GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)
        if group is None:
            VillageGroup.objects.create(
                code=row.code or None, name=row.name, village=village, geom=new_geom
            )
            report.created += 1
        elif (group.name, group.village_id) == (row.name, village.pk) and group.geom.equals_exact(
            new_geom, 1e-9
        ):
            report.unchanged += 1
        else:
            group.name, group.village, group.geom = row.name, village, new_geom
            group.save()
            report.updated += 1
    if report.created or report.updated:
        villages_refresh_boundaries(touched)
        report.stats["households_regrouped"] = households_reassign_groups()
