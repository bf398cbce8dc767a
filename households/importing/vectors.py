"""Reading GIS files through GDAL: GeoJSON, GeoPackage, zipped Shapefile, KML.

Before reading: a zip must hold exactly one layer (a Shapefile needs its .shp, not only its
.dbf), a file must have at most readers.MAX_ROWS features and MAX_COLUMNS fields, and
have geometries. A Shapefile whose .dbf declares no encoding (no .cpg) is GBK or UTF-8 in
practice, not the Latin-1 GDAL assumes: its text is decoded as whichever of the two reads
it, with a warning. A geometry GEOS cannot build (a ring of three positions, an unclosed
ring) is an error of that feature, not of the file.
"""

import warnings
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from django.utils.translation import gettext_lazy as _
from shapely.errors import GEOSException

from .readers import (
    ERR_EMPTY_FILE,
    ERR_UNREADABLE,
    GEOMETRY,
    ReadError,
    Table,
    check_shape,
    check_size,
    without_paths,
)
from .report import Problem

LAYER_SUFFIXES = {".shp", ".gpkg", ".geojson", ".json", ".kml", ".gml", ".tab", ".mif"}
ENCODING_SAMPLE = 2000  # features read to tell GBK from UTF-8 in a .dbf without .cpg

ERR_ZIP_NO_LAYER = _("the zip holds no GIS file (.shp, .gpkg, .geojson, .kml)")
ERR_ZIP_NO_SHP = _(
    "the zip holds %(dbf)s but no %(shp)s: the geometries of a Shapefile are in its .shp"
)
ERR_SEVERAL_LAYERS = _("the file holds %(count)d layers (%(names)s): upload one layer per file")
ERR_NO_GEOMETRY_LAYER = _("the file has attributes but no geometries")
ERR_BAD_GEOMETRY = _(
    "the geometry cannot be read (a polygon ring needs 4 or more positions, the last one "
    "equal to the first): %(reason)s"
)
WARN_DBF_ENCODING = _(
    "the Shapefile does not say how its text is encoded (no .cpg file): read as %(encoding)s; "
    "check the names"
)
_PYOGRIO_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.CRSError,
    ValueError,
    OSError,
)


def read_vector(path: Path) -> Table:
    """The features as a GeoDataFrame (`Table.frame`, feature numbers in `rows`)."""
    check_size(path)
    target, layer = _target(path)
    notes: list[Problem] = []
    with warnings.catch_warnings():  # GDAL's notes (laundered names, unclosed rings) are
        warnings.simplefilter("ignore", RuntimeWarning)  # reported below in our words
        try:
            info = pyogrio.read_info(target, layer=layer)
            check_shape(int(info["features"]), len(info["fields"]))
            if info["geometry_type"] is None:
                raise ReadError(ERR_NO_GEOMETRY_LAYER)
            encoding = _dbf_encoding(target, layer, info, notes)
            gdf = pyogrio.read_dataframe(
                target, layer=layer, encoding=encoding, on_invalid="ignore"
            )
            errors = _unreadable(target, layer, gdf) if gdf.geometry.isna().any() else []
        except _PYOGRIO_ERRORS as exc:
            raise ReadError(ERR_UNREADABLE % {"error": without_paths(str(exc), path)}) from exc
    if gdf.empty:
        raise ReadError(ERR_EMPTY_FILE)
    gdf.columns = [str(c).strip() for c in gdf.columns]
    return Table(gdf, np.arange(len(gdf)) + 1, "feature", notes, errors)


def _target(path: Path) -> tuple[str, str | None]:
    """What GDAL opens, and the layer: a zip must hold one layer; so must a GeoPackage."""
    if path.suffix.lower() != ".zip":
        return str(path), _single_layer(str(path))
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReadError(ERR_UNREADABLE % {"error": without_paths(str(exc), path)}) from exc
    layers = [n for n in names if PurePosixPath(n).suffix.lower() in LAYER_SUFFIXES]
    if not layers:
        dbf = next((n for n in names if n.lower().endswith(".dbf")), None)
        if dbf:
            shp = PurePosixPath(dbf).with_suffix(".shp").name
            raise ReadError(ERR_ZIP_NO_SHP % {"dbf": PurePosixPath(dbf).name, "shp": shp})
        raise ReadError(ERR_ZIP_NO_LAYER)
    if len(layers) > 1:
        raise ReadError(ERR_SEVERAL_LAYERS % {"count": len(layers), "names": ", ".join(layers)})
    target = f"/vsizip/{path}/{layers[0]}"
    return target, _single_layer(target)


def _single_layer(target: str) -> str | None:
    try:
        layers = pyogrio.list_layers(target)
    except _PYOGRIO_ERRORS:
        return None  # read_info says what is wrong
    spatial = [str(name) for name, kind in layers if kind is not None]
    if len(spatial) > 1:
        raise ReadError(ERR_SEVERAL_LAYERS % {"count": len(spatial), "names": ", ".join(spatial)})
    return spatial[0] if spatial else None


def _dbf_encoding(target, layer, info, notes) -> str | None:
    """GBK or UTF-8 for a Shapefile without .cpg whose text is not plain ASCII."""
    if info.get("driver") != "ESRI Shapefile" or info.get("encoding") != "ISO-8859-1":
        return None
    sample = pyogrio.read_dataframe(
        target, layer=layer, read_geometry=False, max_features=ENCODING_SAMPLE
    )
    text = "".join(map(str, sample.columns)) + "".join(
        v for col in sample.columns for v in sample[col].tolist() if isinstance(v, str)
    )
    if text.isascii():
        return None
    data = text.encode("latin-1", errors="replace")
    for encoding, name in (("utf-8", "UTF-8"), ("gb18030", "GBK")):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        notes.append(Problem(None, "", WARN_DBF_ENCODING % {"encoding": name}))
        return encoding.upper()
    return None


def _unreadable(target, layer, gdf) -> list[Problem]:
    """Features whose geometry GDAL read but GEOS cannot build (their geometry is None)."""
    raw = pyogrio.raw.read(target, layer=layer, columns=[])[2]
    errors = []
    for i in np.flatnonzero(gdf.geometry.isna().to_numpy()):
        if raw[i] is None:
            continue  # no geometry at all: the importer says so
        try:
            shapely.from_wkb(raw[i])
            reason = "?"
        except GEOSException as exc:
            reason = str(exc).split(": ", 1)[-1]
        errors.append(
            Problem(int(i) + 1, str(GEOMETRY), ERR_BAD_GEOMETRY % {"reason": reason}, "feature")
        )
    return errors


def attributes_as_text(gdf) -> pd.DataFrame:
    """The attribute columns as text: whole floats without '.0', nulls empty."""
    frame = pd.DataFrame(gdf.drop(columns="geometry"))
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_float_dtype(values):
            whole = values.notna() & (values == values.round()) & (values.abs() < 1e15)
            ints = values.where(whole, 0).round().astype("Int64").astype(str)
            text = values.astype(str).where(~whole, ints)
            values = text.where(values.notna(), "")
        elif pd.api.types.is_bool_dtype(values):
            values = values.map({True: "1", False: "0"})
        else:
            values = values.astype(object).where(values.notna(), "").astype(str)
        out[col] = values
    return pd.DataFrame(out, index=frame.index)
