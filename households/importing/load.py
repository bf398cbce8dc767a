"""Loading checked households: COPY into the table, or through a temporary table and an
UPDATE of the rows that differ, in the caller's transaction.
"""

import io
import itertools
import logging

import numpy as np
import pandas as pd
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from households.models import Household
from households.pg import copy_from

log = logging.getLogger(__name__)

TEXT_FIELDS = ("head", "id_number", "phone", "address")
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


def households_load(values) -> tuple[int, int]:
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
            copy_from(
                cur,
                f"COPY {table} ({cols}, updated_at) FROM STDIN WITH ({_COPY_OPTIONS})",
                _copy_rows(values, ~existing, stamp),
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
            copy_from(
                cur,
                f"COPY tmp_households ({cols}) FROM STDIN WITH ({_COPY_OPTIONS})",
                _copy_rows(values, existing),
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
