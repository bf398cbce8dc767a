"""Import of cameras and service points from CSV, XLSX or a GeoJSON point layer, read,
checked and reported by the household importers' machinery (``households.importing``:
columns and their Chinese headers, coordinate systems, the county's extent, messages that
name the row and the field), then written in one transaction. A file with any rejected row
writes nothing; rows are keyed by their number, so importing a file again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.coords import to_wgs84
from households.importing import ImportRejected, ImportReport
from households.importing import fields as F
from households.importing.checks import check_extent, check_required, point_columns
from households.importing.readers import (
    GEOMETRY,
    HOUSEHOLD_ALIASES,
    TABLE_SUFFIXES,
    ReadError,
    check_suffix,
    map_columns,
)
from households.importing.tables import read_table
from households.importing.vectors import attributes_as_text, read_vector
from households.stamps import data_changed

from .models import CAMERA_MAX_RANGE_M, Camera, ServicePoint
from .sectors import check_angles
from .services import CameraInput, area_label, camera_sector, outside_area, villages_at

CAMERAS, SERVICE_POINTS = "cameras", "service_points"
KINDS = (CAMERAS, SERVICE_POINTS)
SUFFIXES = TABLE_SUFFIXES | {".geojson", ".json"}
CRS_CHOICES = ("EPSG:4326", "EPSG:4490", "gcj02", "bd09")
_COMMON = {
    "ref": ["ref", "number", "编号", "点位编号", "设备编号"],
    "name": ["name", "名称", "点位名称"],
    "lon": HOUSEHOLD_ALIASES["lon"],
    "lat": HOUSEHOLD_ALIASES["lat"],
}
ALIASES = {
    CAMERAS: {
        **_COMMON,
        "direction": ["direction", "方向", "朝向", "方位角"],
        "fov": ["fov", "field_of_view", "视场角", "视角"],
        "range": ["range", "range_m", "距离", "可视距离", "监控距离"],
    },
    SERVICE_POINTS: {**_COMMON, "kind": ["kind", "类型", "类别", "服务类型"]},
}
REQUIRED = {CAMERAS: ("ref", "direction", "fov", "range"), SERVICE_POINTS: ("ref", "name", "kind")}
# the kinds as a county's files name them
KIND_NAMES = {
    "党群服务中心": ServicePoint.Kind.PARTY_CENTRE,
    "法律顾问": ServicePoint.Kind.LEGAL_ADVISER,
    "调解室": ServicePoint.Kind.MEDIATION,
    "人民调解室": ServicePoint.Kind.MEDIATION,
    "村辅警": ServicePoint.Kind.POLICE,
    "辅警": ServicePoint.Kind.POLICE,
    "养老服务点": ServicePoint.Kind.ELDERLY,
    **{k: k for k in ServicePoint.Kind.values},
}
ERR_CRS = gettext_lazy("unknown coordinate system %(crs)s (use %(choices)s)")
ERR_KIND = gettext_lazy("unknown kind %(value)r (use %(known)s)")
ERR_REF = gettext_lazy("duplicate number %(ref)r (first at row %(first)d)")
ERR_REF_EMPTY = gettext_lazy("the number is empty")
ERR_NAME_EMPTY = gettext_lazy("the name is empty")
ERR_TOO_LONG = gettext_lazy("%(length)d characters; at most %(max)d")
ERR_NO_VILLAGE = gettext_lazy("the point lies in no village of the county")
ERR_OUTSIDE = gettext_lazy("the point lies outside your area %(area)s")
ERR_ELSEWHERE = gettext_lazy("number %(ref)s belongs to another township's %(what)s")


def import_overlay(path, kind: str, *, crs=None, dry_run=False, scope=None) -> ImportReport:
    """Check and load a file of cameras or service points; ImportRejected (nothing written)
    on any error. With a township ``scope`` every point must lie in that township."""
    path = Path(path)
    report = ImportReport(
        kind=_("cameras") if kind == CAMERAS else _("service points"),
        source=path.name,
        dry_run=dry_run,
    )
    try:
        check_suffix(path, SUFFIXES)
        if crs and crs not in CRS_CHOICES:
            raise ReadError(ERR_CRS % {"crs": crs, "choices": ", ".join(CRS_CHOICES)})
        table, lon, lat = _read(path, kind, report)
    except ReadError as exc:
        report.error(exc.row, exc.field, str(exc))
        raise ImportRejected(report) from exc
    if report.errors:
        raise ImportRejected(report)
    report.rows = len(table.frame)
    rows = _check(table, kind, lon, lat, crs or "EPSG:4326", report, scope)
    if report.errors:
        raise ImportRejected(report)
    if not dry_run:
        _load(kind, rows, report)
    return report


def _read(path: Path, kind: str, report: ImportReport):
    aliases = ALIASES[kind]
    vector = path.suffix.lower() not in TABLE_SUFFIXES
    table = read_vector(path) if vector else read_table(path)
    map_columns(table, aliases)
    report.warnings += table.warnings
    report.errors += table.errors
    required = REQUIRED[kind] + (() if vector else ("lon", "lat"))
    if not check_required(table, required, report, aliases):
        return table, None, None
    frame = table.frame
    if vector:
        lon, lat, _multi = point_columns(frame, report)
        table.frame = attributes_as_text(frame).fillna("")
    else:
        lon, bad_lon = F.parse_float(frame["lon"])
        lat, bad_lat = F.parse_float(frame["lat"])
        bad = bad_lon | bad_lat
        lon, lat = np.where(bad, np.nan, lon), np.where(bad, np.nan, lat)
    for col in aliases:
        if col not in table.frame.columns:
            table.frame[col] = ""
    return table, lon, lat


def _check(table, kind, lon, lat, crs, report, scope) -> list[dict]:
    frame, file_rows, where, labels = table.frame, table.rows, table.where, table.labels
    bad = ~np.isfinite(lon) | ~np.isfinite(lat)
    field = labels["lon"] if where == "row" else str(GEOMETRY)
    for i in np.flatnonzero(bad):
        report.error(int(file_rows[i]), field, F.ERR_NOT_NUMBER % {"value": ""}, where)
    if crs != "EPSG:4326":
        lon, lat = to_wgs84(lon, lat, crs)
    bad |= check_extent(
        lon, lat, settings.COUNTY_EXTENT, report, file_rows, where, skip=bad, field=field
    )
    places = villages_at(np.where(bad, 0, lon), np.where(bad, 0, lat))
    model = Camera if kind == CAMERAS else ServicePoint
    numbers = {}
    if kind == CAMERAS:
        for col in ("direction", "fov", "range"):
            numbers[col] = F.parse_float(frame[col])
    known = "、".join(sorted({n for n in KIND_NAMES if not n.isascii()}))
    seen, out = {}, []
    for i in range(len(frame)):
        row, line = frame.iloc[i], int(file_rows[i])

        def fail(col, message, line=line):
            report.error(line, labels[col], message, where)

        ref = row["ref"].strip()
        if not ref:
            fail("ref", ERR_REF_EMPTY)
        elif ref in seen:
            fail("ref", ERR_REF % {"ref": ref, "first": seen[ref]})
        seen.setdefault(ref, line)
        for col, name in (("ref", "external_ref"), ("name", "name")):
            limit = model._meta.get_field(name).max_length
            if len(row[col].strip()) > limit:
                fail(col, ERR_TOO_LONG % {"length": len(row[col].strip()), "max": limit})
        values = {"ref": ref, "name": row["name"].strip()}
        if kind == CAMERAS:
            for col in numbers:
                value, not_number = numbers[col][0][i], numbers[col][1][i]
                if not_number:
                    fail(col, F.ERR_NOT_NUMBER % {"value": row[col]})
                values[col] = float(value)
            problems = check_angles(
                direction=values["direction"],
                fov=values["fov"],
                range_m=values["range"],
                max_range_m=CAMERA_MAX_RANGE_M,
            )
            for name, message in problems.items():
                col = "range" if name == "range_m" else name
                if not numbers[col][1][i]:
                    fail(col, message)
        else:
            values["kind"] = KIND_NAMES.get(row["kind"].strip())
            if values["kind"] is None:
                fail("kind", ERR_KIND % {"value": row["kind"], "known": known})
            if not values["name"]:
                fail("name", ERR_NAME_EMPTY)
        if not bad[i]:
            if places[i] is None:
                report.error(line, field, ERR_NO_VILLAGE, where)
            elif scope is not None and outside_area(scope, *places[i]):
                report.error(line, field, ERR_OUTSIDE % {"area": area_label(scope)}, where)
        values.update(lon=float(lon[i]), lat=float(lat[i]), place=places[i], line=line)
        out.append(values)
    if scope is not None and scope.township_id and not report.errors:
        theirs = model.objects.filter(external_ref__in=list(seen)).exclude(
            township_id=scope.township_id
        )
        for ref in theirs.values_list("external_ref", flat=True):
            what = _("camera") if kind == CAMERAS else _("service point")
            report.error(seen[ref], labels["ref"], ERR_ELSEWHERE % {"ref": ref, "what": what})
    return out


def _load(kind: str, rows: list[dict], report: ImportReport) -> None:
    model = Camera if kind == CAMERAS else ServicePoint
    fields = ["name", "location", "village_id", "township_id"] + (
        ["direction", "fov", "range_m", "sector"] if kind == CAMERAS else ["kind"]
    )
    with transaction.atomic():
        existing = model.objects.select_for_update().in_bulk(
            [r["ref"] for r in rows], field_name="external_ref"
        )
        new, changed, townships = [], [], set()
        for r in rows:
            obj = existing.get(r["ref"]) or model(external_ref=r["ref"])
            before = {f: getattr(obj, f) for f in fields} if obj.pk else None
            _fill(obj, kind, r)
            if before is None:
                new.append(obj)
            elif any(_differs(before[f], getattr(obj, f)) for f in fields):
                changed.append(obj)
                townships.add(before["township_id"])
            townships.add(obj.township_id)
        model.objects.bulk_create(new)
        model.objects.bulk_update(changed, fields)
        data_changed(townships)
    report.created, report.updated = len(new), len(changed)
    report.unchanged = len(rows) - len(new) - len(changed)
    report.applied = True


def _fill(obj, kind: str, r: dict) -> None:
    obj.name = r["name"]
    obj.location = Point(r["lon"], r["lat"], srid=4326)
    obj.village_id, obj.township_id = r["place"]
    if kind == CAMERAS:
        obj.direction, obj.fov, obj.range_m = r["direction"], r["fov"], r["range"]
        data = CameraInput(r["ref"], r["lon"], r["lat"], r["direction"], r["fov"], r["range"])
        obj.sector = camera_sector(data)
    else:
        obj.kind = r["kind"]


def _differs(a, b) -> bool:
    if hasattr(a, "equals_exact"):
        return not a.equals_exact(b, 1e-9)
    return a != b
