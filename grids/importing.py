"""Grid import: grid polygons (GeoPackage, zipped Shapefile, GeoJSON, KML) and the households'
grid and member area (any household file with those columns, such as a households export).

Checks before loading, each problem naming the feature or row and the field: grid codes
(15 digits, their village existing, each once), polygons (valid or repaired, inside the
county), grids overlapping each other or reaching out of their village by more than
10 m², assignments (the household exists, lies in the grid's village, is listed once; the
grid is in the grid file; a member-area number is a whole number from 1). Then one
transaction writes a new dated version of each village's grids (``version_create``, as a
partition or an edit does).
"""

import time
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids import selectors
from grids.models import Grid, GridAssignment, GridVersion, MemberArea
from grids.partitioning import utm_epsg
from grids.services import AreaSpec, GridSpec, version_create
from households.importing.checks import check_required, to_wgs84_frame
from households.importing.group_geometry import check_geometries
from households.importing.readers import (
    HOUSEHOLD_ALIASES,
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    ReadError,
    check_suffix,
    map_columns,
)
from households.importing.report import ImportRejected, ImportReport, database_refusals
from households.importing.tables import read_table
from households.importing.vectors import attributes_as_text, read_vector
from households.models import Household, Village
from households.pg import tables_analyze

GRID_ALIASES = {
    "code": ["code", "grid", "grid_code", "网格编码", "编码"],
    "locked": ["locked", "锁定"],
    "groups": ["groups", "group_codes", "村民小组"],
}
ASSIGNMENT_ALIASES = {
    "id": HOUSEHOLD_ALIASES["id"],
    "grid": ["grid", "grid_code", "网格编码"],
    "member_area": ["member_area", "联户编号", "联户"],
}
# Overlaps and overhangs below this are the rounding of shared borders, not errors (the
# group importer's own threshold, README "Importing data")
OVERLAP_M2 = 10.0

ERR_CODE = gettext_lazy("not a 15-digit grid code: %(value)r")
ERR_DUPLICATE = gettext_lazy("grid %(code)s is listed twice (also feature %(other)d)")
ERR_NO_VILLAGE = gettext_lazy("grid %(code)s: there is no village %(village)s")
ERR_OUTSIDE = gettext_lazy("grid %(code)s: outside your township")
ERR_OVERLAP = gettext_lazy("grid %(code)s overlaps grid %(other)s by %(area).0f m²")
ERR_OUT_OF_VILLAGE = gettext_lazy("grid %(code)s reaches %(area).0f m² outside its village")
ERR_HOUSEHOLD = gettext_lazy("no household %(id)r")
ERR_HOUSEHOLD_TWICE = gettext_lazy("household %(id)r is listed twice (first at row %(first)d)")
ERR_GRID_MISSING = gettext_lazy("grid %(code)s is not in the grid file")
ERR_OTHER_VILLAGE = gettext_lazy("household %(id)r lies in village %(village)s, not in %(code)s")
ERR_MEMBER = gettext_lazy("not a member-area number (1, 2, ...): %(value)r")
WARN_EMPTY_GRID = gettext_lazy("grid %(code)s has no household")


def import_grids(
    grids_path, assignments_path, *, dry_run: bool = False, township=None, user=None
) -> ImportReport:
    """Check and load grids and assignments. Raises ImportRejected (nothing written)."""
    started = time.perf_counter()
    grids_path, assignments_path = Path(grids_path), Path(assignments_path)
    report = ImportReport(kind=_("grids"), source=grids_path.name, dry_run=dry_run)
    try:
        check_suffix(grids_path, VECTOR_SUFFIXES)
        check_suffix(assignments_path, TABLE_SUFFIXES | VECTOR_SUFFIXES)
        grids = read_vector(grids_path)
        map_columns(grids, GRID_ALIASES)
        vector = assignments_path.suffix.lower() not in TABLE_SUFFIXES
        table = read_vector(assignments_path) if vector else read_table(assignments_path)
        map_columns(table, ASSIGNMENT_ALIASES)
    except ReadError as exc:
        report.error(exc.row, exc.field, str(exc))
        raise ImportRejected(report) from exc
    if not (
        check_required(grids, ("code",), report, GRID_ALIASES)
        and check_required(table, ("id", "grid"), report, ASSIGNMENT_ALIASES)
    ):
        raise ImportRejected(report)
    gdf = to_wgs84_frame(grids.frame, report)
    if gdf is None:
        raise ImportRejected(report)
    report.rows = len(gdf)
    report.errors += grids.errors
    geoms, bad = check_geometries(gdf.geometry.values, grids.bad, report)
    attrs = attributes_as_text(gdf).fillna("")
    codes = attrs["code"].str.strip().to_numpy(dtype=object)
    villages = _check_codes(codes, bad, grids.labels, township, report)
    _check_overlaps(codes, geoms, bad, villages, report)
    cells = attributes_as_text(table.frame) if vector else table.frame
    areas = _check_assignments(cells.fillna(""), table, set(codes[~bad]), villages, report)
    if report.errors:
        raise ImportRejected(report)
    for code in sorted(set(codes) - {c for c, _n in areas}):
        report.warn(None, grids.labels["code"], WARN_EMPTY_GRID % {"code": code})
    report.stats["check_seconds"] = round(time.perf_counter() - started, 3)
    if not dry_run:
        locked = attrs["locked"].to_numpy(dtype=object) if "locked" in attrs else None
        groups = attrs["groups"].to_numpy(dtype=object) if "groups" in attrs else None
        with database_refusals(report), transaction.atomic():
            versions = _load(codes, geoms, locked, groups, areas, villages, user)
            tables_analyze(GridVersion, Grid, MemberArea, GridAssignment)
        report.created = sum(v.grids.count() for v in versions)
        report.applied = True
    report.stats["seconds"] = round(time.perf_counter() - started, 3)
    return report


def _check_codes(codes, bad, labels, township, report) -> dict[str, Village]:
    field = labels["code"]
    villages = {v.code: v for v in Village.objects.filter(code__in={c[:12] for c in codes})}
    seen = {}
    for i, code in enumerate(codes):
        feature = i + 1
        if not (len(code) == 15 and code.isdigit()):
            report.error(feature, field, ERR_CODE % {"value": code}, "feature")
        elif code in seen:
            report.error(
                feature, field, ERR_DUPLICATE % {"code": code, "other": seen[code]}, "feature"
            )
        elif code[:12] not in villages:
            report.error(
                feature, field, ERR_NO_VILLAGE % {"code": code, "village": code[:12]}, "feature"
            )
        elif township is not None and villages[code[:12]].township_id != township.pk:
            report.error(feature, field, ERR_OUTSIDE % {"code": code}, "feature")
        else:
            seen[code] = feature
            continue
        bad[i] = True
    return villages


def _metric(geoms, crs=None):
    """The polygons in a metric CRS (the partitioner's UTM rule for their extent unless
    given), to measure m²."""
    frame = gpd.GeoSeries(list(geoms), crs=4326)
    crs = crs or f"EPSG:{utm_epsg(frame.total_bounds)}"
    return frame.to_crs(crs).values, crs


def _check_overlaps(codes, geoms, bad, villages, report) -> None:
    idx = np.flatnonzero(~bad)
    if not len(idx):
        return
    metric, utm = _metric(geoms[idx])
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="intersects")
    for a, b in zip(left, right):
        if a < b:
            area = shapely.area(shapely.intersection(metric[a], metric[b]))
            if area > OVERLAP_M2:
                i = int(idx[a])
                other = codes[idx[b]]
                message = ERR_OVERLAP % {"code": codes[i], "other": other, "area": area}
                report.error(i + 1, "", message, "feature")
    boundaries = [villages[codes[i][:12]].boundary for i in idx]
    outlines = [shapely.from_wkb(bytes(b.wkb)) if b else None for b in boundaries]
    known = [k for k, o in enumerate(outlines) if o is not None]
    if not known:
        return
    village_m, _crs = _metric([outlines[k] for k in known], utm)
    for k, village in zip(known, village_m):
        outside = shapely.area(shapely.difference(metric[k], village))
        if outside > OVERLAP_M2:
            i = int(idx[k])
            report.error(
                i + 1, "", ERR_OUT_OF_VILLAGE % {"code": codes[i], "area": outside}, "feature"
            )


def _check_assignments(frame: pd.DataFrame, table, grid_codes, villages, report) -> dict:
    """(grid code, member-area number or 0) -> household pks, checking every row."""
    labels, rows, where = table.labels, table.rows, table.where
    frame = frame.apply(lambda col: col.astype(str).str.strip())
    listed = frame[frame["grid"] != ""]
    ids = listed["id"].tolist()
    households = Household.objects.filter(external_id__in=ids)
    found = dict(households.values_list("external_id", "pk"))
    village_of = dict(households.values_list("external_id", "group__village__code"))
    areas, first = defaultdict(list), {}
    member_col = (
        listed["member_area"] if "member_area" in listed else pd.Series("", index=listed.index)
    )
    for pos, (hid, code, member) in zip(listed.index, zip(ids, listed["grid"], member_col)):
        row = int(rows[pos])
        if hid not in found:
            report.error(row, labels["id"], ERR_HOUSEHOLD % {"id": hid}, where)
        elif hid in first:
            report.error(
                row, labels["id"], ERR_HOUSEHOLD_TWICE % {"id": hid, "first": first[hid]}, where
            )
        elif code not in grid_codes:
            report.error(row, labels["grid"], ERR_GRID_MISSING % {"code": code}, where)
        elif village_of.get(hid) != code[:12]:
            village = village_of.get(hid) or "—"
            report.error(
                row,
                labels["id"],
                ERR_OTHER_VILLAGE % {"id": hid, "village": village, "code": code},
                where,
            )
        elif member and not (member.isdigit() and 0 < int(member) < 1000):
            report.error(row, labels["member_area"], ERR_MEMBER % {"value": member}, where)
        else:
            first[hid] = row
            areas[(code, int(member) if member else 0)].append(found[hid])
    return areas


def _load(codes, geoms, locked, groups, areas, villages, user) -> list[GridVersion]:
    by_village = defaultdict(list)
    for i, code in enumerate(codes):
        numbers = sorted(n for c, n in areas if c == code)
        by_village[code[:12]].append(
            GridSpec(
                code=code,
                geom=GEOSGeometry(memoryview(shapely.to_wkb(geoms[i])), srid=4326),
                areas=[AreaSpec(n, areas[(code, n)]) for n in numbers],
                locked=locked is not None and str(locked[i]).lower() in ("1", "true", "是"),
                group_codes=str(groups[i]) if groups is not None else "",
            )
        )
    versions = []
    now = None
    for village in Village.objects.select_for_update().filter(code__in=by_village).order_by("pk"):
        current = selectors.version_current(village)
        versions.append(
            version_create(
                village,
                current,
                by_village[village.code],
                source=GridVersion.Source.IMPORT,
                user=user,
                now=now,
                note=_("Imported from a file"),
            )
        )
    return versions
