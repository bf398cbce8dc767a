"""Writes of cameras and service points: one at a time (the map page) or a checked file's
rows at once (the importer), each in one transaction, each giving the townships it touches
a new data stamp (their tiles are drawn anew).

A point belongs to the village whose boundary holds it (and so to that village's
township); a point outside every village, or outside the writer's area, is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from households.models import Village
from households.scoping import COUNTY, TOWNSHIP, VILLAGE
from households.stamps import data_changed

from .models import CAMERA_MAX_RANGE_M, Camera, ServicePoint
from .sectors import check_angles, sector

ERR_NO_VILLAGE = _("the point %(lon).6f, %(lat).6f lies in no village of the county")
ERR_OUTSIDE_AREA = _("the point lies outside your area (%(area)s)")
ERR_REF_ELSEWHERE = _("number %(ref)s is already used by a camera or service point of %(place)s")
ERR_REF_EMPTY = _("the number is empty")


class OverlayInputError(ValueError):
    """Values that cannot be saved: field -> reason (a 400 that names each field)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = {k: str(v) for k, v in errors.items()}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


@dataclass(frozen=True)
class CameraInput:
    external_ref: str
    lon: float
    lat: float
    direction: float
    fov: float
    range_m: float
    name: str = ""


@dataclass(frozen=True)
class ServicePointInput:
    external_ref: str
    kind: str
    lon: float
    lat: float
    name: str = ""


def villages_at(lons: Sequence[float], lats: Sequence[float]) -> list[tuple[int, int] | None]:
    """(village id, township id) of the village holding each point, None outside every
    village: one indexed join for all the points."""
    if not len(lons):
        return []
    table = Village._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT p.i, v.id, v.township_id FROM unnest(%s::float8[], %s::float8[]) "
            "WITH ORDINALITY AS p(x, y, i) "
            f"JOIN LATERAL (SELECT id, township_id FROM {table} v WHERE v.boundary IS NOT NULL "
            "AND ST_Intersects(v.boundary, ST_SetSRID(ST_MakePoint(p.x, p.y), 4326)) "
            "ORDER BY v.code LIMIT 1) v ON true",
            [list(map(float, lons)), list(map(float, lats))],
        )
        found = {i: (v, t) for i, v, t in cur.fetchall()}
    return [found.get(i + 1) for i in range(len(lons))]


def outside_area(scope, village_id: int, township_id: int) -> bool:
    if scope.level == COUNTY:
        return False
    if scope.level == TOWNSHIP:
        return township_id != scope.township_id
    return village_id != scope.village_id  # village (and grid) staff: their village only


def area_label(scope) -> str:
    if scope.level == TOWNSHIP:
        return scope.township_code
    if scope.level == VILLAGE:
        return scope.village_code
    return scope.level


def _place(scope, lon: float, lat: float) -> tuple[int, int]:
    place = villages_at([lon], [lat])[0]
    if place is None:
        raise OverlayInputError({"location": ERR_NO_VILLAGE % {"lon": lon, "lat": lat}})
    if outside_area(scope, *place):
        raise OverlayInputError({"location": ERR_OUTSIDE_AREA % {"area": area_label(scope)}})
    return place


def _check_ref(model, ref: str, current) -> None:
    if not ref.strip():
        raise OverlayInputError({"external_ref": ERR_REF_EMPTY})
    clash = model.objects.filter(external_ref=ref.strip()).exclude(pk=getattr(current, "pk", None))
    if clash.exists():
        place = clash.select_related("township").first().township.name
        raise OverlayInputError({"external_ref": ERR_REF_ELSEWHERE % {"ref": ref, "place": place}})


def camera_sector(data) -> GEOSGeometry:
    shape = sector(
        lon=data.lon, lat=data.lat, direction=data.direction, fov=data.fov, range_m=data.range_m
    )
    return GEOSGeometry(shape.wkb_hex, srid=4326)


@transaction.atomic
def camera_save(*, scope, data: CameraInput, camera: Camera | None = None) -> Camera:
    """Create a camera (``camera`` None) or change one, with its sector computed anew."""
    errors = check_angles(
        direction=data.direction,
        fov=data.fov,
        range_m=data.range_m,
        max_range_m=CAMERA_MAX_RANGE_M,
    )
    if errors:
        raise OverlayInputError(errors)
    village_id, township_id = _place(scope, data.lon, data.lat)
    _check_ref(Camera, data.external_ref, camera)
    camera = camera or Camera()
    old_township = camera.township_id
    camera.external_ref, camera.name = data.external_ref.strip(), data.name.strip()
    camera.location = Point(data.lon, data.lat, srid=4326)
    camera.direction, camera.fov, camera.range_m = data.direction, data.fov, data.range_m
    camera.sector = camera_sector(data)
    camera.village_id, camera.township_id = village_id, township_id
    camera.save()
    data_changed({township_id, old_township} - {None})
    return camera


@transaction.atomic
def service_point_save(
    *, scope, data: ServicePointInput, point: ServicePoint | None = None
) -> ServicePoint:
    if data.kind not in ServicePoint.Kind.values:
        raise OverlayInputError({"kind": _("unknown kind %(kind)r") % {"kind": data.kind}})
    village_id, township_id = _place(scope, data.lon, data.lat)
    _check_ref(ServicePoint, data.external_ref, point)
    point = point or ServicePoint()
    old_township = point.township_id
    point.external_ref, point.name, point.kind = data.external_ref.strip(), data.name, data.kind
    point.location = Point(data.lon, data.lat, srid=4326)
    point.village_id, point.township_id = village_id, township_id
    point.save()
    data_changed({township_id, old_township} - {None})
    return point


@transaction.atomic
def overlay_point_delete(*, obj) -> None:
    """Delete a camera or a service point."""
    township_id = obj.township_id
    obj.delete()
    data_changed([township_id])
