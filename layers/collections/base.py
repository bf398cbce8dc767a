"""A feature collection, declared once and served by the OGC API, the REST API and the exports.

A declaration says where the rows come from (a selector that starts from the model's
``for_scope``), which geometry is written, how one feature is found by its id, which
property filters and dates it has, and which serializer writes its features. Adding a
kind of feature to all three is one :func:`register` call (see ``catalog.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from households.models import Role

from .query import Filter

ADMIN_FILTERS = {  # the property filters every located collection takes
    "township": ("township code", r"\d{9}"),
    "village": ("village code", r"\d{12}"),
}


@dataclass(frozen=True)
class Collection:
    """One kind of feature.

    - ``rows(scope)``: the scoped queryset, annotated with the serializer's flat values;
    - ``geometry``: the geometry written (a field path, or an expression over the row);
      ``polygons``: simplified at the written precision;
    - ``bbox``: the indexed geometry path a bbox is tested against (or a function of the
      box returning a ``Q``); ``extent``: the path the spatial extent is computed from;
    - ``find(fid)``: the ``Q`` of one feature by its id, None when the id is malformed;
    - ``filters``: query parameter -> :class:`Filter`; ``temporal``: the (start, end) paths
      of its dates (an empty end: still valid);
    - ``serializer`` (and ``sensitive_serializer`` for scopes that see the sensitive tags);
      ``personal``: holds ID numbers and phones (masked unless the role may see them, and
      every unmasked answer logged).
    """

    id: str
    title: str
    description: str
    model: type
    rows: Callable
    serializer: type
    geometry: object
    find: Callable[[str], Q | None]
    bbox: str | Callable
    extent: str
    order: tuple[str, ...]
    polygons: bool = False
    filters: dict[str, Filter] = field(default_factory=dict)
    temporal: tuple[str, str] | None = None
    sensitive_serializer: type | None = None
    personal: bool = False

    def queryset(self, scope) -> QuerySet:
        return self.rows(scope)

    def serializer_for(self, scope) -> type:
        if self.sensitive_serializer and (scope.can("sensitive_tags") or unmasks(scope)):
            return self.sensitive_serializer
        return self.serializer


def unmasks(scope) -> bool:
    """ID numbers and phones in clear, and the sensitive tags: a grid's own leader only
    (``grids.access.can_unmask``). A leader's scope is their own grid, so every household a
    collection gives them is one of their grid's."""
    return scope.role == Role.GRID_LEADER


COLLECTIONS: dict[str, Collection] = {}


def register(collection: Collection) -> Collection:
    if collection.id in COLLECTIONS:
        raise ValueError(f"collection {collection.id!r} is declared twice")
    COLLECTIONS[collection.id] = collection
    return collection


def located(**paths) -> dict[str, Filter]:
    """The township/village (and other) filters of a collection, from their lookup paths (or
    functions of the value returning a ``Q``)."""
    out = {}
    for name, lookup in paths.items():
        what, pattern = ADMIN_FILTERS.get(name, ("grid code", r"\d{15}"))
        out[name] = Filter(lookup, pattern, what)
    return out
