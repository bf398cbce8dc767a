"""Bad files are rejected whole, with messages that name the row (or feature) and the field.

Every case runs twice, through the Python API and through the management command, on a
database that already holds the demo groups; the database must be unchanged afterwards.
"""

import re

import geopandas as gpd
import pytest
import shapely
from django.core.management import CommandError, call_command
from django.utils.translation import gettext as _

from households.codes import ERR_CODE_FORMAT, ERR_CODE_PREFIX
from households.importing import ImportRejected, import_households, import_village_groups
from households.importing.checks import (
    ERR_GEOMETRY_TYPE,
    ERR_MISSING_COLUMN,
    ERR_OUT_OF_RANGE,
    ERR_OUTSIDE_EXTENT,
    ERR_SWAPPED,
)
from households.importing.fields import ERR_NOT_INTEGER, ERR_NOT_NUMBER
from households.importing.group_geometry import ERR_OVERLAP, ERR_UNREPAIRABLE
from households.importing.households import ERR_DUPLICATE_ID
from households.importing.readers import (
    CRS,
    ERR_EMPTY_FILE,
    ERR_NO_ROWS,
    ERR_SUFFIX,
    GEOMETRY,
    HOUSEHOLD_ALIASES,
)

from .conftest import HOUSEHOLD_COLUMNS, demo_household_rows, unchanged_db, write_rows

pytestmark = pytest.mark.django_db

# The demo county's extent (settings.COUNTY_EXTENT) is 114.8-116.4 E, 25.4-26.7 N.


def _rejected(importer, command, path, **kwargs):
    """Run the import both ways; return the report's errors (each way must write nothing)."""
    with unchanged_db(), pytest.raises(ImportRejected) as api:
        importer(path, **kwargs)
    with unchanged_db(), pytest.raises(CommandError) as cli:
        call_command(command, str(path), **kwargs)
    assert str(api.value.report.errors[0]) in str(cli.value)
    assert "nothing written" in str(cli.value)
    return api.value.report.errors


def _label(row, field, where="row"):
    """How a problem names its place, in the active language: 'row 3, lon: ' / '行 3, lon: '."""
    return f"{_(where)} {row}, {field}: "


def _households(tmp_path, edit, name="households.csv"):
    rows = demo_household_rows(5)
    edit(rows)
    return write_rows(tmp_path / name, rows)


def _set(i, **values):
    def edit(rows):
        rows[i].update(values)

    return edit


# (id, edit of the first five demo rows, expected (file row, field, message)); row 2 = rows[0]
HOUSEHOLD_CASES = [
    ("non-numeric-lon", _set(1, lon="115.6x"), (3, "lon", ERR_NOT_NUMBER % {"value": "115.6x"})),
    ("blank-lat", _set(2, lat=""), (4, "lat", ERR_NOT_NUMBER % {"value": ""})),
    (
        "out-of-range",
        _set(0, lon="215.6", lat="26.0"),
        (2, "lon", ERR_OUT_OF_RANGE % {"lon": 215.6, "lat": 26.0}),
    ),
    (
        "swapped",
        _set(3, lon="26.0312295", lat="115.6238111"),
        (5, "lon", ERR_SWAPPED % {"lon": 26.0312295, "lat": 115.6238111}),
    ),
    (
        "outside-county",
        _set(4, lon="113.5", lat="23.1"),
        (
            6,
            "lon",
            ERR_OUTSIDE_EXTENT % {"lon": 113.5, "lat": 23.1, "extent": [114.8, 25.4, 116.4, 26.7]},
        ),
    ),
    ("members", _set(1, members="two"), (3, "members", ERR_NOT_INTEGER % {"value": "two"})),
]


@pytest.mark.parametrize(
    "edit, expected", [c[1:] for c in HOUSEHOLD_CASES], ids=[c[0] for c in HOUSEHOLD_CASES]
)
def test_household_row_errors_name_row_and_field(demo_groups, tmp_path, edit, expected):
    errors = _rejected(import_households, "import_households", _households(tmp_path, edit))
    row, field, message = expected
    assert [(p.row, p.field, p.message) for p in errors] == [(row, field, str(message))]
    assert str(errors[0]).startswith(_label(row, field))


def test_swapped_coordinates_say_swapped(demo_groups, tmp_path):
    """China's lat/lon swapped gives lat > 90: still reported as swapped, not out of range."""
    path = _households(tmp_path, _set(0, lon="26.03", lat="115.62"))
    (problem,) = _rejected(import_households, "import_households", path)
    assert problem.message == str(ERR_SWAPPED % {"lon": 26.03, "lat": 115.62})


def test_duplicate_ids_name_both_rows(demo_groups, tmp_path):
    path = _households(tmp_path, _set(3, id="H0000002"))
    (problem,) = _rejected(import_households, "import_households", path)
    assert (problem.row, problem.field) == (5, "id")
    assert problem.message == str(ERR_DUPLICATE_ID % {"id": "H0000002", "first": 3})


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", ERR_EMPTY_FILE),
        (b"id,lon,lat,head\n", ERR_NO_ROWS),
        (b"\xef\xbb\xbf\r\n", ERR_EMPTY_FILE),
    ],
    ids=["0-bytes", "header-only", "bom-only"],
)
def test_empty_household_file(demo_groups, tmp_path, content, expected):
    path = tmp_path / "households.csv"
    path.write_bytes(content)
    (problem,) = _rejected(import_households, "import_households", path)
    assert problem.message == str(expected)


def test_empty_xlsx(demo_groups, tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["户编号", "经度", "纬度"])
    wb.save(tmp_path / "empty.xlsx")
    (problem,) = _rejected(import_households, "import_households", tmp_path / "empty.xlsx")
    assert problem.message == str(ERR_NO_ROWS)


def test_missing_column_named(demo_groups, tmp_path):
    rows = demo_household_rows(3)
    columns = [c for c in HOUSEHOLD_COLUMNS if c != "lat"]
    path = write_rows(tmp_path / "households.csv", rows, columns)
    (problem,) = _rejected(import_households, "import_households", path)
    assert problem.field == "纬度"  # a column the file lacks is named by its Chinese header
    assert problem.message == str(
        ERR_MISSING_COLUMN % {"col": "纬度", "aliases": ", ".join(HOUSEHOLD_ALIASES["lat"])}
    )


def test_unsupported_suffix(demo_groups, tmp_path):
    path = tmp_path / "households.ods"
    path.write_bytes(b"x")
    (problem,) = _rejected(import_households, "import_households", path)
    assert problem.message.startswith(str(ERR_SUFFIX).split("%")[0])


def test_polygon_households_rejected(demo_groups, groups_gdf, tmp_path):
    gdf = groups_gdf.head(3)[["code", "geometry"]].rename(columns={"code": "id"})
    path = tmp_path / "households.geojson"
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio")
    (problem,) = _rejected(import_households, "import_households", path)
    assert (problem.row, problem.where, problem.field) == (1, "feature", str(GEOMETRY))
    assert problem.message == str(
        ERR_GEOMETRY_TYPE % {"found": "MultiPolygon", "expected": "Point"}
    )
    assert str(problem).startswith(_label(1, GEOMETRY, "feature"))


# ---- village groups ---------------------------------------------------------------------


def _write_groups(gdf, path):
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio")
    return path


def test_linestring_groups_rejected(demo_groups, groups_gdf, tmp_path):
    groups_gdf.loc[4, "geometry"] = groups_gdf.geometry[4].boundary
    path = _write_groups(groups_gdf, tmp_path / "groups.geojson")
    (problem,) = _rejected(import_village_groups, "import_village_groups", path)
    assert (problem.row, problem.field) == (5, str(GEOMETRY))
    assert problem.message == str(
        ERR_GEOMETRY_TYPE % {"found": "MultiLineString", "expected": "Polygon/MultiPolygon"}
    )
    assert str(problem).startswith(_label(5, GEOMETRY, "feature"))


@pytest.mark.parametrize(
    "content",
    [b"", b'{"type": "FeatureCollection", "features": []}'],
    ids=["0-bytes", "no-features"],
)
def test_empty_group_file(demo_groups, tmp_path, content):
    path = tmp_path / "groups.geojson"
    path.write_bytes(content)
    (problem,) = _rejected(import_village_groups, "import_village_groups", path)
    assert problem.message == str(ERR_EMPTY_FILE)


def test_group_file_missing_column(demo_groups, groups_gdf, tmp_path):
    path = _write_groups(groups_gdf.drop(columns="village_code"), tmp_path / "groups.geojson")
    (problem,) = _rejected(import_village_groups, "import_village_groups", path)
    assert problem.field == "村编码"
    assert "行政村编码" in problem.message


def test_unrepairable_polygon_rejected(demo_groups, groups_gdf, tmp_path):
    """A polygon collapsed to a line (zero area) has no polygonal repair."""
    x0, y0 = groups_gdf.geometry[2].representative_point().coords[0]
    flat = shapely.Polygon([(x0, y0), (x0 + 1e-3, y0), (x0 + 2e-3, y0), (x0, y0)])
    groups_gdf.loc[2, "geometry"] = flat
    path = _write_groups(groups_gdf, tmp_path / "groups.geojson")
    (problem,) = _rejected(import_village_groups, "import_village_groups", path)
    assert (problem.row, problem.field) == (3, str(GEOMETRY))
    prefix = str(ERR_UNREPAIRABLE).split("%")[0]
    assert problem.message.startswith(prefix)


def test_overlapping_groups_rejected_with_area(demo_groups, groups_gdf, tmp_path):
    """Group 2 grows by a 100 m buffer into its neighbours: the overlap area is reported in m²."""
    grown = groups_gdf.to_crs(32650).geometry[1].buffer(100)  # UTM 50N: 114-120 E
    groups_gdf.loc[1, "geometry"] = gpd.GeoSeries([grown], crs=32650).to_crs(4326).iloc[0]
    path = _write_groups(groups_gdf, tmp_path / "groups.geojson")
    errors = _rejected(import_village_groups, "import_village_groups", path)
    assert {p.field for p in errors} == {str(GEOMETRY)}
    for p in errors:  # the message is the constant with the other feature and the area in m²
        area = float(re.findall(r"\d+\.\d", p.message)[-1])
        other = re.findall(r"\d+", p.message.replace(f"{area:.1f}", ""))[0]
        assert p.message == str(ERR_OVERLAP % {"other": other, "area": area})
        assert 2 in (p.row, int(other))  # every overlap involves the grown group
    assert max(float(re.findall(r"\d+\.\d", p.message)[-1]) for p in errors) > 1000


def test_group_outside_county_rejected(demo_groups, groups_gdf, tmp_path):
    groups_gdf.loc[0, "geometry"] = shapely.box(113.0, 23.0, 113.01, 23.01)
    path = _write_groups(groups_gdf, tmp_path / "groups.geojson")
    errors = _rejected(import_village_groups, "import_village_groups", path)
    assert {(p.row, p.field) for p in errors} == {(1, str(GEOMETRY))}


def test_village_code_not_under_township(demo_groups, groups_gdf, tmp_path):
    groups_gdf["village_code"] = groups_gdf["village_code"].where(
        groups_gdf["village_code"] != "360721100200", "360721101200"
    )
    groups_gdf["code"] = groups_gdf["code"].str.replace("^360721100200", "360721101200", regex=True)
    path = _write_groups(groups_gdf, tmp_path / "groups.geojson")
    errors = _rejected(import_village_groups, "import_village_groups", path)
    village_rows = set(groups_gdf.index[groups_gdf["village_code"] == "360721101200"] + 1)
    assert {p.row for p in errors} == village_rows
    assert {p.field for p in errors} == {"village_code"}
    assert errors[0].message == str(
        ERR_CODE_PREFIX % {"field": "village_code", "value": "360721101200", "parent": "360721100"}
    )


def test_thirteen_digit_group_code(demo_groups, groups_gdf, tmp_path):
    groups_gdf.loc[6, "code"] = groups_gdf["code"][6][:13]
    path = _write_groups(groups_gdf, tmp_path / "groups.geojson")
    (problem,) = _rejected(import_village_groups, "import_village_groups", path)
    assert (problem.row, problem.field) == (7, "code")
    assert problem.message == str(
        ERR_CODE_FORMAT % {"field": "code", "length": 14, "value": groups_gdf["code"][6]}
    )


def test_group_without_crs_rejected(demo_groups, groups_gdf, tmp_path):
    """A Shapefile without .prj declares no CRS."""
    import zipfile

    shp = tmp_path / "shp"
    shp.mkdir()
    groups_gdf.to_file(shp / "groups.shp", engine="pyogrio", encoding="utf-8")
    (shp / "groups.prj").unlink()
    path = tmp_path / "groups.zip"
    with zipfile.ZipFile(path, "w") as z:
        for f in shp.iterdir():
            z.write(f, f.name)
    (problem,) = _rejected(import_village_groups, "import_village_groups", path)
    assert problem.field == str(CRS)
