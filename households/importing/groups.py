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
from households.models import Household, Township, Village, VillageGroup
from households.pg import tables_analyze
from households.services import households_reassign_groups, villages_refresh_boundaries
from households.stamps import data_changed

from .checks import check_required, to_wgs84_frame
from .group_geometry import (
    SLIVER_WIDTH_M,
    check_geometries,
    check_overlaps,
    check_takes_in,
    kept_groups,
)
from .limits import check_lengths
from .overlaps import coordinate_step_m
from .readers import GROUP_ALIASES, VECTOR_SUFFIXES, ReadError, check_suffix, map_columns
from .report import ImportRejected, ImportReport, database_refusals
from .scope import township_label
from .vectors import read_vector

ERR_DUPLICATE_CODE = gettext_lazy("duplicate group code %(code)s (also feature %(other)d)")
ERR_DUPLICATE_NAME = gettext_lazy("duplicate group name %(name)s in village %(village)s")
ERR_REQUIRED = gettext_lazy("%(col)s is empty")
ERR_NAME_CONFLICT = gettext_lazy(
    "%(kind)s %(code)s is named %(old)r here but %(new)r in feature %(other)d"
)
ERR_NEW_VILLAGE = gettext_lazy("village %(code)s is new: %(columns)s are needed")
ERR_OUTSIDE_TOWNSHIP = gettext_lazy("outside your township %(township)s")


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
        table = read_vector(path)
        map_columns(table, GROUP_ALIASES, column_map)
    except ReadError as exc:
        report.error(exc.row, exc.field, str(exc))
        raise ImportRejected(report) from exc
    report.warnings += table.warnings
    if not check_required(table, ("name", "village_code"), report, GROUP_ALIASES):
        raise ImportRejected(report)
    declared = table.frame.crs
    gdf = to_wgs84_frame(table.frame, report)
    if gdf is None:
        raise ImportRejected(report)
    for col in GROUP_ALIASES:
        if col not in gdf.columns:
            gdf[col] = ""
        gdf[col] = gdf[col].fillna("").astype(str).str.strip()
    report.rows = len(gdf)
    report.errors += table.errors  # geometries GEOS could not build
    geoms, bad = check_geometries(gdf.geometry.values, table.bad, report)
    bad |= _check_attributes(gdf, table.labels, report)
    if township is not None:
        bad |= _check_township(gdf, table.labels, township, report)
    others = kept_groups(gdf, bad)
    step = coordinate_step_m(table.frame.geometry.values, degrees=declared.is_geographic)
    bad |= check_overlaps(geoms, bad, others, report, declared, max(SLIVER_WIDTH_M, step))
    if township is not None:
        bad |= check_takes_in(geoms, bad, others, township, report)
    if bad.any() and not skip_rejected:
        raise ImportRejected(report)
    report.rejected_rows = int(bad.sum())
    if not dry_run:
        with database_refusals(report), transaction.atomic():
            _load(gdf[~bad], geoms[~bad], report)
            if report.created or report.updated:
                tables_analyze(Township, Village, VillageGroup, Household)
                data_changed()  # townships, villages, groups and households regrouped
        report.applied = True
    report.stats["seconds"] = round(time.perf_counter() - started, 3)
    return report


def _check_attributes(gdf, labels, report) -> np.ndarray:
    n = len(gdf)
    bad = np.zeros(n, dtype=bool)

    def flag(mask, col, message_for):
        for i in np.flatnonzero(mask):
            report.error(int(i) + 1, labels[col], message_for(i), "feature")
        bad[mask] = True

    check_lengths(
        gdf,
        {"name": (VillageGroup, "name"), "village_name": (Village, "name")}
        | {"township_name": (Township, "name")},
        flag,
    )
    seen_codes, seen_names, names = {}, {}, {}
    existing = {v.code: v for v in Village.objects.select_related("township")}
    new_village = ", ".join(labels[c] for c in ("village_name", "township_code", "township_name"))
    for i, row in enumerate(gdf.itertuples(index=False)):
        feature = i + 1

        def fail(col, message, feature=feature, i=i):
            report.error(feature, labels[col], message, "feature")
            bad[i] = True

        if not row.name:
            fail("name", ERR_REQUIRED % {"col": labels["name"]})
        vcode = row.village_code
        message = code_error(
            labels["village_code"],
            vcode,
            VILLAGE_CODE_LEN,
            row.township_code or (existing[vcode].township.code if vcode in existing else None),
        )
        if message:
            fail("village_code", message)
            continue
        if row.township_code:
            message = code_error(
                labels["township_code"],
                row.township_code,
                TOWNSHIP_CODE_LEN,
                settings.COUNTY_CODE if settings.COUNTY_CODE else None,
            )
            if message:
                fail("township_code", message)
        elif vcode not in existing:
            fail("township_code", ERR_NEW_VILLAGE % {"code": vcode, "columns": new_village})
        if vcode not in existing and not (row.village_name and row.township_name):
            fail("village_name", ERR_NEW_VILLAGE % {"code": vcode, "columns": new_village})
        if row.code:
            message = code_error(labels["code"], row.code, GROUP_CODE_LEN, vcode)
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
            (_("village"), vcode, row.village_name),
            (_("township"), row.township_code, row.township_name),
        ):
            if code and name:
                other = names.setdefault((kind, code), (name, feature))
                if other[0] != name:
                    fail(
                        "village_name" if code == vcode else "township_name",
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


def _check_township(gdf, labels, township, report) -> np.ndarray:
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
        report.error(i + 1, labels[field], message, "feature")
        bad[i] = True
    return bad


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
