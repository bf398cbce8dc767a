"""Household import: check everything, then load in one transaction with COPY + upsert.

Files: CSV/XLSX with lon/lat columns (CRS from --crs), or any GDAL point layer.
Households join their village group by point-in-polygon (households.geo).
"""

import io
import itertools
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.coords import to_wgs84
from households.db import copy_in
from households.geo import GroupAssignment, assign_to_groups
from households.models import Household, Township
from households.services import group_notes, group_polygons

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
    strip_cells,
)
from .report import ImportRejected, ImportReport
from .scope import households_outside, township_group_ids, township_label

log = logging.getLogger(__name__)

CRS_CHOICES = ("EPSG:4326", "EPSG:4490", "gcj02", "bd09")
TEXT_FIELDS = ("head", "id_number", "phone", "address")
ERR_DUPLICATE_ID = gettext_lazy("duplicate household id %(id)r (first at row %(first)d)")
ERR_BLANK_ID = gettext_lazy("household id is empty")
WARN_SNAPPED = gettext_lazy("%(dist).1f m outside every group: joined the nearest, %(group)s")
WARN_UNGROUPED = gettext_lazy("outside every village group: kept without a group")
WARN_GROUP_CODE = gettext_lazy("group code %(given)s but the point lies in %(found)s")
ERR_OUTSIDE_TOWNSHIP = gettext_lazy(
    "the point lies outside the village groups of your township %(township)s"
)
ERR_ID_OUTSIDE_TOWNSHIP = gettext_lazy(
    "household id %(id)r is a household outside your township %(township)s"
)
_COLUMNS = (
    "external_id",
    "head",
    "members",
    "id_number",
    "phone",
    "address",
    "location",
    "group_id",
    "location_note",
    *Household.TAG_FIELDS,
    "civility_points",
)
# COPY's text format: \N is NULL (only group_id has any); backslash, tab, newline and
# carriage return inside a value are escaped (_copy_escape), so a cell reading \N stays text
_COPY_OPTIONS = "FORMAT text"
COPY_CHUNK = 1 << 18  # characters handed to COPY per read


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
    """
    path = Path(path)
    started = time.perf_counter()
    report = ImportReport(kind=_("households"), source=path.name, dry_run=dry_run)
    try:
        check_suffix(path, TABLE_SUFFIXES | VECTOR_SUFFIXES)
        frame, lon, lat, file_rows = _read(path, crs, report, column_map)
    except ReadError as exc:
        report.error(None, "", str(exc))
        raise ImportRejected(report) from exc
    if report.errors:  # file-level problems: missing columns, CRS, geometry type
        raise ImportRejected(report)
    report.rows = len(frame)
    values, bad_rows = _check_rows(frame, lon, lat, file_rows, report)
    groups = group_polygons()
    located = _locate(values, ~bad_rows, groups[2])
    if township is not None:
        bad_rows |= _check_township(
            values, file_rows, bad_rows, located, groups[0], township, report
        )
    if bad_rows.any() and not skip_rejected:
        raise ImportRejected(report)
    keep = ~bad_rows
    report.rejected_rows = int(bad_rows.sum())
    values = {k: v[keep] for k, v in values.items()}
    rows = file_rows[keep]
    _assign_groups(
        values, rows, report, groups, GroupAssignment(located.group[keep], located.snapped_m[keep])
    )
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
    """Return the normalised frame, WGS84 lon/lat arrays and the file row of each record."""
    if crs and crs.lower() not in {c.lower() for c in CRS_CHOICES}:
        raise ReadError(
            _("unknown --crs %(crs)s (use %(choices)s)")
            % {"crs": crs, "choices": ", ".join(CRS_CHOICES)}
        )
    if path.suffix.lower() in TABLE_SUFFIXES:
        frame, file_rows = read_table(path)
        frame, _unknown = normalise_columns(frame, HOUSEHOLD_ALIASES, column_map)
        if not check_required(frame, ("id", "lon", "lat"), report, HOUSEHOLD_ALIASES):
            return frame, None, None, file_rows
        lon, bad_lon = F.parse_float(frame["lon"])
        lat, bad_lat = F.parse_float(frame["lat"])
        frame["_bad_lon"], frame["_bad_lat"] = bad_lon, bad_lat
        source_crs = crs or "EPSG:4326"
    else:
        gdf = read_vector(path)
        gdf, _unknown = normalise_columns(gdf, HOUSEHOLD_ALIASES, column_map)
        file_rows = np.arange(len(gdf)) + 1  # feature numbers
        if not check_required(gdf, ("id",), report, HOUSEHOLD_ALIASES):
            return gdf, None, None, file_rows
        lon, lat, ok = point_columns(gdf, report)
        if not ok:
            return gdf, None, None, file_rows
        frame = strip_cells(_as_text(pd.DataFrame(gdf.drop(columns="geometry"))))
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
    return frame, lon, lat, file_rows


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Attribute columns of a vector layer as text: whole floats without '.0', nulls empty."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_float_dtype(values):
            whole = values.notna() & (values == values.round())
            text = values.astype(str).where(~whole, values.round().astype("Int64").astype(str))
            values = text.where(values.notna(), "")
        elif pd.api.types.is_bool_dtype(values):
            values = values.map({True: "1", False: "0"})
        else:
            values = values.astype(object).where(values.notna(), "").astype(str)
        out[col] = values
    return pd.DataFrame(out, index=frame.index)


def _check_rows(frame, lon, lat, file_rows, report):
    """Per-row checks. Returns parsed column values and the mask of rejected rows."""
    where = "feature" if report.stats.get("vector") else "row"
    n = len(frame)
    bad = np.zeros(n, dtype=bool)

    def flag(mask, field, message_for):
        nonlocal bad
        for i in np.flatnonzero(mask):
            report.error(int(file_rows[i]), field, message_for(i), where)
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
    lon_field = "lon" if where == "row" else "geometry"
    lat_field = "lat" if where == "row" else "geometry"
    flag(
        frame["_bad_lon"].to_numpy(dtype=bool),
        lon_field,
        lambda i: F.ERR_NOT_NUMBER % {"value": frame["lon"].iloc[i]},
    )
    flag(
        frame["_bad_lat"].to_numpy(dtype=bool) & ~frame["_bad_lon"].to_numpy(dtype=bool),
        lat_field,
        lambda i: F.ERR_NOT_NUMBER % {"value": frame["lat"].iloc[i]},
    )
    bad |= check_extent(lon, lat, settings.COUNTY_EXTENT, report, file_rows, where, skip=bad)
    members, m_bad = F.parse_int(frame["members"], 1)
    m_bad |= members < 1
    flag(m_bad, "members", lambda i: F.ERR_NOT_INTEGER % {"value": frame["members"].iloc[i]})
    points, p_bad = F.parse_int(frame["civility_points"], 0)
    flag(
        p_bad,
        "civility_points",
        lambda i: F.ERR_NOT_INTEGER % {"value": frame["civility_points"].iloc[i]},
    )
    idn_bad, idn_check = F.id_number_checks(frame["id_number"])
    flag(idn_bad, "id_number", lambda i: F.ERR_ID_NUMBER % {"value": frame["id_number"].iloc[i]})
    for i in np.flatnonzero(idn_check):
        report.warn(int(file_rows[i]), "id_number", F.WARN_ID_CHECK, where)
    flag(
        F.phone_bad(frame["phone"]),
        "phone",
        lambda i: F.ERR_PHONE % {"value": frame["phone"].iloc[i]},
    )
    values = {
        "external_id": ids.to_numpy(dtype=object),
        "members": members,
        "civility_points": points,
        "lon": lon,
        "lat": lat,
        "group_code": frame["group_code"].to_numpy(dtype=object),
    }
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


def _check_township(values, file_rows, bad, located, group_ids, township, report):
    """Rows outside the township: a point in no group of it, or the id of a household of
    another township (or of no group), which township staff may not overwrite."""
    where = "feature" if report.stats.get("vector") else "row"
    label = township_label(township)
    mine = np.isin(np.array([*group_ids, -1])[located.group], list(township_group_ids(township)))
    outside = ~bad & ~mine
    for i in np.flatnonzero(outside):
        report.error(int(file_rows[i]), "", ERR_OUTSIDE_TOWNSHIP % {"township": label}, where)
    ids = values["external_id"]
    taken = households_outside(township, ids[ids != ""])
    foreign = np.isin(ids, list(taken)) if taken else np.zeros(len(ids), dtype=bool)
    for i in np.flatnonzero(foreign):
        report.error(
            int(file_rows[i]),
            "id",
            ERR_ID_OUTSIDE_TOWNSHIP % {"id": ids[i], "township": label},
            where,
        )
    return outside | foreign


def _assign_groups(values, rows, report, groups, result):
    group_ids, labels, _geoms = groups
    ids = np.array([*group_ids, None], dtype=object)
    labels = [*labels, ""]
    values["group_id"] = ids[result.group]
    notes = group_notes(result.snapped_m, result.group)
    where = "feature" if report.stats.get("vector") else "row"
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
            "group_code",
            WARN_GROUP_CODE % {"given": given[i], "found": found[i]},
            where,
        )
    values["location_note"] = notes
    report.stats.update(
        in_group=int((result.group >= 0).sum() - (result.snapped_m > 0).sum()),
        snapped=int((result.snapped_m > 0).sum()),
        ungrouped=len(outside),
    )


def _load(values) -> tuple[int, int]:
    """Upsert by external id; returns (created, updated).

    New households are COPYed straight into the table. Households already there go through
    a temporary table and are updated only where a value differs, so a re-import touches
    nothing, updated_at included. (INSERT ... ON CONFLICT took twice as long: every row is
    a speculative insertion.) The table is locked against other writers (SHARE ROW
    EXCLUSIVE; readers go on) so that the rows found new stay new until commit.
    """
    table = Household._meta.db_table
    ids = values["external_id"]
    stamp = timezone.now()  # like auto_now: the time of the write, not of the transaction
    cols = ", ".join(_COLUMNS)
    with connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute(f"SELECT count(*) FROM {table}")
        in_table = cur.fetchone()[0]
        if in_table:
            cur.execute(f"SELECT external_id FROM {table} WHERE external_id = ANY(%s)", [list(ids)])
            existing = pd.Series(ids).isin({row[0] for row in cur.fetchall()}).to_numpy()
        else:  # a county's first import
            existing = np.zeros(len(ids), dtype=bool)
        created = int((~existing).sum())
        if created:
            rebuild = _bulk_drop(cur, table, created, in_table)
            copy_in(
                cur,
                f"COPY {table} ({cols}, updated_at) FROM STDIN WITH ({_COPY_OPTIONS})",
                _copy_rows(values, ~existing, stamp),
                COPY_CHUNK,
            )
            for statement in rebuild:
                cur.execute(statement)
            if rebuild:
                cur.execute("SET CONSTRAINTS ALL DEFERRED")
        updated = 0
        if existing.any():
            old = ", ".join(f"h.{c}" for c in _COLUMNS[1:])
            new = ", ".join(f"t.{c}" for c in _COLUMNS[1:])
            cur.execute(
                f"CREATE TEMP TABLE tmp_households ON COMMIT DROP AS "
                f"SELECT {cols} FROM {table} WITH NO DATA"
            )
            copy_in(
                cur,
                f"COPY tmp_households ({cols}) FROM STDIN WITH ({_COPY_OPTIONS})",
                _copy_rows(values, existing),
                COPY_CHUNK,
            )
            cur.execute(
                f"UPDATE {table} h SET ({', '.join(_COLUMNS[1:])}, updated_at) = ({new}, %s) "
                f"FROM tmp_households t WHERE h.external_id = t.external_id "
                f"AND ({old}) IS DISTINCT FROM ({new})",
                [stamp],
            )
            updated = cur.rowcount
            cur.execute("DROP TABLE tmp_households")
    log.info("households: %d rows, %d created, %d updated", len(ids), created, updated)
    return created, updated


# A load that at least doubles the table (a county's first import) drops the spatial and
# group indexes, the unique constraint on external_id, the CHECK constraints and the
# foreign key to the village group, and restores them once afterwards (each a single pass
# over the table): maintaining a GiST index row by row cost more than the COPY itself, the
# per-row unique and CHECK work another ~2 s of a 200k import (0.8 s and 1.1 s; re-adding
# them takes 0.1 s each), and the foreign key's per-row trigger 0.65 s of the COPY's 1.2 s
# (re-adding it: one join, 0.03 s; bench/import_bench.py). Re-adding validates every row,
# inside the same transaction, so a violation still rolls the whole import back. The drops
# take an exclusive lock until commit (the foreign key's on the group table too, and only
# if that table is free at once: see _lock_now), so smaller, everyday imports keep them
# all and readers go on.
BULK_REBUILD_MIN_ROWS = 20_000


def _lock_now(cur, table: str) -> bool:
    """Take the lock dropping a foreign key needs on the table it references (ACCESS
    EXCLUSIVE) only if it is free now: a group import holding the group table and waiting
    for the household table would otherwise deadlock with this import. If it is busy the
    foreign key stays (checked row by row, as in a small import)."""
    try:
        with transaction.atomic():  # a savepoint: a refused lock leaves the import going
            cur.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE NOWAIT")
    except OperationalError:
        log.info("households: %s is in use, its foreign key is kept during the load", table)
        return False
    return True


def _bulk_drop(cur, table: str, created: int, in_table: int) -> list[str]:
    """Before a bulk COPY, drop what is cheaper to rebuild; returns the statements that
    restore it."""
    if created < max(BULK_REBUILD_MIN_ROWS, in_table):
        return []
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
        "AND (indexdef ILIKE '%%USING gist%%' OR indexdef ILIKE '%%(group_id)%%')",
        [table],
    )
    indexes = cur.fetchall()
    cur.execute(
        "SELECT conname, pg_get_constraintdef(oid), confrelid::regclass::text "
        "FROM pg_constraint "
        # validated ones only: one added NOT VALID would come back NOT VALID, and the rows
        # copied meanwhile would escape it
        "WHERE conrelid = %s::regclass AND contype IN ('c', 'u', 'f') AND convalidated "
        "ORDER BY conname",
        [table],
    )
    constraints = [
        (name, definition)
        for name, definition, referenced in cur.fetchall()
        if referenced == "-" or _lock_now(cur, referenced)
    ]
    # foreign keys checked at the end of the COPY, not at commit: an index cannot be built
    # while checks are still pending
    cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, _definition in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    for name, _definition in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return [definition for _name, definition in indexes] + [
        f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
        for name, definition in constraints
    ]


_EWKB_POINT = np.dtype(
    [("order", "u1"), ("type", "<u4"), ("srid", "<u4"), ("x", "<f8"), ("y", "<f8")]
)


def _ewkb_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Hex EWKB of SRID 4326 points, built in numpy (shapely.to_wkb takes ~0.5 s at 200k)."""
    rec = np.empty(len(lon), dtype=_EWKB_POINT)
    rec["order"], rec["type"], rec["srid"] = 1, 0x20000001, 4326  # little-endian Point|SRID
    rec["x"], rec["y"] = lon, lat
    width = 2 * _EWKB_POINT.itemsize
    hexed = np.frombuffer(rec.tobytes().hex().upper().encode(), dtype=f"S{width}")
    return hexed.astype(f"U{width}").astype(object)


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_escape(column: np.ndarray) -> np.ndarray:
    """Text values escaped for COPY's text format (one pass, so a backslash is escaped once);
    a column without any of the four characters (the usual case) is left as it is."""
    text = [v if isinstance(v, str) else str(v) for v in column]
    joined = "".join(text)
    if any(char in joined for char in "\\\t\n\r"):
        text = [v.translate(_COPY_ESCAPES) for v in text]
    out = np.empty(len(text), dtype=object)
    out[:] = text
    return out


def _copy_rows(values, mask, stamp=None) -> "_Lines":
    """The rows in `mask` for COPY (text format: _COLUMNS, then updated_at when `stamp` is
    given). Built with plain string joins: pandas' to_csv took 2.3 s of a 200k import."""
    group_id = values["group_id"][mask]
    n = int(mask.sum())
    columns = {
        **{c: _copy_escape(values[c][mask]) for c in ("external_id", *TEXT_FIELDS)},
        "members": values["members"][mask].astype(str).astype(object),
        "location": _ewkb_points(values["lon"][mask], values["lat"][mask]),
        "group_id": np.array(["\\N" if pd.isna(g) else str(g) for g in group_id], dtype=object),
        "location_note": _copy_escape(values["location_note"][mask]),
        **{t: np.where(values[t][mask], "t", "f").astype(object) for t in Household.TAG_FIELDS},
        "civility_points": values["civility_points"][mask].astype(str).astype(object),
    }
    parts = [columns[c] for c in _COLUMNS]
    if stamp is not None:
        parts.append(np.full(n, stamp.isoformat(), dtype=object))
    return _Lines("\t".join(row) + "\n" for row in zip(*parts))


class _Lines(io.TextIOBase):
    """A file COPY reads from, made of lines built as it reads: the server parses one
    chunk while Python joins the next (1.5 s of a 200k import ran before the COPY)."""

    def __init__(self, lines):
        self._lines, self._buffer = iter(lines), ""

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        while size is None or size < 0 or len(self._buffer) < size:
            more = "".join(itertools.islice(self._lines, 4096))
            if not more:
                break
            self._buffer += more
        if size is None or size < 0:
            size = len(self._buffer)
        out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out
