"""Household import: check everything, then load in one transaction with COPY + upsert.

Files: CSV/XLSX with lon/lat columns (CRS from --crs), or any GDAL point layer.
Households join their village group by point-in-polygon (households.geo).
"""

import io
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.coords import to_wgs84
from households.geo import assign_to_groups
from households.models import Household, VillageGroup
from households.services import group_notes

from . import fields as F
from .checks import check_extent, check_required, point_columns
from .readers import (
    HOUSEHOLD_ALIASES,
    TABLE_SUFFIXES,
    VECTOR_SUFFIXES,
    ReadError,
    check_suffix,
    normalise_columns,
    read_table,
    read_vector,
)
from .report import ImportRejected, ImportReport

log = logging.getLogger(__name__)

CRS_CHOICES = ("EPSG:4326", "EPSG:4490", "gcj02", "bd09")
TEXT_FIELDS = ("head", "id_number", "phone", "address")
ERR_DUPLICATE_ID = gettext_lazy("duplicate household id %(id)r (first at row %(first)d)")
ERR_BLANK_ID = gettext_lazy("household id is empty")
WARN_SNAPPED = gettext_lazy("%(dist).1f m outside every group: joined the nearest, %(group)s")
WARN_UNGROUPED = gettext_lazy("outside every village group: kept without a group")
WARN_GROUP_CODE = gettext_lazy("group code %(given)s but the point lies in %(found)s")
_COLUMNS = (
    "external_id", "head", "members", "id_number", "phone", "address", "location", "group_id",
    "location_note", *Household.TAG_FIELDS, "civility_points",
)


def import_households(
    path: str | Path, *, crs: str | None = None, dry_run: bool = False,
    skip_rejected: bool = False, column_map: dict | None = None,
) -> ImportReport:
    """Check and load a household file. Raises ImportRejected (nothing written) on errors."""
    path = Path(path)
    started = time.perf_counter()
    report = ImportReport(kind=_("households"), source=path.name, dry_run=dry_run)
    try:
        check_suffix(path, TABLE_SUFFIXES | VECTOR_SUFFIXES)
        frame, lon, lat, first_row = _read(path, crs, report, column_map)
    except ReadError as exc:
        report.error(None, "", str(exc))
        raise ImportRejected(report) from exc
    if report.errors:  # file-level problems: missing columns, CRS, geometry type
        raise ImportRejected(report)
    report.rows = len(frame)
    values, bad_rows = _check_rows(frame, lon, lat, first_row, report)
    if bad_rows.any() and not skip_rejected:
        raise ImportRejected(report)
    keep = ~bad_rows
    report.rejected_rows = int(bad_rows.sum())
    values = {k: v[keep] for k, v in values.items()}
    rows = (np.arange(len(frame)) + first_row)[keep]
    _assign_groups(values, rows, report)
    report.stats["check_seconds"] = round(time.perf_counter() - started, 3)
    if not dry_run and len(values["external_id"]):
        with transaction.atomic():
            created, updated = _load(values)
        report.created, report.updated = created, updated
        report.unchanged = len(values["external_id"]) - created - updated
        report.applied = True
    report.stats["seconds"] = round(time.perf_counter() - started, 3)
    return report


def _read(path, crs, report, column_map):
    """Return the normalised frame, WGS84 lon/lat arrays and the first data row number."""
    if crs and crs.lower() not in {c.lower() for c in CRS_CHOICES}:
        raise ReadError(_("unknown --crs %(crs)s (use %(choices)s)") % {
            "crs": crs, "choices": ", ".join(CRS_CHOICES)})
    if path.suffix.lower() in TABLE_SUFFIXES:
        frame, first_row = read_table(path)
        frame, _unknown = normalise_columns(frame, HOUSEHOLD_ALIASES, column_map)
        if not check_required(frame, ("id", "lon", "lat"), report, HOUSEHOLD_ALIASES):
            return frame, None, None, first_row
        lon, bad_lon = F.parse_float(frame["lon"])
        lat, bad_lat = F.parse_float(frame["lat"])
        frame["_bad_lon"], frame["_bad_lat"] = bad_lon, bad_lat
        source_crs = crs or "EPSG:4326"
    else:
        gdf = read_vector(path)
        gdf, _unknown = normalise_columns(gdf, HOUSEHOLD_ALIASES, column_map)
        first_row = 1
        if not check_required(gdf, ("id",), report, HOUSEHOLD_ALIASES):
            return gdf, None, None, first_row
        lon, lat, ok = point_columns(gdf, report)
        if not ok:
            return gdf, None, None, first_row
        frame = pd.DataFrame(gdf.drop(columns="geometry")).astype(str)
        frame = frame.replace({"None": "", "nan": ""})
        frame["_bad_lon"], frame["_bad_lat"] = ~np.isfinite(lon), ~np.isfinite(lat)
        source_crs = crs or "EPSG:4326"  # already transformed from the file's CRS
        report.stats["vector"] = True
    for col in HOUSEHOLD_ALIASES:
        if col not in frame.columns:
            frame[col] = ""
    frame = frame.fillna("")
    lon = np.where(frame["_bad_lon"] | frame["_bad_lat"], np.nan, lon)
    lat = np.where(frame["_bad_lon"] | frame["_bad_lat"], np.nan, lat)
    if source_crs.lower() in {"gcj02", "bd09"}:
        lon, lat = to_wgs84(lon, lat, source_crs)
    report.stats["crs"] = source_crs
    return frame, lon, lat, first_row


def _check_rows(frame, lon, lat, first_row, report):
    """Per-row checks. Returns parsed column values and the mask of rejected rows."""
    where = "feature" if report.stats.get("vector") else "row"
    n = len(frame)
    bad = np.zeros(n, dtype=bool)

    def flag(mask, field, message_for):
        nonlocal bad
        for i in np.flatnonzero(mask):
            report.error(int(i) + first_row, field, message_for(i), where)
        bad |= mask

    ids = frame["id"].str.strip()
    flag((ids == "").to_numpy(), "id", lambda i: ERR_BLANK_ID)
    dup = ids.duplicated(keep="first").to_numpy() & (ids != "").to_numpy()
    if dup.any():
        first_at = {v: i for i, v in reversed(list(enumerate(ids)))}
        flag(dup, "id", lambda i: ERR_DUPLICATE_ID % {
            "id": ids.iloc[i], "first": first_at[ids.iloc[i]] + first_row})
    lon_field = "lon" if where == "row" else "geometry"
    lat_field = "lat" if where == "row" else "geometry"
    flag(frame["_bad_lon"].to_numpy(dtype=bool), lon_field,
         lambda i: F.ERR_NOT_NUMBER % {"value": frame["lon"].iloc[i]})
    flag(frame["_bad_lat"].to_numpy(dtype=bool) & ~frame["_bad_lon"].to_numpy(dtype=bool),
         lat_field, lambda i: F.ERR_NOT_NUMBER % {"value": frame["lat"].iloc[i]})
    bad |= check_extent(lon, lat, settings.COUNTY_EXTENT, report, np.arange(n) + first_row, where,
                        skip=bad)
    members, m_bad = F.parse_int(frame["members"], 1)
    m_bad |= members < 1
    flag(m_bad, "members", lambda i: F.ERR_NOT_INTEGER % {"value": frame["members"].iloc[i]})
    points, p_bad = F.parse_int(frame["civility_points"], 0)
    flag(p_bad, "civility_points",
         lambda i: F.ERR_NOT_INTEGER % {"value": frame["civility_points"].iloc[i]})
    idn_bad, idn_check = F.id_number_checks(frame["id_number"])
    flag(idn_bad, "id_number", lambda i: F.ERR_ID_NUMBER % {"value": frame["id_number"].iloc[i]})
    for i in np.flatnonzero(idn_check):
        report.warn(int(i) + first_row, "id_number", F.WARN_ID_CHECK, where)
    flag(F.phone_bad(frame["phone"]), "phone",
         lambda i: F.ERR_PHONE % {"value": frame["phone"].iloc[i]})
    values = {
        "external_id": ids.to_numpy(dtype=object), "members": members,
        "civility_points": points, "lon": lon, "lat": lat,
        "group_code": frame["group_code"].str.strip().to_numpy(dtype=object),
    }
    for col in TEXT_FIELDS:
        values[col] = frame[col].str.strip().to_numpy(dtype=object)
    for tag in Household.TAG_FIELDS:
        parsed, t_bad = F.parse_bool(frame[tag])
        flag(t_bad, tag, lambda i, tag=tag: F.ERR_NOT_BOOLEAN % {"value": frame[tag].iloc[i]})
        values[tag] = parsed
    return values, bad


def _assign_groups(values, rows, report):
    groups = list(VillageGroup.objects.order_by("code", "id").values_list("id", "code", "name", "geom"))
    geoms = np.array([shapely.from_wkb(bytes(g[3].wkb)) for g in groups], dtype=object)
    result = assign_to_groups(values["lon"], values["lat"], geoms)
    ids = np.array([g[0] for g in groups] + [None], dtype=object)
    labels = [g[1] or g[2] for g in groups] + [""]
    values["group_id"] = ids[result.group]
    notes = group_notes(result.snapped_m, result.group)
    where = "feature" if report.stats.get("vector") else "row"
    for i in np.flatnonzero(result.snapped_m > 0):
        report.warn(int(rows[i]), "", WARN_SNAPPED % {
            "dist": result.snapped_m[i], "group": labels[result.group[i]]}, where)
    outside = np.flatnonzero(result.group < 0)
    for i in outside:
        report.warn(int(rows[i]), "", WARN_UNGROUPED, where)
    given = values["group_code"]
    found = np.array(labels, dtype=object)[result.group]
    for i in np.flatnonzero((given != "") & (result.group >= 0) & (given != found)):
        report.warn(int(rows[i]), "group_code", WARN_GROUP_CODE % {"given": given[i], "found": found[i]}, where)
    values["location_note"] = notes
    report.stats.update(in_group=int((result.group >= 0).sum() - (result.snapped_m > 0).sum()),
                        snapped=int((result.snapped_m > 0).sum()), ungrouped=len(outside))


def _load(values) -> tuple[int, int]:
    """COPY into a temporary table, then upsert; returns (created, updated)."""
    n = len(values["external_id"])
    points = shapely.points(values["lon"], values["lat"])
    frame = pd.DataFrame({
        "external_id": values["external_id"], "head": values["head"],
        "members": values["members"], "id_number": values["id_number"],
        "phone": values["phone"], "address": values["address"],
        "location": shapely.to_wkb(shapely.set_srid(points, 4326), hex=True, include_srid=True),
        "group_id": pd.array(values["group_id"], dtype="Int64"),
        "location_note": values["location_note"],
        **{t: np.where(values[t], "t", "f") for t in Household.TAG_FIELDS},
        "civility_points": values["civility_points"],
    }, columns=list(_COLUMNS))
    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=False, na_rep="\\N")
    buf.seek(0)
    table = Household._meta.db_table
    cols = ", ".join(_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:])
    old = ", ".join(f"h.{c}" for c in _COLUMNS[1:])
    new = ", ".join(f"EXCLUDED.{c}" for c in _COLUMNS[1:])
    with connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE tmp_households ON COMMIT DROP AS "
            f"SELECT {cols} FROM {table} WITH NO DATA"
        )
        cur.copy_expert(
            f"COPY tmp_households ({cols}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf
        )
        cur.execute(
            f"INSERT INTO {table} AS h ({cols}, updated_at) "
            f"SELECT {cols}, now() FROM tmp_households "
            f"ON CONFLICT (external_id) DO UPDATE SET {updates}, updated_at = now() "
            f"WHERE ({old}) IS DISTINCT FROM ({new}) RETURNING (xmax = 0)"
        )
        flags = [row[0] for row in cur.fetchall()]
        cur.execute("DROP TABLE tmp_households")
    created = sum(flags)
    log.info("households: %d rows, %d created, %d updated", n, created, len(flags) - created)
    return created, len(flags) - created
