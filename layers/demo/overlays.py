"""The demo county's cameras (雪亮工程) and service points, fixed seed: about 30 cameras per
township, each at a household near its village's centre (where the roads meet), looking a
random way; a party-mass service centre and a mediation room in every village, elderly
care points, police assistants and legal advisers in some. Written in bulk, once."""

from __future__ import annotations

import math

import numpy as np
from django.contrib.gis.db.models.functions import Distance, PointOnSurface
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import transaction
from django.db.models import Subquery

from households.models import Household, Township, Village
from households.stamps import data_changed

from ..overlays.models import Camera, ServicePoint
from ..overlays.sectors import sector

CAMERAS_PER_TOWNSHIP = 30
NEAR_CENTRE = 120  # households nearest the village centre that cameras are placed among
FOVS = (60.0, 90.0, 120.0)  # bullet cameras' usual lenses
RANGES = (50.0, 80.0, 100.0)
K = ServicePoint.Kind
# kind -> share of villages that have one (party centres and mediation rooms: all)
SERVICE_SHARES = {K.PARTY_CENTRE: 1.0, K.MEDIATION: 1.0, K.ELDERLY: 0.6, K.POLICE: 0.5}
LEGAL_ADVISERS_PER_TOWNSHIP = 1


def _near_centre(village: Village) -> list[Point]:
    centre = Village.objects.filter(pk=village.pk).annotate(c=PointOnSurface("boundary"))
    households = (
        Household.objects.filter(group__village=village)
        .annotate(d=Distance("location", Subquery(centre.values("c")[:1])))
        .order_by("d", "external_id")
        .values_list("location", flat=True)[:NEAR_CENTRE]
    )
    return list(households)


@transaction.atomic
def overlays_load(seed: int) -> tuple[int, int]:
    """(cameras, service points) written; nothing if the county has cameras already."""
    if Camera.objects.exists() or ServicePoint.objects.exists():
        return 0, 0
    rng = np.random.default_rng(seed)
    cameras, points = [], []
    for township in Township.objects.order_by("code"):
        villages = list(
            Village.objects.filter(township=township, boundary__isnull=False).order_by("code")
        )
        if not villages:
            continue
        per_village = math.ceil(CAMERAS_PER_TOWNSHIP / len(villages))
        for vi, village in enumerate(villages):
            spots = _near_centre(village)
            if not spots:
                continue
            for n in range(per_village):
                at = spots[int(rng.integers(len(spots)))]
                # a few metres off the house: on the road in front of it
                lon = at.x + float(rng.normal(0, 0.00005))
                lat = at.y + float(rng.normal(0, 0.00005))
                direction, fov = float(rng.integers(0, 360)), float(rng.choice(FOVS))
                range_m = float(rng.choice(RANGES))
                shape = sector(lon=lon, lat=lat, direction=direction, fov=fov, range_m=range_m)
                cameras.append(
                    Camera(
                        external_ref=f"SX{village.code}{n + 1:02d}",
                        name=f"{village.name}{n + 1}号探头",
                        township=township,
                        village=village,
                        location=Point(lon, lat, srid=4326),
                        direction=direction,
                        fov=fov,
                        range_m=range_m,
                        sector=GEOSGeometry(shape.wkb_hex, srid=4326),
                    )
                )
            legal = vi < LEGAL_ADVISERS_PER_TOWNSHIP
            for kind, share in [*SERVICE_SHARES.items(), (K.LEGAL_ADVISER, 1.0 if legal else 0)]:
                if rng.random() >= share:
                    continue
                at = spots[int(rng.integers(min(len(spots), 20)))]
                points.append(
                    ServicePoint(
                        external_ref=f"FW{village.code}{kind[:3].upper()}",
                        name=f"{village.name}{K(kind).label.split('(')[-1].rstrip(')')}",
                        kind=kind,
                        township=township,
                        village=village,
                        location=at,
                    )
                )
    Camera.objects.bulk_create(cameras)
    ServicePoint.objects.bulk_create(points)
    data_changed(None)
    return len(cameras), len(points)
