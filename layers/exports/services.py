"""GIS exports: grids, member areas, village groups and households of a township or village,
as files, scoped, masked and logged.

The rows are a collection's (``layers.collections``: the same selectors and serializers as
the OGC and REST APIs), written in EPSG:4326 or EPSG:4490 at full precision and not
simplified, so that an exported township re-imports into an empty database with the same
groups, households, grids and assignments. Households are always masked (only a grid's
own leader sees numbers in clear, and leaders do not export); a households export writes
the access log with its filter and count.
"""

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.access import require, scope_for
from households.models import AccessLog, Township, Village
from households.privacy import client_ip
from layers.collections import COLLECTIONS, EPSG4490, Output, Query
from layers.collections.query import CRS84, Crs, ParameterError
from layers.collections.selectors import all_rows, selection

from .writers import FORMATS, GEOJSON_DIGITS, frame, write

KINDS = ("grids", "member-areas", "village-groups", "households")
# Files store longitude first whatever the CRS (GeoPackage, Shapefile, GeoJSON, KML)
CRS_CHOICES = {
    "EPSG:4326": CRS84,
    "EPSG:4490": Crs(EPSG4490.uri, EPSG4490.srid, lat_first=False, label=EPSG4490.label),
}

ERR_KIND = _("what must be one of %(choices)s")
ERR_FORMAT = _("format must be one of %(choices)s")
ERR_CRS = _("crs must be EPSG:4326 or EPSG:4490")
ERR_KML_CRS = _("KML is always in WGS 84 (EPSG:4326): choose another format for EPSG:4490")
ERR_AREA = _("give a township (9 digits) or a village (12 digits)")


@dataclass(frozen=True)
class ExportRequest:
    kind: str
    fmt: str
    crs: str
    township: str = ""
    village: str = ""

    @property
    def filters(self) -> dict:
        return {"village": self.village} if self.village else {"township": self.township}

    @property
    def description(self) -> str:
        """The filter, as the access log keeps it."""
        area = f"village={self.village}" if self.village else f"township={self.township}"
        return f"/exports/?what={self.kind}&{area}&format={self.fmt}&crs={self.crs}"

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.village or self.township}"


def export_check(*, kind: str, fmt: str, crs: str, township: str = "", village: str = ""):
    """The request, checked: ParameterError naming the bad parameter."""
    if kind not in KINDS:
        raise ParameterError("what", ERR_KIND % {"choices": ", ".join(KINDS)})
    if fmt not in FORMATS:
        raise ParameterError("format", ERR_FORMAT % {"choices": ", ".join(FORMATS)})
    if crs not in CRS_CHOICES:
        raise ParameterError("crs", ERR_CRS)
    if FORMATS[fmt].wgs84_only and crs != "EPSG:4326":
        raise ParameterError("crs", ERR_KML_CRS)
    ok = (len(village) == 12 and village.isdigit() and not township) or (
        len(township) == 9 and township.isdigit() and not village
    )
    if not ok:
        raise ParameterError("village" if village else "township", ERR_AREA)
    return ExportRequest(kind, fmt, crs, township, village)


def export_area(user, request: ExportRequest):
    """The township or village exported: 404 outside the user's area, 403 without the right."""
    scope = require(user, "export")
    model, code = (Village, request.village) if request.village else (Township, request.township)
    area = model.objects.for_scope(scope).filter(code=code).first()
    if area is None:
        raise Http404
    return area


def export_count(user, request: ExportRequest) -> int:
    collection = COLLECTIONS[request.kind]
    query = _query(collection, request)
    return selection(collection, scope_for(user), query).count()


def _query(collection, request: ExportRequest) -> Query:
    filters = Q()
    for name, value in request.filters.items():
        filters &= collection.filters[name].q(name, value)
    return Query(filters=filters)


def export_write(user, request: ExportRequest, folder: Path, *, ip=None) -> tuple[Path, int]:
    """Write the export into ``folder``: (the file, how many features). Logs a households
    export (filter and count)."""
    export_area(user, request)
    scope = scope_for(user)
    collection = COLLECTIONS[request.kind]
    output = Output(crs=CRS_CHOICES[request.crs], precision=GEOJSON_DIGITS, simplify=False)
    serializer = collection.serializer_for(scope)
    rows = list(all_rows(collection, scope, _query(collection, request), output))
    features = serializer(rows, many=True).data["features"]
    fmt = FORMATS[request.fmt]
    path = write(frame(features, CRS_CHOICES[request.crs].srid), fmt, folder, request.name)
    if collection.personal:
        AccessLog.objects.create(
            user=user,
            action=AccessLog.Action.EXPORT,
            path=request.description[:300],
            ip=ip,
            household_ids=[],
            count=len(features),
        )
    return path, len(features)


def export_now(http_request, request: ExportRequest) -> tuple[Path, int]:
    """Write the export in a temporary folder (the caller streams and removes it)."""
    folder = Path(tempfile.mkdtemp(prefix="export-"))
    try:
        return export_write(http_request.user, request, folder, ip=client_ip(http_request))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")
