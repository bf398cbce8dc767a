"""Every file format township staff have gives the same groups and households."""

import io
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from households.importing import import_households, import_village_groups
from households.importing.group_geometry import WARN_REPAIRED
from households.importing.readers import GEOMETRY
from households.models import Household, VillageGroup
from households.templates_xlsx import HOUSEHOLD_COLUMNS, household_template_xlsx
from tests.conftest import DEMO

from .conftest import demo_household_rows, write_rows

pytestmark = pytest.mark.django_db

HOUSEHOLD_FIELDS = (
    "external_id",
    "head",
    "members",
    "id_number",
    "phone",
    "address",
    "group__code",
    *Household.TAG_FIELDS,
    "civility_points",
)


def households_table():
    """Every household's attributes and point (to 1e-7°), ordered by id."""
    rows = Household.objects.order_by("external_id").values_list(*HOUSEHOLD_FIELDS, "location")
    return [(*r[:-1], round(r[-1].x, 7), round(r[-1].y, 7)) for r in rows]


def groups_table():
    return list(
        VillageGroup.objects.order_by("code").values_list(
            "code", "name", "village__code", "village__name", "village__township__code"
        )
    )


def _zip_shapefile(gdf, tmp_path, stem):
    folder = tmp_path / stem
    folder.mkdir()
    with pytest.warns(RuntimeWarning) if any(len(c) > 10 for c in gdf.columns) else _nothing():
        gdf.to_file(folder / f"{stem}.shp", engine="pyogrio", encoding="utf-8")
    path = tmp_path / f"{stem}.zip"
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f.name)
    return path


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---- village groups ---------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Column names longer than 10:UserWarning")
@pytest.mark.parametrize("fmt", ["GeoJSON", "GPKG", "zipped Shapefile", "KML"])
def test_group_formats(groups_gdf, tmp_path, fmt):
    """GeoJSON, GeoPackage, zipped Shapefile and KML give the same 48 groups and geometry."""
    gdf = groups_gdf.drop(columns=[c for c in ("id",) if c in groups_gdf])
    if fmt == "zipped Shapefile":
        path = _zip_shapefile(gdf, tmp_path, "groups")
    else:
        suffix = {"GeoJSON": "geojson", "GPKG": "gpkg", "KML": "kml"}[fmt]
        path = tmp_path / f"groups.{suffix}"
        gdf.to_file(path, driver=fmt, engine="pyogrio")
    report = import_village_groups(path)
    assert (report.created, report.updated, report.errors) == (48, 0, [])
    stored = gpd.GeoSeries(
        [
            shapely.from_wkb(bytes(g.wkb))
            for g in VillageGroup.objects.order_by("code").values_list("geom", flat=True)
        ],
        crs=4326,
    )
    expected = groups_gdf.sort_values("code").geometry.reset_index(drop=True)
    assert shapely.equals_exact(stored.values, expected.values, tolerance=1e-7).all()
    assert len(groups_table()) == 48


def test_bow_tie_repaired_and_reported(groups_gdf, tmp_path):
    """A self-intersecting ring (bow tie) inside group 5 is repaired with make_valid.

    x0,y1 +   + x1,y1
          | X |          the ring runs (x0,y0) (x1,y1) (x1,y0) (x0,y1)
    x0,y0 +   + x1,y0
    """
    x, y = groups_gdf.geometry[4].representative_point().coords[0]
    d = 2e-4
    bow_tie = shapely.Polygon([(x - d, y - d), (x + d, y + d), (x + d, y - d), (x - d, y + d)])
    assert not bow_tie.is_valid
    gdf = groups_gdf.iloc[[4]].copy()
    gdf["geometry"] = [bow_tie]
    path = tmp_path / "bowtie.geojson"
    gdf.to_file(path, driver="GeoJSON", engine="pyogrio")
    report = import_village_groups(path)
    assert report.created == 1 and not report.errors
    (warning,) = report.warnings
    assert (warning.row, warning.where, warning.field) == (1, "feature", str(GEOMETRY))
    reason = shapely.is_valid_reason(bow_tie)
    assert warning.message == str(WARN_REPAIRED % {"reason": reason})
    stored = VillageGroup.objects.get()
    assert stored.geom.valid and stored.geom.geom_type == "MultiPolygon"
    assert len(stored.geom) == 2  # two triangles
    assert stored.geom.area == pytest.approx(2 * d * d, rel=1e-6)  # two d x 2d / 2 triangles


# ---- households --------------------------------------------------------------------------


def test_gbk_file_imports_the_same_households(demo_groups):
    """The Chinese Excel export (GBK, CRLF, Chinese headers) equals the UTF-8 file."""
    report = import_households(DEMO / "households_gbk.csv")
    assert (report.created, report.errors) == (2203, [])
    gbk = households_table()
    report = import_households(DEMO / "households.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2203)
    assert households_table() == gbk
    assert Household.objects.filter(head="何明", external_id="H0000001").exists()


def test_xlsx_households(demo_groups, tmp_path):
    """An XLSX written by openpyxl, numbers as numbers, gives the CSV's households."""
    rows = demo_household_rows(300)
    wb = Workbook()
    ws = wb.active
    ws.append(list(rows[0]))
    numeric = {"lon", "lat", "members", "civility_points", *Household.TAG_FIELDS}
    for row in rows:
        ws.append(
            [
                float(v) if k in ("lon", "lat") else int(v) if k in numeric else v
                for k, v in row.items()
            ]
        )
    wb.save(tmp_path / "households.xlsx")
    report = import_households(tmp_path / "households.xlsx")
    assert (report.created, report.errors, report.warnings) == (300, [], [])
    from_xlsx = households_table()
    Household.objects.all().delete()
    import_households(write_rows(tmp_path / "households.csv", rows))
    assert households_table() == from_xlsx


def test_template_downloads_fills_and_imports(demo_groups, tmp_path):
    """The template's first sheet has the Chinese headers and no row that would be imported."""
    wb = load_workbook(io.BytesIO(household_template_xlsx()))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers == [c[0] for c in HOUSEHOLD_COLUMNS]
    assert {
        "户主",
        "人口数",
        "身份证号",
        "联系电话",
        "地址",
        "经度",
        "纬度",
        "村民小组编码",
    } <= set(headers)
    assert ws.max_row == 1  # the example lives on the explanation sheet
    by_header = {c[1]: i for i, c in enumerate(HOUSEHOLD_COLUMNS)}
    rows = demo_household_rows(20)
    for row in rows:
        cells = [""] * len(headers)
        for key, value in row.items():
            if key in by_header:
                cells[by_header[key]] = (
                    "是"
                    if value == "1" and key in Household.TAG_FIELDS
                    else "否"
                    if value == "0" and key in Household.TAG_FIELDS
                    else value
                )
        ws.append(cells)
    wb.save(tmp_path / "filled.xlsx")
    report = import_households(tmp_path / "filled.xlsx")
    assert (report.created, report.errors, report.warnings) == (20, [], [])
    filled = households_table()
    Household.objects.all().delete()
    import_households(write_rows(tmp_path / "households.csv", rows))
    assert households_table() == filled


@pytest.mark.filterwarnings("ignore:Column names longer than 10:UserWarning")
@pytest.mark.parametrize("fmt", ["GPKG", "zipped Shapefile", "GeoJSON"])
def test_household_vector_formats(demo_groups, tmp_path, fmt):
    """Point layers (GeoPackage, zipped Shapefile, GeoJSON) give the CSV's households."""
    rows = demo_household_rows(200)
    import_households(write_rows(tmp_path / "households.csv", rows))
    expected = households_table()
    Household.objects.all().delete()
    frame = gpd.pd.DataFrame(rows)
    gdf = gpd.GeoDataFrame(
        frame.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float)),
        crs=4326,
    )
    gdf["members"] = gdf["members"].astype(int)
    gdf["civility_points"] = gdf["civility_points"].astype(int)
    if fmt == "zipped Shapefile":
        path = _zip_shapefile(gdf, tmp_path, "households")
    else:
        path = tmp_path / ("households.gpkg" if fmt == "GPKG" else "households.geojson")
        gdf.to_file(path, driver=fmt, engine="pyogrio")
    report = import_households(path)
    assert (report.created, report.errors, report.warnings) == (200, [], [])
    assert households_table() == expected


def test_projected_gpkg_is_reprojected(demo_groups, tmp_path):
    """A GeoPackage in UTM 50N (EPSG:32650) is read in its CRS and stored in WGS84."""
    rows = demo_household_rows(50)
    frame = gpd.pd.DataFrame(rows)
    gdf = gpd.GeoDataFrame(
        frame[["id", "head"]],
        geometry=gpd.points_from_xy(frame["lon"].astype(float), frame["lat"].astype(float)),
        crs=4326,
    ).to_crs(32650)
    gdf.to_file(tmp_path / "utm.gpkg", driver="GPKG", engine="pyogrio")
    report = import_households(tmp_path / "utm.gpkg")
    assert (report.created, report.errors) == (50, [])
    stored = Household.objects.order_by("external_id").values_list("location", flat=True)
    lon = np.array([p.x for p in stored])
    assert np.abs(lon - frame["lon"].astype(float).to_numpy()).max() < 1e-7


def test_command_prints_summary(demo_groups, capsys):
    call_command("import_households", str(DEMO / "households.csv"))
    assert "2203" in capsys.readouterr().out
    assert Household.objects.count() == 2203


def test_awkward_text_survives_import_and_reimport(demo_groups, tmp_path):
    """Text that COPY's text format must escape (backslash, tab, newline, carriage return,
    a cell reading \\N) or that CSV quotes (comma, quote) is stored exactly, and a
    re-import of the same file finds every household unchanged."""
    awkward = ["a\\b", "tab\there", "two\nlines", "cr\rlf", "\\N", 'say "hi", ok', "\\\\N", "末\\"]
    rows = demo_household_rows(len(awkward))
    for row, text in zip(rows, awkward):
        row["head"] = f"户主{text}户"
        row["address"] = f"地址 {text} 号"
    path = write_rows(tmp_path / "households.csv", rows)
    report = import_households(path)
    assert (report.created, report.errors) == (len(awkward), [])
    stored = dict(Household.objects.values_list("external_id", "head"))
    addresses = dict(Household.objects.values_list("external_id", "address"))
    for row, text in zip(rows, awkward):
        assert stored[row["id"]] == f"户主{text}户"
        assert addresses[row["id"]] == f"地址 {text} 号"
    again = import_households(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(awkward))
    rows[0]["head"] = "户主\t改"
    changed = import_households(write_rows(tmp_path / "changed.csv", rows))
    assert (changed.updated, changed.unchanged) == (1, len(awkward) - 1)
    assert Household.objects.get(external_id=rows[0]["id"]).head == "户主\t改"
