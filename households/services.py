"""Writes for the households app (<entity>_<action>); each runs inside the caller's transaction."""

import io

import numpy as np
import pandas as pd
import shapely
from django.db import connection

from households.geo import assign_to_groups
from households.models import Household, Village, VillageGroup
from households.pg import copy_from
from households.stamps import data_changed

NOTE_SNAPPED = "snapped {dist:.1f} m to the nearest group"
NOTE_UNGROUPED = "outside every village group"


def villages_refresh_boundaries(village_ids) -> None:
    """Village boundary := union of its groups (ST_Union, made valid, as MultiPolygon)."""
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {Village._meta.db_table} v SET boundary = sub.geom FROM (
                  SELECT village_id, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3)) AS geom
                  FROM {VillageGroup._meta.db_table} WHERE village_id = ANY(%s) GROUP BY village_id
                ) sub WHERE v.id = sub.village_id""",
            [list(village_ids)],
        )


def group_notes(snapped_m: np.ndarray, group: np.ndarray) -> np.ndarray:
    notes = np.full(len(group), "", dtype=object)
    for i in np.flatnonzero(snapped_m > 0):
        notes[i] = NOTE_SNAPPED.format(dist=snapped_m[i])
    notes[group < 0] = NOTE_UNGROUPED
    return notes


def group_polygons() -> tuple[np.ndarray, list[str], np.ndarray]:
    """Every village group in assignment precedence (by code, then id): ids, labels (code or
    name) and shapely geometries, read as WKB in one query."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, coalesce(code, name), ST_AsBinary(geom) "
            f"FROM {VillageGroup._meta.db_table} ORDER BY code, id"
        )
        rows = cur.fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    geoms = shapely.from_wkb([bytes(r[2]) for r in rows]) if rows else np.array([], dtype=object)
    return ids, [r[1] for r in rows], geoms


def households_reassign_groups() -> int:
    """Re-run point-in-polygon for every household after groups changed; returns rows changed."""
    group_ids, _labels, geoms = group_polygons()
    table = Household._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, ST_X(location), ST_Y(location), group_id, location_note FROM {table}"
        )
        rows = cur.fetchall()
    if not rows:
        return 0
    data = pd.DataFrame(rows, columns=["id", "lon", "lat", "group_id", "note"])
    result = assign_to_groups(data["lon"].to_numpy(), data["lat"].to_numpy(), geoms)
    ids = np.array([*group_ids, None], dtype=object)
    new_group = pd.array(ids[result.group], dtype="Int64")
    notes = group_notes(result.snapped_m, result.group)
    old_group = pd.array(data["group_id"], dtype="Int64")
    changed = (old_group.fillna(-1) != new_group.fillna(-1)).to_numpy() | (
        data["note"].to_numpy() != notes
    )
    if not changed.any():
        return 0
    out = pd.DataFrame(
        {"id": data["id"][changed], "group_id": new_group[changed], "note": notes[changed]}
    )
    buf = io.StringIO()
    out.to_csv(buf, index=False, header=False, na_rep="\\N")
    buf.seek(0)
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE tmp_regroup (id bigint, group_id bigint, note text) ON COMMIT DROP"
        )
        copy_from(cur, "COPY tmp_regroup FROM STDIN WITH (FORMAT csv, NULL '\\N')", buf)
        cur.execute(
            f"UPDATE {table} h SET group_id = t.group_id, location_note = t.note "
            f"FROM tmp_regroup t WHERE h.id = t.id"
        )
        cur.execute("DROP TABLE tmp_regroup")
    return int(changed.sum())


def household_update(
    household: Household, data: dict, *, fields: list[str], user=None
) -> Household:
    """Save an edit of a household's attributes (not its location or group)."""
    changed = []
    for name in fields:
        if name in ("new_phone", "new_id_number"):
            if data.get(name):
                target = name.removeprefix("new_")
                setattr(household, target, data[name])
                changed.append(target)
        elif getattr(household, name) != data[name]:
            setattr(household, name, data[name])
            changed.append(name)
    if changed:
        household.save(update_fields=[*changed, "updated_at"])
        group = household.group
        data_changed([group.village.township_id] if group else None)
    return household
