"""Batch import of incidents (a hotline's export, a paper register typed up): CSV, XLSX or a
GeoJSON point layer, read, checked and reported by the household importers' machinery
(``households.importing``), then written in one transaction, each row reported, routed and
flagged exactly as a report from a page. A file with any rejected row writes nothing;
re-importing a file changes nothing (rows are keyed by their reference, when they have one).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone
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

from . import routing
from .models import Incident, IncidentCategory
from .services import CRS_CHOICES, DESCRIPTION_MAX, NewIncident, incident_report

SUFFIXES = TABLE_SUFFIXES | {".geojson", ".json"}
ALIASES = {
    "ref": ["ref", "reference", "编号", "工单号", "来源编号"],
    "category": ["category", "类别", "事件类别", "分类"],
    "description": ["description", "描述", "事件描述", "内容"],
    "lon": HOUSEHOLD_ALIASES["lon"],
    "lat": HOUSEHOLD_ALIASES["lat"],
    "reported_at": ["reported_at", "上报时间", "时间", "日期"],
    "contact_name": ["contact_name", "联系人", "姓名"],
    "contact_phone": ["contact_phone", "phone", "联系电话", "电话", "手机号"],
}
ERR_CATEGORY = gettext_lazy("unknown category %(value)r (use %(known)s)")
ERR_DESCRIPTION = gettext_lazy("the description is empty")
ERR_DESCRIPTION_LONG = gettext_lazy("the description is longer than 2000 characters")
ERR_DATE = gettext_lazy("not a date and time: %(value)r")
ERR_FUTURE = gettext_lazy("the report time %(value)s is in the future")
ERR_REF = gettext_lazy("duplicate reference %(ref)r (first at row %(first)d)")
ERR_OUTSIDE = gettext_lazy("the point lies outside your township %(township)s")
ERR_CRS = gettext_lazy("unknown coordinate system %(crs)s (use %(choices)s)")


def import_incidents(
    path: str | Path, *, crs: str | None = None, dry_run: bool = False, township=None, user=None
) -> ImportReport:
    """Check and load an incident file; ImportRejected (nothing written) on any error.
    With ``township`` (township staff) every point must lie in that township."""
    path = Path(path)
    report = ImportReport(kind=_("incidents"), source=path.name, dry_run=dry_run)
    try:
        check_suffix(path, SUFFIXES)
        if crs and crs not in CRS_CHOICES:
            raise ReadError(ERR_CRS % {"crs": crs, "choices": ", ".join(CRS_CHOICES)})
        table, lon, lat = _read(path, report)
    except ReadError as exc:
        report.error(exc.row, exc.field, str(exc))
        raise ImportRejected(report) from exc
    if report.errors:
        raise ImportRejected(report)
    report.rows = len(table.frame)
    rows = _check(table, lon, lat, crs or "EPSG:4326", report, township)
    if report.errors:
        raise ImportRejected(report)
    known = set(
        Incident.objects.filter(
            external_ref__in=[r.external_ref for r in rows if r.external_ref]
        ).values_list("external_ref", flat=True)
    )
    todo = [r for r in rows if not (r.external_ref and r.external_ref in known)]
    report.unchanged = len(rows) - len(todo)
    if not dry_run:
        with transaction.atomic():
            for new in todo:
                incident_report(new, channel=Incident.Channel.IMPORT, reporter=user)
        report.created, report.applied = len(todo), True
    return report


def _read(path: Path, report: ImportReport):
    vector = path.suffix.lower() not in TABLE_SUFFIXES
    table = read_vector(path) if vector else read_table(path)
    map_columns(table, ALIASES)
    report.warnings += table.warnings
    report.errors += table.errors
    required = ("category", "description") + (() if vector else ("lon", "lat"))
    if not check_required(table, required, report, ALIASES):
        return table, None, None
    frame = table.frame
    if vector:
        lon, lat, _multi = point_columns(frame, report)
        table.frame = attributes_as_text(frame).fillna("")
    else:
        lon, bad_lon = F.parse_float(frame["lon"])
        lat, bad_lat = F.parse_float(frame["lat"])
        lon, lat = (
            np.where(bad_lon | bad_lat, np.nan, lon),
            np.where(bad_lon | bad_lat, np.nan, lat),
        )
    for col in ALIASES:
        if col not in table.frame.columns:
            table.frame[col] = ""
    return table, lon, lat


def _check(table, lon, lat, crs, report, township) -> list[NewIncident]:
    frame, file_rows, where, labels = table.frame, table.rows, table.where, table.labels
    categories = {}
    for c in IncidentCategory.objects.filter(active=True):
        categories[c.code.lower()] = categories[c.name] = c.code
    known = "、".join(sorted({v for v in categories.values()}))
    bad = ~np.isfinite(lon) | ~np.isfinite(lat)
    field = labels["lon"] if where == "row" else str(GEOMETRY)
    for i in np.flatnonzero(bad):
        report.error(int(file_rows[i]), field, F.ERR_NOT_NUMBER % {"value": ""}, where)
    if crs != "EPSG:4326":
        lon, lat = to_wgs84(lon, lat, crs)
    bad |= check_extent(
        lon, lat, settings.COUNTY_EXTENT, report, file_rows, where, skip=bad, field=field
    )
    times = _times(frame["reported_at"])
    phones_bad = F.phone_bad(frame["contact_phone"])
    now, seen, out = timezone.now(), {}, []
    for i in range(len(frame)):
        row = frame.iloc[i]
        line = int(file_rows[i])

        def fail(col, message, line=line):
            report.error(line, labels[col], message, where)

        code = categories.get(row["category"].strip().lower()) or categories.get(row["category"])
        if code is None:
            fail("category", ERR_CATEGORY % {"value": row["category"], "known": known})
        text = row["description"].strip()
        if not text:
            fail("description", ERR_DESCRIPTION)
        elif len(text) > DESCRIPTION_MAX:
            fail("description", ERR_DESCRIPTION_LONG)
        at = times[i]
        if at is False:
            fail("reported_at", ERR_DATE % {"value": row["reported_at"]})
        elif at is not None and at > now:
            fail("reported_at", ERR_FUTURE % {"value": row["reported_at"]})
        if phones_bad[i]:
            fail("contact_phone", F.ERR_PHONE % {"value": row["contact_phone"]})
        ref = row["ref"].strip()
        if ref and ref in seen:
            fail("ref", ERR_REF % {"ref": ref, "first": seen[ref]})
        seen.setdefault(ref, line)
        if township is not None and not bad[i] and _outside(lon[i], lat[i], at or now, township):
            report.error(line, "", ERR_OUTSIDE % {"township": township.name}, where)
        out.append(
            NewIncident(
                category=code or "",
                description=text,
                lon=float(lon[i]),
                lat=float(lat[i]),
                located_by=Incident.Located.FILE,
                contact_name=row["contact_name"].strip()[:50],
                contact_phone=row["contact_phone"].strip(),
                external_ref=ref,
                reported_at=at or None,
            )
        )
    return out


def _times(col: pd.Series) -> list:
    """Aware datetimes (local time when the cell has no zone), None for blank, False for
    what is not a date."""
    parsed = pd.to_datetime(col.where(col != ""), errors="coerce", format="mixed")
    out = []
    for raw, value in zip(col, parsed):
        if raw == "":
            out.append(None)
        elif pd.isna(value):
            out.append(False)
        else:
            moment = value.to_pydatetime()
            out.append(moment if timezone.is_aware(moment) else timezone.make_aware(moment))
    return out


def _outside(lon: float, lat: float, at: dt.datetime, township) -> bool:
    try:
        where = routing.route(Point(float(lon), float(lat), srid=4326), at)
    except routing.NoTownship:
        return True
    return where.township.pk != township.pk
