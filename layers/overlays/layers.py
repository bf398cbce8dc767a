"""Uploaded vector layers: a department's file (GeoJSON, GeoPackage, zipped Shapefile, KML)
read through the household importers' GDAL reader (one layer a file, GBK Shapefiles, CRS
checks), stored as geometry rows with a name, a style and the area it is shown in.
Nothing is written unless the whole file is good."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shapely
from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from households.importing import ImportReport
from households.importing.checks import to_wgs84_frame
from households.importing.readers import ReadError, check_suffix
from households.importing.vectors import attributes_as_text, read_vector
from households.models import Township, Village
from households.scoping import COUNTY, TOWNSHIP, VILLAGE
from households.stamps import data_changed

from .models import OverlayFeature, OverlayLayer
from .services import OverlayInputError

SUFFIXES = {".geojson", ".json", ".gpkg", ".zip", ".kml"}
# A layer drawn on every map: roads, rivers, school catchments of a county are thousands of
# features; 50,000 keeps a county's tiles fast (a tile is cut from the GiST index anyway).
MAX_FEATURES = 50_000
LABEL_COLUMNS = ("name", "名称", "NAME", "Name", "label", "标注")
MAX_PROPERTIES = 30  # attributes kept per feature (shown in its popup)

ERR_NO_GEOMETRY = _("the layer has no geometry: every feature's geometry is empty")
ERR_TOO_MANY = _("the layer has %(n)d features; at most %(max)d")
ERR_OUTSIDE = _("the layer lies outside the county (its extent is %(extent)s)")
ERR_AREA = _("no %(level)s with code %(code)s in your area")


@dataclass(frozen=True)
class LayerStyle:
    color: str
    weight: int
    fill: bool


def _area(scope, level: str, code: str) -> tuple[Township | None, Village | None]:
    if level == COUNTY:
        if scope.level != COUNTY:
            raise OverlayInputError({"level": ERR_AREA % {"level": level, "code": "-"}})
        return None, None
    if level == TOWNSHIP:
        township = Township.objects.for_scope(scope).filter(code=code).first()
        if township is None:
            raise OverlayInputError({"area": ERR_AREA % {"level": level, "code": code}})
        return township, None
    village = Village.objects.for_scope(scope).filter(code=code).select_related("township").first()
    if village is None:
        raise OverlayInputError({"area": ERR_AREA % {"level": VILLAGE, "code": code}})
    return village.township, village


def _features(path: Path) -> list[OverlayFeature]:
    check_suffix(path, SUFFIXES)
    table = read_vector(path)
    if table.errors:
        raise ReadError(table.errors[0])
    report = ImportReport(kind="layer", source=path.name)
    gdf = table.frame
    present = gdf.geometry.notna().to_numpy() & ~gdf.geometry.is_empty.to_numpy()
    if not present.any():
        raise ReadError(ERR_NO_GEOMETRY)
    if len(gdf) > MAX_FEATURES:
        raise ReadError(ERR_TOO_MANY % {"n": len(gdf), "max": MAX_FEATURES})
    gdf = to_wgs84_frame(gdf[present], report)
    if gdf is None:
        raise ReadError(report.first_error())
    x0, y0, x1, y1 = settings.COUNTY_EXTENT
    minx, miny, maxx, maxy = gdf.total_bounds
    if maxx < x0 or minx > x1 or maxy < y0 or miny > y1:
        extent = [round(float(v), 4) for v in (minx, miny, maxx, maxy)]
        raise ReadError(ERR_OUTSIDE % {"extent": extent})
    geoms = shapely.make_valid(shapely.force_2d(gdf.geometry.values))
    attrs = attributes_as_text(gdf)
    keep = list(attrs.columns[:MAX_PROPERTIES])
    label = next((c for c in LABEL_COLUMNS if c in attrs.columns), None)
    out = []
    for i, geom in enumerate(geoms):
        row = attrs.iloc[i]
        out.append(
            OverlayFeature(
                geom=GEOSGeometry(shapely.to_wkb(geom, hex=True, include_srid=False), srid=4326),
                label=str(row[label])[:100] if label else "",
                properties={c: str(row[c])[:200] for c in keep if str(row[c])},
            )
        )
    return out


def overlay_layer_upload(
    *, scope, user, name: str, path: Path, style: LayerStyle, level: str, area_code: str
) -> OverlayLayer:
    """Read, check and store a layer; OverlayInputError naming the field otherwise."""
    township, village = _area(scope, level, area_code)
    try:
        features = _features(Path(path))
    except ReadError as exc:
        raise OverlayInputError({"file": str(exc)}) from exc
    kinds = sorted({f.geom.geom_type for f in features})
    with transaction.atomic():
        layer = OverlayLayer.objects.create(
            name=name,
            color=style.color,
            weight=style.weight,
            fill=style.fill,
            level=level,
            township=township,
            village=village,
            source=Path(path).name[:200],
            geometry_type=(kinds[0] if len(kinds) == 1 else "mixed")[:20],
            feature_count=len(features),
            created_by=user,
        )
        for f in features:
            f.layer = layer
        OverlayFeature.objects.bulk_create(features, batch_size=2000)
        data_changed(None if township is None else [township.pk])
    return layer


@transaction.atomic
def overlay_layer_delete(*, layer: OverlayLayer) -> None:
    township_id = layer.township_id
    layer.delete()
    data_changed(None if township_id is None else [township_id])


def may_delete(scope, layer: OverlayLayer) -> bool:
    """County staff delete any layer; township staff those of their township."""
    return scope.level == COUNTY or (
        layer.township_id is not None and layer.township_id == scope.township_id
    )
