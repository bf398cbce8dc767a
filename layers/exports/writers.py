"""Writing features to files: GeoPackage, zipped Shapefile, GeoJSON and KML through GDAL
(pyogrio), XLSX through openpyxl.

The features come from a collection's serializer (``layers.collections``): each is a
GeoJSON Feature, its ``id`` and properties become columns under the names the project's
importers read back (``households.importing.readers``), and ID numbers and phones, always
masked in an export, get names the importers do not read, so that a re-imported file never
writes a mask over a real number.
"""

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from openpyxl import Workbook

from households.importing.readers import HOUSEHOLD_ALIASES, chinese_header


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    suffix: str  # of the file handed out
    driver: str = ""  # GDAL's; empty: XLSX through openpyxl
    wgs84_only: bool = False  # KML: always WGS 84 (the KML 2.2 standard)


FORMATS = {
    f.key: f
    for f in (
        Format("gpkg", "GeoPackage", ".gpkg", "GPKG"),
        Format("shp", "Shapefile (zip)", ".zip", "ESRI Shapefile"),
        Format("geojson", "GeoJSON", ".geojson", "GeoJSON"),
        Format("kml", "KML", ".kml", "KML", wgs84_only=True),
        Format("xlsx", "Excel (XLSX)", ".xlsx"),
    )
}
RENAMED = {"id_number": "id_number_masked", "phone": "phone_masked"}  # masked: not re-read
GEOJSON_DIGITS = 9  # decimals of degrees written: 1e-9 degree is 0.1 mm, a round trip keeps points
# XLSX headers: the import template's Chinese headers where the importers read them, and
# these for the other columns
XLSX_HEADERS = {
    "id": "编号",  # read back as the household id (households.importing.readers)
    "id_number_masked": "身份证号（脱敏）",
    "phone_masked": "联系电话（脱敏）",
    "township_code": "乡镇编码",
    "township_name": "乡镇名称",
    "village_code": "村编码",
    "village_name": "村名称",
    "group_name": "村民小组名称",
    "grid": "网格编码",
    "member_area": "联户编号",
    "code": "编码",
    "name": "名称",
    "households": "户数",
    "member_areas": "联户数",
    "version": "版本",
    "valid_from": "启用时间",
    "valid_to": "停用时间",
    "locked": "锁定",
    "leader": "网格长",
    "member": "网格员",
    "groups": "村民小组",
    "number": "联户编号",
    "lon": "经度",
    "lat": "纬度",
}


def frame(features: list[dict], crs: int) -> gpd.GeoDataFrame:
    """The features as a GeoDataFrame: ``id``, the properties (masked ones renamed), geometry."""
    records = [{"id": f["id"], **f["properties"]} for f in features]
    table = pd.DataFrame.from_records(records) if records else pd.DataFrame({"id": []})
    table = table.rename(columns=RENAMED)
    geometry = shapely.from_geojson(
        [json.dumps(f["geometry"]) if f["geometry"] else "null" for f in features]
    )
    return gpd.GeoDataFrame(table, geometry=list(geometry), crs=crs)


def write(gdf: gpd.GeoDataFrame, fmt: Format, folder: Path, name: str) -> Path:
    """Write ``gdf`` as ``name`` in ``folder``; returns the file to hand out."""
    target = folder / f"{name}{fmt.suffix}"
    if fmt.key == "xlsx":
        _xlsx(gdf, target, name)
    elif fmt.key == "shp":
        shp = folder / "shp"
        shp.mkdir()
        # UTF-8 and a .cpg that says so: Chinese names survive in QGIS, ArcGIS and the importer
        pyogrio.write_dataframe(gdf, shp / f"{name}.shp", driver=fmt.driver, encoding="UTF-8")
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(shp.iterdir()):
                archive.write(part, part.name)
    else:
        options = {"layer": name}
        if fmt.key == "geojson":
            options["COORDINATE_PRECISION"] = GEOJSON_DIGITS
        pyogrio.write_dataframe(gdf, target, driver=fmt.driver, **options)
    return target


def _header(column: str) -> str:
    if column in XLSX_HEADERS:
        return XLSX_HEADERS[column]
    return chinese_header(column, HOUSEHOLD_ALIASES)


def _xlsx(gdf: gpd.GeoDataFrame, target: Path, name: str) -> None:
    """One sheet, Chinese headers; points as 经度/纬度, polygons by a point inside them."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(name[:31])  # Excel's limit on sheet names
    columns = [c for c in gdf.columns if c != "geometry"]
    sheet.append([_header(c) for c in ["id", *columns[1:], "lon", "lat"]])
    points = [
        g if g is None or g.geom_type == "Point" else g.representative_point() for g in gdf.geometry
    ]
    for values, point in zip(gdf[columns].itertuples(index=False), points):
        cells = [None if _missing(v) else v for v in values]
        sheet.append([*cells, point.x if point else None, point.y if point else None])
    book.save(target)


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
