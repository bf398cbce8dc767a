"""The geometric checks of a village-group file: polygons, extent, overlaps, households.

Invalid polygons are repaired with make_valid (reported) or rejected; overlaps between the
file's groups, or with existing groups the file does not replace, are measured where the
groups were drawn (overlaps.OverlapMeter); township staff may not draw in households that
are not their township's.
"""

import numpy as np
import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext_lazy
from shapely.errors import GEOSException

from households.geo import assign_to_groups
from households.models import Household, VillageGroup

from .checks import ERR_GEOMETRY_TYPE, ERR_NO_GEOMETRY, check_extent
from .overlaps import NEGLIGIBLE_M2, OverlapMeter
from .readers import GEOMETRY
from .scope import township_label

# Overlaps up to this area, or slivers narrower than SLIVER_WIDTH_M on average (2 x area /
# perimeter), are digitising noise along shared borders: reported as warnings, not rejected.
# The real OSM groups in sample_data/osm-andorra overlap across parish borders in slivers of
# up to 20.8 m² (a few m² in UTM 31, where their cells were cut) that are at most 2.1 cm
# wide. A file rounded coarser than SLIVER_WIDTH_M (5 decimals of a degree: 1.1 m) is
# allowed slivers as wide as its rounding step.
OVERLAP_TOLERANCE_M2 = 10.0
SLIVER_WIDTH_M = 0.1
ERR_OVERLAP = gettext_lazy("overlaps feature %(other)s by %(area).1f m²")
ERR_OVERLAP_DB = gettext_lazy("overlaps existing group %(other)s by %(area).1f m²")
ERR_OVERLAP_FAILED = gettext_lazy("cannot intersect with %(other)s: %(reason)s")
ERR_UNREPAIRABLE = gettext_lazy("invalid polygon that cannot be repaired: %(reason)s")
WARN_REPAIRED = gettext_lazy("invalid polygon repaired with make_valid: %(reason)s")

ERR_TAKES_IN = gettext_lazy("would take in %(n)d households outside your township %(township)s")
# households within this distance of a group may join it (geo.SNAP_DISTANCE_M is 5 m)
_NEAR_DEG = 0.0001


def check_geometries(geoms, unreadable, report):
    """Polygons inside the county, repaired when invalid: (MultiPolygons, mask of refused)."""
    n = len(geoms)
    bad = unreadable.copy()
    types = shapely.get_type_id(geoms)
    field = str(GEOMETRY)
    for i in np.flatnonzero(~bad):
        if geoms[i] is None or shapely.is_empty(geoms[i]):
            report.error(int(i) + 1, field, ERR_NO_GEOMETRY, "feature")
            bad[i] = True
        elif types[i] not in (3, 6):  # Polygon, MultiPolygon
            found = geoms[i].geom_type
            message = ERR_GEOMETRY_TYPE % {"found": found, "expected": "Polygon/MultiPolygon"}
            report.error(int(i) + 1, field, message, "feature")
            bad[i] = True
    idx = np.flatnonzero(~bad)
    bounds = shapely.bounds(geoms[idx])  # before any repair: GEOS refuses infinite coordinates
    for xs, ys in ((bounds[:, 0], bounds[:, 1]), (bounds[:, 2], bounds[:, 3])):
        extent = settings.COUNTY_EXTENT
        bad[idx] |= check_extent(
            xs, ys, extent, report, idx + 1, "feature", skip=bad[idx], field=field
        )
    out = np.empty(n, dtype=object)
    for i in np.flatnonzero(~bad):
        g = _repaired(shapely.force_2d(geoms[i]), int(i) + 1, field, report)
        if g is None:
            bad[i] = True
        else:
            out[i] = g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g])
    return out, bad


def _repaired(g, feature, field, report):
    """`g`, or its make_valid repair (reported); None when there is no polygonal repair."""
    try:
        if shapely.is_valid(g):
            return g
        reason = shapely.is_valid_reason(g)
        fixed = _polygonal(shapely.make_valid(g))
    except GEOSException as exc:
        reason, fixed = str(exc), None
    if fixed is None or fixed.area <= 0:
        report.error(feature, field, ERR_UNREPAIRABLE % {"reason": reason}, "feature")
        return None
    report.warn(feature, field, WARN_REPAIRED % {"reason": reason}, "feature")
    return fixed


def _polygonal(g):
    parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    return shapely.MultiPolygon(polys) if polys else None


def kept_groups(gdf, bad) -> list[tuple[str, object]]:
    """(label, shapely geometry) of the existing groups this file does not replace."""
    ok = np.flatnonzero(~bad)
    replaced_codes = set(gdf["code"].iloc[ok]) - {""}
    replaced_names = set(zip(gdf["village_code"].iloc[ok], gdf["name"].iloc[ok], strict=True))
    return [
        (g.code or g.name, shapely.from_wkb(bytes(g.geom.wkb)))
        for g in VillageGroup.objects.select_related("village")
        if g.code not in replaced_codes and (g.village.code, g.name) not in replaced_names
    ]


def check_overlaps(geoms, bad, others, report, declared_crs, sliver_m) -> np.ndarray:
    """Reject groups overlapping each other, or existing groups not replaced by this file,
    by more than OVERLAP_TOLERANCE_M2 (measured in the plane they were drawn in: overlaps)."""
    ok = np.flatnonzero(~bad)
    new_bad = np.zeros(len(geoms), dtype=bool)
    if not len(ok):
        return new_bad
    mine = geoms[ok]
    kept = np.array([geom for _, geom in others], dtype=object)
    left, right = shapely.STRtree(mine).query(mine, predicate="intersects")
    pairs = [(b, a, int(ok[a]) + 1, ERR_OVERLAP) for a, b in zip(left, right, strict=True) if a < b]
    if len(kept):
        li, ri = shapely.STRtree(kept).query(mine, predicate="intersects")
        pairs += [(a, len(mine) + b, others[b][0], ERR_OVERLAP_DB) for a, b in zip(li, ri)]
    if not pairs:
        return new_bad
    meter = OverlapMeter(np.concatenate([mine, kept]), declared_crs)
    found = meter.measure(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    for (i, _j, other, message), overlap in zip(pairs, found, strict=True):
        feature = int(ok[i]) + 1
        if overlap.error:
            report.error(
                feature,
                str(GEOMETRY),
                ERR_OVERLAP_FAILED % {"other": other, "reason": overlap.error},
                "feature",
            )
            new_bad[ok[i]] = True
            continue
        args = {"other": other, "area": overlap.area_m2}
        if overlap.area_m2 > OVERLAP_TOLERANCE_M2 and overlap.width_m >= sliver_m:
            report.error(feature, str(GEOMETRY), message % args, "feature")
            new_bad[ok[i]] = True
        elif overlap.area_m2 > NEGLIGIBLE_M2:
            report.warn(feature, str(GEOMETRY), message % args, "feature")
    return new_bad


def check_takes_in(geoms, bad, others, township, report) -> np.ndarray:
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
            int(ok[i]) + 1, str(GEOMETRY), ERR_TAKES_IN % {"n": n, "township": label}, "feature"
        )
        new_bad[ok[i]] = True
    return new_bad
