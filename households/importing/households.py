"""Household import: check everything, then load in one transaction with COPY + upsert.

Files: CSV/XLSX with lon/lat columns (CRS from --crs), or any GDAL point layer.
Households join their village group by point-in-polygon (households.geo).
"""

import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.coords import to_wgs84
from households.geo import GroupAssignment, assign_to_groups
from households.models import Household, Township
from households.pg import tables_analyze
from households.services import group_notes, group_polygons
from households.stamps import data_changed

from . import fields as F
from .checks import ERR_NO_GEOMETRY, check_extent, check_required, point_columns
from .limits import check_lengths, check_range, field_limits
from .load import TEXT_FIELDS, households_load
from .readers import (
    GEOMETRY,
    HOUSEHOLD_ALIASES,
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    ReadError,
    check_suffix,
    map_columns,
    strip_cells,
)
from .report import ImportRejected, ImportReport, database_refusals
from .scope import households_moved, households_outside, township_group_ids, township_label
from .tables import read_table
from .vectors import attributes_as_text, read_vector

CRS_CHOICES = ("EPSG:4326", "EPSG:4490", "gcj02", "bd09")
ERR_DUPLICATE_ID = gettext_lazy("duplicate household id %(id)r (first at row %(first)d)")
ERR_BLANK_ID = gettext_lazy("household id is empty")
WARN_SNAPPED = gettext_lazy("%(dist).1f m outside every group: joined the nearest, %(group)s")
WARN_UNGROUPED = gettext_lazy("outside every village group: kept without a group")
WARN_GROUP_CODE = gettext_lazy("group code %(given)s but the point lies in %(found)s")
WARN_MOVED = gettext_lazy("household %(id)r of %(old)s moves to %(new)s and is overwritten")
ERR_OUTSIDE_TOWNSHIP = gettext_lazy(
    "the point lies outside the village groups of your township %(township)s"
)
ERR_ID_OUTSIDE_TOWNSHIP = gettext_lazy(
    "household id %(id)r is a household outside your township %(township)s"
)
# the text columns and the model fields whose max_length bounds them (an ID number's
# length is checked with its format)
_LENGTHS = {"id": "external_id", "head": "head", "phone": "phone", "address": "address"}


def import_households(
    path: str | Path,
    *,
    crs: str | None = None,
    dry_run: bool = False,
    skip_rejected: bool = False,
    column_map: dict | None = None,
    township: Township | None = None,
) -> ImportReport:
    """Check and load a household file. Raises ImportRejected (nothing written) on errors.

    With `township` (township staff), every point must lie in (or snap to) a group of that
    township, and no row may carry the id of a household of another township or of none.
    Without it (the command line, county administrators), a household that moves to
    another township is warned about.
    """
    path = Path(path)
    started = time.perf_counter()
    report = ImportReport(kind=_("households"), source=path.name, dry_run=dry_run)
    try:
        check_suffix(path, TABLE_SUFFIXES | VECTOR_SUFFIXES)
        table, lon, lat = _read(path, crs, report, column_map)
    except ReadError as exc:
        report.error(exc.row, exc.field, str(exc))
        raise ImportRejected(report) from exc
    if report.errors:  # file-level problems: missing columns, CRS, geometry type
        raise ImportRejected(report)
    report.rows = len(table.frame)
    values, bad_rows = _check_rows(table, lon, lat, report)
    groups = group_polygons()
    located = _locate(values, ~bad_rows, groups[2])
    if township is not None:
        bad_rows |= _check_township(values, table, bad_rows, located, groups[0], township, report)
    else:
        _warn_moves(values, table, bad_rows, located, groups[0], report)
    if bad_rows.any() and not skip_rejected:
        raise ImportRejected(report)
    keep = ~bad_rows
    report.rejected_rows = int(bad_rows.sum())
    values = {k: v[keep] for k, v in values.items()}
    rows = table.rows[keep]
    _assign_groups(
        values,
        rows,
        table,
        report,
        groups,
        GroupAssignment(located.group[keep], located.snapped_m[keep]),
    )
    report.stats["check_seconds"] = round(time.perf_counter() - started, 3)
    if not dry_run and len(values["external_id"]):
        with database_refusals(report), transaction.atomic():
            created, updated = households_load(values)
            if created or updated:
                tables_analyze(Household)
                data_changed()  # households of any township, or of none
        report.created, report.updated = created, updated
        report.unchanged = len(values["external_id"]) - created - updated
        report.applied = True
    report.stats["seconds"] = round(time.perf_counter() - started, 3)
    return report


def _read(path, crs, report, column_map):
    """The table (columns normalised) and its WGS84 lon/lat arrays (None on file errors)."""
    if crs and crs.lower() not in {c.lower() for c in CRS_CHOICES}:
        raise ReadError(
            _("unknown --crs %(crs)s (use %(choices)s)")
            % {"crs": crs, "choices": ", ".join(CRS_CHOICES)}
        )
    vector = path.suffix.lower() not in TABLE_SUFFIXES
    table = read_vector(path) if vector else read_table(path)
    map_columns(table, HOUSEHOLD_ALIASES, column_map)
    report.warnings += table.warnings
    frame = table.frame
    if not check_required(
        table, ("id",) if vector else ("id", "lon", "lat"), report, HOUSEHOLD_ALIASES
    ):
        return table, None, None
    if vector:
        lon, lat, multi = point_columns(frame, report)
        if lon is None:
            return table, None, None
        frame = strip_cells(attributes_as_text(frame))
        frame["_no_point"] = ~np.isfinite(lon) | ~np.isfinite(lat)
        frame["_bad_lon"] = frame["_bad_lat"] = multi
        report.stats["vector"] = True
    else:
        lon, bad_lon = F.parse_float(frame["lon"])
        lat, bad_lat = F.parse_float(frame["lat"])
        frame["_bad_lon"], frame["_bad_lat"] = bad_lon, bad_lat
        frame["_no_point"] = False
    for col in HOUSEHOLD_ALIASES:
        if col not in frame.columns:
            frame[col] = ""
    frame = frame.fillna("")
    unusable = (frame["_bad_lon"] | frame["_bad_lat"] | frame["_no_point"]).to_numpy()
    lon, lat = np.where(unusable, np.nan, lon), np.where(unusable, np.nan, lat)
    source_crs = crs or "EPSG:4326"  # a vector file is already transformed from its own CRS
    if source_crs.lower() in {"gcj02", "bd09"}:
        lon, lat = to_wgs84(lon, lat, source_crs)
    report.stats["crs"] = source_crs
    table.frame = frame
    return table, lon, lat


def _check_rows(table, lon, lat, report):
    """Per-row checks. Returns parsed column values and the mask of rejected rows."""
    frame, file_rows, where, labels = table.frame, table.rows, table.where, table.labels
    report.errors += table.errors  # cells the reader could not read (formulas, geometries)
    bad = table.bad.copy()

    def flag(mask, col, message_for, field=None):
        nonlocal bad
        for i in np.flatnonzero(mask):
            report.error(int(file_rows[i]), field or labels[col], message_for(i), where)
        bad |= mask

    ids = frame["id"]
    flag((ids == "").to_numpy(), "id", lambda i: ERR_BLANK_ID)
    dup = ids.duplicated(keep="first").to_numpy() & (ids != "").to_numpy()
    if dup.any():
        first_at = {v: i for i, v in reversed(list(enumerate(ids)))}
        flag(
            dup,
            "id",
            lambda i: (
                ERR_DUPLICATE_ID
                % {"id": ids.iloc[i], "first": int(file_rows[first_at[ids.iloc[i]]])}
            ),
        )
    too_long = check_lengths(frame, {c: (Household, f) for c, f in _LENGTHS.items()}, flag)
    if where == "feature":
        no_point = frame["_no_point"].to_numpy(dtype=bool) & ~table.bad
        flag(no_point, "", lambda i: ERR_NO_GEOMETRY, str(GEOMETRY))
    else:
        bad_lon = frame["_bad_lon"].to_numpy(dtype=bool)
        flag(bad_lon, "lon", lambda i: F.ERR_NOT_NUMBER % {"value": frame["lon"].iloc[i]})
        flag(
            frame["_bad_lat"].to_numpy(dtype=bool) & ~bad_lon,
            "lat",
            lambda i: F.ERR_NOT_NUMBER % {"value": frame["lat"].iloc[i]},
        )
    bad |= frame["_bad_lon"].to_numpy(dtype=bool)  # MultiPoints, reported by point_columns
    field = labels["lon"] if where == "row" else str(GEOMETRY)
    extent = settings.COUNTY_EXTENT
    bad |= check_extent(lon, lat, extent, report, file_rows, where, skip=bad, field=field)
    values = {"lon": lon, "lat": lat}
    for col, default in (("members", 1), ("civility_points", 0)):
        number, n_bad = F.parse_int(frame[col], default)
        flag(n_bad, col, lambda i, col=col: F.ERR_NOT_INTEGER % {"value": frame[col].iloc[i]})
        limits = field_limits(Household, col)
        check_range(number, n_bad, limits, frame[col], flag, col)
        values[col] = np.clip(number, limits.min_value, limits.max_value).astype(np.int64)
    idn_bad, idn_check = F.id_number_checks(frame["id_number"])
    flag(idn_bad, "id_number", lambda i: F.ERR_ID_NUMBER % {"value": frame["id_number"].iloc[i]})
    for i in np.flatnonzero(idn_check):
        report.warn(int(file_rows[i]), labels["id_number"], F.WARN_ID_CHECK, where)
    flag(
        F.phone_bad(frame["phone"]) & ~too_long["phone"],
        "phone",
        lambda i: F.ERR_PHONE % {"value": frame["phone"].iloc[i]},
    )
    values["external_id"] = ids.to_numpy(dtype=object)
    values["group_code"] = frame["group_code"].to_numpy(dtype=object)
    for col in TEXT_FIELDS:
        values[col] = frame[col].to_numpy(dtype=object)
    for tag in Household.TAG_FIELDS:
        parsed, t_bad = F.parse_bool(frame[tag])
        flag(t_bad, tag, lambda i, tag=tag: F.ERR_NOT_BOOLEAN % {"value": frame[tag].iloc[i]})
        values[tag] = parsed
    return values, bad


def _locate(values, ok, geoms) -> GroupAssignment:
    """The group (index into `geoms`, -1: none) and snap distance of each row; rows not
    `ok` (unparsable points) are left without a group."""
    group = np.full(len(ok), -1, dtype=np.int64)
    snapped = np.zeros(len(ok), dtype=float)
    result = assign_to_groups(values["lon"][ok], values["lat"][ok], geoms)
    group[ok], snapped[ok] = result.group, result.snapped_m
    return GroupAssignment(group, snapped)


def _check_township(values, table, bad, located, group_ids, township, report):
    """Rows outside the township: a point in no group of it, or the id of a household of
    another township (or of no group), which township staff may not overwrite."""
    label = township_label(township)
    mine = np.isin(np.array([*group_ids, -1])[located.group], list(township_group_ids(township)))
    outside = ~bad & ~mine
    for i in np.flatnonzero(outside):
        report.error(
            int(table.rows[i]), "", ERR_OUTSIDE_TOWNSHIP % {"township": label}, table.where
        )
    ids = values["external_id"]
    taken = households_outside(township, ids[ids != ""])
    foreign = np.isin(ids, list(taken)) if taken else np.zeros(len(ids), dtype=bool)
    for i in np.flatnonzero(foreign):
        report.error(
            int(table.rows[i]),
            table.labels["id"],
            ERR_ID_OUTSIDE_TOWNSHIP % {"id": ids[i], "township": label},
            table.where,
        )
    return outside | foreign


def _warn_moves(values, table, bad, located, group_ids, report) -> None:
    """Warn about each household of one township that the file puts in another."""
    ok = np.flatnonzero(~bad)
    new_groups = np.array([*group_ids, None], dtype=object)[located.group[ok]]
    for i, old, new in households_moved(values["external_id"][ok], new_groups):
        report.warn(
            int(table.rows[ok[i]]),
            table.labels["id"],
            WARN_MOVED % {"id": values["external_id"][ok[i]], "old": old, "new": new},
            table.where,
        )


def _assign_groups(values, rows, table, report, groups, result):
    where = table.where
    group_ids, labels, _geoms = groups
    ids = np.array([*group_ids, None], dtype=object)
    labels = [*labels, ""]
    values["group_id"] = ids[result.group]
    notes = group_notes(result.snapped_m, result.group)
    for i in np.flatnonzero(result.snapped_m > 0):
        report.warn(
            int(rows[i]),
            "",
            WARN_SNAPPED % {"dist": result.snapped_m[i], "group": labels[result.group[i]]},
            where,
        )
    outside = np.flatnonzero(result.group < 0)
    for i in outside:
        report.warn(int(rows[i]), "", WARN_UNGROUPED, where)
    given = values["group_code"]
    found = np.array(labels, dtype=object)[result.group]
    for i in np.flatnonzero((given != "") & (result.group >= 0) & (given != found)):
        report.warn(
            int(rows[i]),
            table.labels["group_code"],
            WARN_GROUP_CODE % {"given": given[i], "found": found[i]},
            where,
        )
    values["location_note"] = notes
    report.stats.update(
        in_group=int((result.group >= 0).sum() - (result.snapped_m > 0).sum()),
        snapped=int((result.snapped_m > 0).sum()),
        ungrouped=len(outside),
    )
