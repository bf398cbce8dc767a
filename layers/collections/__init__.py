"""Feature collections, declared once (``catalog.py``), served by the OGC API (``layers.ogc``),
the REST API (``layers.api``) and the exports (``layers.exports``)."""

from . import catalog, incidents  # noqa: F401  (register the collections)
from .base import COLLECTIONS, Collection, register, unmasks
from .query import CRS84, CRSS, EPSG4326, EPSG4490, ParameterError, Query, query_parse
from .selectors import Output, Page, extent, feature, page, selection

__all__ = [
    "COLLECTIONS",
    "CRS84",
    "CRSS",
    "EPSG4326",
    "EPSG4490",
    "Collection",
    "Output",
    "Page",
    "ParameterError",
    "Query",
    "extent",
    "feature",
    "page",
    "query_parse",
    "register",
    "selection",
    "unmasks",
]
