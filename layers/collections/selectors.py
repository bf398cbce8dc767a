"""Reads of a collection: the rows a scope sees that match a query, a page of them with their
geometry written by PostGIS in the CRS asked for, one feature, and the extent."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.db import connection, transaction
from django.db.models import Max, Min, Q, QuerySet

from households.functions import COORD_DIGITS, api_geojson
from households.privacy import mask_id_number, mask_phone

from .base import Collection, unmasks
from .query import CRS84, Crs, Query


@dataclass(frozen=True)
class Output:
    """How geometries are written: CRS (and axis order), decimals, simplification."""

    crs: Crs = CRS84
    precision: int = COORD_DIGITS
    simplify: bool = True  # polygons simplified at the written precision


@dataclass(frozen=True)
class Page:
    rows: list[dict]
    matched: int
    unmasked: list[int]  # households shown with ID numbers and phones in clear (to log)


def selection(collection: Collection, scope, query: Query) -> QuerySet:
    """The rows of ``collection`` that ``scope`` covers and ``query`` selects, in order."""
    qs = collection.queryset(scope)
    if query.filters:
        qs = qs.filter(query.filters)
    if query.bbox is not None:
        box = query.bbox
        where = collection.bbox
        qs = qs.filter(where(box) if callable(where) else Q(**{f"{where}__bboverlaps": box}))
    if query.interval is not None:
        qs = qs.filter(_during(collection, *query.interval))
    return qs.order_by(*collection.order)


def _during(collection: Collection, start, end) -> Q:
    """Rows valid at some time in [start, end] (validity is [from, to), to empty: still)."""
    begins, ends = collection.temporal
    q = Q()
    if end is not None:
        q &= Q(**{f"{begins}__lte": end})
    if start is not None:
        q &= Q(**{f"{ends}__isnull": True}) | Q(**{f"{ends}__gt": start})
    return q


def _values(collection: Collection, qs: QuerySet, scope, output: Output) -> QuerySet:
    serializer = collection.serializer_for(scope)
    geojson = api_geojson(
        collection.geometry,
        simplify=collection.polygons and output.simplify,
        srid=output.crs.srid,
        flip=output.crs.lat_first,
        precision=output.precision,
    )
    return qs.annotate(geojson=geojson).values(*serializer.sources(), "pk")


@contextmanager
def no_jit():
    """PostgreSQL's JIT off for the reads inside: it compiles a query whose estimated cost is
    high (the member areas' Voronoi subquery is estimated at millions for 100 rows), and on
    a page of 100 member areas compiling took 215 ms of 425 (EXPLAIN ANALYZE, demo county)."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL jit = off")
        yield


def page(collection: Collection, scope, query: Query, output: Output = Output()) -> Page:
    qs = selection(collection, scope, query)
    window = _values(collection, qs, scope, output)[query.offset : query.offset + query.limit]
    with no_jit():
        matched = qs.count()
        rows = list(window)
    rows, unmasked = present(collection, scope, rows)
    return Page(rows, matched, unmasked)


def feature(collection: Collection, scope, fid: str, output: Output = Output()) -> Page | None:
    """One feature by its id (None: no such feature in the scope, or a malformed id)."""
    q = collection.find(fid)
    if q is None:
        return None
    with no_jit():
        rows = list(_values(collection, collection.queryset(scope).filter(q), scope, output)[:2])
    if len(rows) != 1:
        return None
    rows, unmasked = present(collection, scope, rows)
    return Page(rows, 1, unmasked)


def all_rows(collection: Collection, scope, query: Query, output: Output, chunk: int = 2000):
    """Every selected row, read in chunks (exports): a generator of presented rows, and the
    ids shown unmasked are not collected (exports are masked; see layers.exports)."""
    qs = _values(collection, selection(collection, scope, query), scope, output)
    with no_jit():
        for row in qs.iterator(chunk_size=chunk):
            yield present(collection, scope, [row])[0][0]


def present(collection: Collection, scope, rows: list[dict]) -> tuple[list[dict], list[int]]:
    """Rows as the scope may see them: ID numbers and phones masked unless it unmasks."""
    if not collection.personal:
        return rows, []
    if unmasks(scope):
        return rows, [r["pk"] for r in rows if r.get("id_number") or r.get("phone")]
    for r in rows:
        r["id_number"] = mask_id_number(r.get("id_number") or "")
        r["phone"] = mask_phone(r.get("phone") or "")
    return rows, []


def extent(collection: Collection, scope) -> dict:
    """The spatial extent (CRS84) of what the scope sees, the county's when it sees nothing,
    and the temporal extent of dated collections."""
    qs = collection.queryset(scope).order_by()
    aggregates = {"box": Extent(collection.extent)}
    if collection.temporal:
        begins, ends = collection.temporal
        aggregates |= {
            "first": Min(begins),
            "last": Max(ends),
            "open": Max("pk", filter=Q(**{f"{ends}__isnull": True})),
        }
    found = qs.aggregate(**aggregates)
    box = found["box"] or settings.COUNTY_EXTENT
    out = {"spatial": {"bbox": [[round(v, COORD_DIGITS) for v in box]], "crs": CRS84.uri}}
    if collection.temporal:
        last = None if found["open"] is not None else found["last"]
        out["temporal"] = {
            "interval": [[_iso(found["first"]), _iso(last)]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return out


def _iso(moment) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
