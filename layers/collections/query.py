"""The query parameters of a feature collection, checked: each bad one is a 400 that names it.

The same parameters serve the OGC API (``layers.ogc``), the REST API (``layers.api``) and
the exports (``layers.exports``): ``bbox`` (and ``bbox-crs``), ``datetime``, ``crs``,
``limit`` and ``offset``, and the property filters a collection declares (``township``,
``village``, ``grid``). A parameter nobody declared is a 400 too (OGC API - Features
Part 1, requirement /req/core/query-param-unknown), so a misspelt filter never silently
returns everything.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.gis.geos import Polygon
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException


@dataclass(frozen=True)
class Crs:
    """A coordinate reference system the APIs write: its URI, SRID and axis order."""

    uri: str
    srid: int
    lat_first: bool  # EPSG's own axis order for geographic CRSs: latitude, longitude
    label: str


CRS84 = Crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326, False, "WGS 84 (lon, lat)")
EPSG4326 = Crs("http://www.opengis.net/def/crs/EPSG/0/4326", 4326, True, "WGS 84")
EPSG4490 = Crs("http://www.opengis.net/def/crs/EPSG/0/4490", 4490, True, "CGCS2000")
CRSS = {c.uri: c for c in (CRS84, EPSG4326, EPSG4490)}

DEFAULT_LIMIT = 100
# The largest page: 10,000 is the maximum in the OGC API - Features Part 1 example of the
# limit parameter; a page of 10,000 households is about 4 MB of GeoJSON.
MAX_LIMIT = 10_000
# Beyond every county's row count (the importers take at most 1,000,000 rows a file) and
# well inside PostgreSQL's bigint OFFSET.
MAX_OFFSET = 10_000_000

ERR_UNKNOWN = _("unknown query parameter %(name)s (this resource takes %(known)s)")
ERR_REPEATED = _("%(name)s is given more than once")
ERR_BBOX_NUMBERS = _("bbox must be 4 numbers (or 6, with heights): %(value)s")
ERR_BBOX_ORDER = _(
    "bbox corners are in the wrong order: the lower left corner comes first (%(value)s; "
    "boxes across the antimeridian are not supported)"
)
ERR_BBOX_WORLD = _("bbox lies outside the world (longitude -180..180, latitude -90..90): %(value)s")
ERR_CRS = _("unknown CRS %(value)s: use one of %(known)s")
ERR_LIMIT = _("limit must be a whole number from 1 to %(max)d: %(value)s")
ERR_OFFSET = _("offset must be a whole number from 0 to %(max)d: %(value)s")
ERR_DATETIME = _(
    "datetime must be an RFC 3339 date-time (2026-03-01T08:00:00Z), a date, or an interval "
    "start/end with '..' for an open end: %(value)s"
)
ERR_DATETIME_ORDER = _("datetime interval ends before it starts: %(value)s")
ERR_NO_TIME = _("this collection has no dates: datetime does not apply")
ERR_FILTER = _("%(name)s must be %(what)s: %(value)s")


class ParameterError(APIException):
    """A bad query parameter: 400, naming it (``parameter``) with the reason."""

    status_code = 400
    default_code = "InvalidParameterValue"

    def __init__(self, parameter: str, message):
        self.parameter = parameter
        self.message = str(message)
        super().__init__(
            {"code": self.default_code, "parameter": parameter, "description": self.message}
        )


@dataclass(frozen=True)
class Filter:
    """A property filter of a collection: ``?township=360721100`` -> ``lookup=value``."""

    lookup: str | Callable[[str], Q]  # a lookup path, or a function of the value
    pattern: str  # the whole value must match
    what: str  # for messages and the API description
    description: str = ""

    def q(self, name: str, value: str) -> Q:
        if not re.fullmatch(self.pattern, value):
            raise ParameterError(
                name, ERR_FILTER % {"name": name, "what": self.what, "value": value}
            )
        return self.lookup(value) if callable(self.lookup) else Q(**{self.lookup: value})


@dataclass(frozen=True)
class Query:
    """What a request asks of a collection, checked."""

    bbox: Polygon | None = None  # in the storage SRID, longitude first
    interval: tuple[dt.datetime | None, dt.datetime | None] | None = None
    crs: Crs = CRS84
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    filters: Q = field(default_factory=Q)


def params_check(params, allowed) -> None:
    """400 for a parameter not in ``allowed``, or given twice."""
    for name in params:
        if name not in allowed:
            raise ParameterError(name, ERR_UNKNOWN % {"name": name, "known": ", ".join(allowed)})
        _one(params, name)


def _one(params, name: str) -> str | None:
    values = params.getlist(name)
    if len(values) > 1:
        raise ParameterError(name, ERR_REPEATED % {"name": name})
    return values[0] if values else None


def query_parse(
    params,
    *,
    filters: dict[str, Filter] | None = None,
    temporal: bool = False,
    crs: bool = True,
    extra: tuple[str, ...] = (),
) -> Query:
    """Check ``params`` (a QueryDict). ``filters``: the collection's property filters;
    ``temporal``: whether it has dates; ``crs``: whether ``crs``/``bbox-crs`` are taken;
    ``extra``: other parameters the caller reads itself (``f``)."""
    filters = filters or {}
    known = ["bbox", "datetime", "limit", "offset", *filters, *extra]
    if crs:
        known += ["crs", "bbox-crs"]
    params_check(params, known)
    out_crs = crs_parse(_one(params, "crs"), "crs") if crs else CRS84
    bbox_crs = crs_parse(_one(params, "bbox-crs"), "bbox-crs") if crs else CRS84
    raw_time = _one(params, "datetime")
    if raw_time is not None and not temporal:
        raise ParameterError("datetime", ERR_NO_TIME)
    chosen = Q()
    for name, spec in filters.items():
        value = _one(params, name)
        if value is not None:
            chosen &= spec.q(name, value)
    return Query(
        bbox=bbox_parse(_one(params, "bbox"), bbox_crs),
        interval=datetime_parse(raw_time),
        crs=out_crs,
        limit=_whole(_one(params, "limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, ERR_LIMIT),
        offset=_whole(_one(params, "offset"), "offset", 0, 0, MAX_OFFSET, ERR_OFFSET),
        filters=chosen,
    )


def crs_parse(raw: str | None, name: str = "crs") -> Crs:
    if raw is None or raw == "":
        return CRS84
    found = CRSS.get(raw.strip().strip("<>"))
    if found is None:
        raise ParameterError(name, ERR_CRS % {"value": raw, "known": ", ".join(CRSS)})
    return found


def _whole(raw, name, default, low, high, message) -> int:
    if raw is None:
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or not low <= int(text) <= high:
        raise ParameterError(name, message % {"max": high, "value": raw})
    return int(text)


def bbox_parse(raw: str | None, crs: Crs = CRS84) -> Polygon | None:
    """The box as a polygon in the storage SRID (longitude first), from numbers in the axis
    order of ``crs`` (latitude first for EPSG:4326 and EPSG:4490, as OGC API Part 2 says)."""
    if raw is None:
        return None
    try:
        numbers = [float(p) for p in raw.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or not all(map(_finite, numbers)):
        raise ParameterError("bbox", ERR_BBOX_NUMBERS % {"value": raw})
    half = len(numbers) // 2
    a, b = numbers[0], numbers[1]
    c, d = numbers[half], numbers[half + 1]
    lon0, lat0, lon1, lat1 = (b, a, d, c) if crs.lat_first else (a, b, c, d)
    if not (
        -180 <= lon0 <= 180 and -180 <= lon1 <= 180 and -90 <= lat0 <= 90 and -90 <= lat1 <= 90
    ):
        raise ParameterError("bbox", ERR_BBOX_WORLD % {"value": raw})
    if lon0 > lon1 or lat0 > lat1:
        raise ParameterError("bbox", ERR_BBOX_ORDER % {"value": raw})
    box = Polygon.from_bbox((lon0, lat0, lon1, lat1))
    box.srid = crs.srid
    if crs.srid != settings.STORAGE_SRID:
        box.transform(settings.STORAGE_SRID)
    return box


def _finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")


def _instant(text: str, raw: str, *, end: bool) -> dt.datetime | None:
    if text in ("", ".."):
        return None
    moment = parse_datetime(text) if "T" in text.upper() or " " in text else None
    if moment is None:
        day = parse_date(text) if len(text) == 10 else None
        if day is None:
            raise ParameterError("datetime", ERR_DATETIME % {"value": raw})
        # a date is the whole day: from its first instant, or to its last
        moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def datetime_parse(raw: str | None):
    """(start, end): an instant t is (t, t); open ends are None; a date spans its day."""
    if raw is None:
        return None
    text = raw.strip()
    try:
        if "/" in text:
            first, _sep, second = text.partition("/")
            if "/" in second or (first in ("", "..") and second in ("", "..")):
                raise ParameterError("datetime", ERR_DATETIME % {"value": raw})
            start, end = _instant(first, raw, end=False), _instant(second, raw, end=True)
        elif len(text) == 10:  # a date: the interval of that day
            start, end = _instant(text, raw, end=False), _instant(text, raw, end=True)
        else:
            start = end = _instant(text, raw, end=False)
            if start is None:
                raise ParameterError("datetime", ERR_DATETIME % {"value": raw})
    except (ValueError, OverflowError) as exc:  # parse_datetime: a well-formed impossible date
        raise ParameterError("datetime", ERR_DATETIME % {"value": raw}) from exc
    if start and end and end < start:
        raise ParameterError("datetime", ERR_DATETIME_ORDER % {"value": raw})
    return start, end
