"""A corpus of malformed import files, built at test time from the demo data (nothing binary
is committed). Each case names the importer, builds its file, and says what the report must
say: the problems it must hold, as (row, field, message constant, arguments); arguments of
None mean the message is the constant with library text filled in.

BAD cases are refused whole; TOLERATED cases import what they can, with a warning.
"""

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
from openpyxl import Workbook

from households.importing import import_households, import_persons, import_village_groups
from households.importing.cells import ERR_FORMULA, ERR_ONE_COLUMN, WARN_ABOVE_HEADER, WARN_MERGED
from households.importing.checks import ERR_DEGREES_IN_METRES, ERR_MULTIPOINT, ERR_NO_GEOMETRY
from households.importing.fields import ERR_NOT_INTEGER
from households.importing.households import ERR_BLANK_ID, ERR_DUPLICATE_ID
from households.importing.limits import ERR_MAX_VALUE, ERR_MIN_VALUE, ERR_TOO_LONG
from households.importing.persons import ERR_BLANK
from households.importing.readers import (
    CRS,
    ERR_NO_ROWS,
    ERR_UNREADABLE,
    GEOMETRY,
    MAX_LINE_BYTES,
    WARN_SAME_FIELD,
)
from households.importing.tables import (
    ERR_BINARY,
    ERR_ENCODING,
    ERR_LINE_TOO_LONG,
    ERR_ROW_WIDTH,
    WARN_MIXED_ENCODING,
)
from households.importing.vectors import (
    ERR_BAD_GEOMETRY,
    ERR_SEVERAL_LAYERS,
    ERR_ZIP_NO_SHP,
    WARN_DBF_ENCODING,
)
from households.importing.xlsx import WARN_SHEET
from households.templates_xlsx import HOUSEHOLD_COLUMNS
from tests.conftest import DEMO

from .conftest import HOUSEHOLD_COLUMNS as CSV_COLUMNS
from .conftest import demo_household_rows, write_rows

IMPORTERS = {
    "households": import_households,
    "groups": import_village_groups,
    "persons": import_persons,
}
BIG_LINE_BYTES = 50 * 1024 * 1024  # the 50 MB one-line files township staff sent
FEATURE = "feature"


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # "households", "groups" or "persons"
    build: object  # tmp_path -> Path
    errors: list = field(default_factory=list)  # (row, field, constant, args)
    warnings: list = field(default_factory=list)
    where: str = "row"


def message(constant, args) -> str:
    return str(constant % args) if args is not None else str(constant)


def matches(problem, row, field_name, constant, args) -> bool:
    if (problem.row, problem.field) != (row, str(field_name)):
        return False
    if args is None:  # library text inside: the constant's words up to the first argument
        return problem.message.startswith(str(constant).split("%", 1)[0])
    return problem.message == message(constant, args)


# ---- builders -----------------------------------------------------------------------------

ROWS = 5  # demo rows in each household file: file rows 2-6


def _csv(edit, name="households.csv"):
    def build(tmp_path: Path) -> Path:
        rows = demo_household_rows(ROWS)
        edit(rows)
        return write_rows(
            tmp_path / name, rows, CSV_COLUMNS + ["户主姓名"] * ("户主姓名" in rows[0])
        )

    return build


def _set(i, **values):
    return _csv(lambda rows: rows[i].update(values))


def _bytes(content: bytes, name="households.csv"):
    def build(tmp_path: Path) -> Path:
        path = tmp_path / name
        path.write_bytes(content() if callable(content) else content)
        return path

    return build


def _raw_csv(transform, name="households.csv"):
    """The demo CSV (5 rows) as bytes, changed by `transform(bytes) -> bytes`."""

    def build(tmp_path: Path) -> Path:
        path = write_rows(tmp_path / name, demo_household_rows(ROWS))
        path.write_bytes(transform(path.read_bytes()))
        return path

    return build


def _lines_edit(edit):
    def transform(data: bytes) -> bytes:
        lines = data.split(b"\r\n") if b"\r\n" in data else data.split(b"\n")
        return b"\n".join(edit(lines))

    return transform


def _gbk_row(lines):
    lines[3] = lines[3].decode("utf-8").encode("gbk")  # file row 4
    return lines


def _workbook(edit=None, sheet_first=None):
    """The household template's Chinese headers and the demo rows (row 2 = first household)."""

    def build(tmp_path: Path) -> Path:
        wb = Workbook()
        ws = wb.active
        if sheet_first:
            ws.title = sheet_first
            ws = wb.create_sheet("户信息")
        ws.append([c[0] for c in HOUSEHOLD_COLUMNS])
        for row in demo_household_rows(ROWS):
            ws.append([row.get(c[1], "") for c in HOUSEHOLD_COLUMNS])
        if edit:
            edit(ws)
        path = tmp_path / "households.xlsx"
        wb.save(path)
        return path

    return build


def _column(canon):
    return next(i for i, c in enumerate(HOUSEHOLD_COLUMNS, 1) if c[1] == canon)


def _households_gdf():
    rows = demo_household_rows(ROWS)
    return gpd.GeoDataFrame(
        {"id": [r["id"] for r in rows], "户主": [r["head"] for r in rows]},
        geometry=gpd.points_from_xy(
            [float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows]
        ),
        crs=4326,
    )


def _geojson(edit, name="households.geojson", source=None):
    """A GeoJSON FeatureCollection (the demo households, or `source()`), edited as a dict."""

    def build(tmp_path: Path) -> Path:
        data = json.loads((source() if source else _households_gdf()).to_json())
        edit(data)
        path = tmp_path / name
        path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        return path

    return build


def _demo_groups():
    return gpd.read_file(DEMO / "village_groups.geojson")


def _shapefile_zip(parts, *, gdf=_households_gdf, encoding="utf-8", drop=(), name="h.zip"):
    """A zip of the Shapefile(s) of `gdf()`, one per stem in `parts`, without `drop` files."""

    def build(tmp_path: Path) -> Path:
        folder = tmp_path / "shp"
        folder.mkdir()
        for stem in parts:
            gdf().to_file(folder / f"{stem}.shp", engine="pyogrio", encoding=encoding)
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as z:
            for f in sorted(folder.iterdir()):
                if f.suffix not in drop:
                    z.write(f, f.name)
        return path

    return build


def _three_positions(data):
    ring = data["features"][2]["geometry"]["coordinates"][0][0][:3]
    data["features"][2]["geometry"] = {"type": "Polygon", "coordinates": [ring]}


def _declare_3857(data):
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}


def _persons(edit, name="persons.csv"):
    def build(tmp_path: Path) -> Path:
        rows = [
            {"name": f"居民{i}", "household_id": r["id"], "phone": ""}
            for i, r in enumerate(demo_household_rows(ROWS))
        ]
        edit(rows)
        return write_rows(tmp_path / name, rows)

    return build


def _merge(ref):
    return lambda ws: ws.merge_cells(ref)


def _formula(ws):
    ws.cell(row=4, column=_column("head"), value='=B2&"家"')  # no saved value: openpyxl


def _extra_cell(lines):
    lines[3] += b",extra"
    return lines


def _blank_line(lines):
    return [*lines[:3], b"", *lines[3:]]


def _trailing_commas(lines):
    return [*lines, *[b"," * (len(CSV_COLUMNS) - 1)] * 3]  # as Excel writes emptied rows


def _title_row(ws):
    ws.insert_rows(1)
    ws["A1"] = "坑口村户籍信息表"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HOUSEHOLD_COLUMNS))


def _second_head(rows):
    for r in rows:
        r["户主姓名"] = "别名" + r["head"]


DEMO_ID = demo_household_rows(ROWS)  # rows of the file, to spell out the expected values
_GEOMETRY = GEOMETRY

BAD = [
    Case("id-of-spaces", "households", _set(2, id="   "), [(4, "id", ERR_BLANK_ID, {})]),
    Case(
        "members-1e12",
        "households",
        _set(1, members=str(10**12)),
        [(3, "members", ERR_MAX_VALUE, {"max": 99, "value": str(10**12)})],
    ),
    Case(
        "members-100",
        "households",
        _set(1, members="100"),
        [(3, "members", ERR_MAX_VALUE, {"max": 99, "value": "100"})],
    ),
    Case(
        "members-0",
        "households",
        _set(1, members="0"),
        [(3, "members", ERR_MIN_VALUE, {"min": 1, "value": "0"})],
    ),
    Case(
        "members-minus-3",
        "households",
        _set(4, members="-3"),
        [(6, "members", ERR_MIN_VALUE, {"min": 1, "value": "-3"})],
    ),
    Case(
        "members-1.5",
        "households",
        _set(4, members="1.5"),
        [(6, "members", ERR_NOT_INTEGER, {"value": "1.5"})],
    ),
    Case(
        "civility-99999999999",
        "households",
        _set(0, civility_points="99999999999"),
        [(2, "civility_points", ERR_MAX_VALUE, {"max": 2**31 - 1, "value": "99999999999"})],
    ),
    Case(
        "head-101",
        "households",
        _set(3, head="何" * 101),
        [(5, "head", ERR_TOO_LONG, {"length": 101, "max": 100})],
    ),
    Case(
        "id-65",
        "households",
        _set(3, id="H" * 65),
        [(5, "id", ERR_TOO_LONG, {"length": 65, "max": 64})],
    ),
    Case(
        "phone-21",
        "households",
        _set(2, phone="+" + "1" * 20),
        [(4, "phone", ERR_TOO_LONG, {"length": 21, "max": 20})],
    ),
    Case(
        "address-201",
        "households",
        _set(2, address="村" * 201),
        [(4, "address", ERR_TOO_LONG, {"length": 201, "max": 200})],
    ),
    Case(
        "row-wider-than-header",
        "households",
        _raw_csv(_lines_edit(_extra_cell)),
        [(4, "", ERR_ROW_WIDTH, {"cells": len(CSV_COLUMNS) + 1, "columns": len(CSV_COLUMNS)})],
    ),
    Case(
        "xlsx-merged-ids",
        "households",
        _workbook(_merge("A3:A4")),
        [(4, "户编号", ERR_DUPLICATE_ID, {"id": DEMO_ID[1]["id"], "first": 3})],
        [(None, "户编号", WARN_MERGED, {"cells": "A3:A4"})],
    ),
    Case(
        "xlsx-formula-without-value",
        "households",
        _workbook(_formula),
        [(4, "户主", ERR_FORMULA, {"formula": '=B2&"家"'})],
    ),
    Case(
        "xlsx-not-a-workbook",
        "households",
        _bytes(b"PK\x03\x04 not a workbook", "households.xlsx"),
        [(None, "", ERR_UNREADABLE, None)],
    ),
    Case(
        "50MB-line-of-commas",
        "households",
        _bytes(lambda: b"1," * (BIG_LINE_BYTES // 2)),
        [(1, "", ERR_LINE_TOO_LONG, {"length": BIG_LINE_BYTES, "max": MAX_LINE_BYTES})],
    ),
    Case(
        "50MB-line-without-delimiter",
        "persons",
        _bytes(lambda: b"x" * BIG_LINE_BYTES, "persons.csv"),
        [(1, "", ERR_LINE_TOO_LONG, {"length": BIG_LINE_BYTES, "max": MAX_LINE_BYTES})],
    ),
    Case("header-only", "households", _bytes(b"id,lon,lat\n"), [(None, "", ERR_NO_ROWS, {})]),
    Case(
        "one-column-header",
        "households",
        _bytes("户编号 经度 纬度\nH1 115.6 26.0\n".encode()),
        [(1, "", ERR_ONE_COLUMN, {"header": "户编号 经度 纬度"})],
    ),
    Case(
        "xlsx-renamed-to-csv",
        "households",
        lambda tmp: _rename(_workbook()(tmp), "households.csv"),
        [(None, "", ERR_BINARY, {})],
    ),
    Case(
        "neither-utf8-nor-gbk",
        "households",
        _raw_csv(lambda d: d.replace(b"H0000003", b"H\x80\xff")),
        [(4, "", ERR_ENCODING, {})],
    ),
    Case(
        "null-geometry",
        "households",
        _geojson(lambda d: d["features"][2].update(geometry=None)),
        [(3, _GEOMETRY, ERR_NO_GEOMETRY, {})],
        where=FEATURE,
    ),
    Case(
        "multipoint-of-two",
        "households",
        _geojson(
            lambda d: d["features"][1].update(
                geometry={"type": "MultiPoint", "coordinates": [[115.6, 26.03], [115.61, 26.04]]}
            )
        ),
        [(2, _GEOMETRY, ERR_MULTIPOINT, {"n": 2})],
        where=FEATURE,
    ),
    Case(
        "3857-declared-over-degrees",
        "households",
        _geojson(_declare_3857),
        [(None, CRS, ERR_DEGREES_IN_METRES, {"crs": "EPSG:3857"})],
    ),
    Case(
        "zip-dbf-without-shp",
        "households",
        _shapefile_zip(["h"], drop={".shp", ".shx"}),
        [(None, "", ERR_ZIP_NO_SHP, {"dbf": "h.dbf", "shp": "h.shp"})],
    ),
    Case(
        "zip-two-shapefiles",
        "households",
        _shapefile_zip(["a", "b"]),
        [(None, "", ERR_SEVERAL_LAYERS, {"count": 2, "names": "a.shp, b.shp"})],
    ),
    Case(
        "group-ring-of-three-positions",
        "groups",
        _geojson(_three_positions, "groups.geojson", _demo_groups),
        [(3, _GEOMETRY, ERR_BAD_GEOMETRY, None)],
        where=FEATURE,
    ),
    Case(
        "group-name-101",
        "groups",
        _geojson(
            lambda d: d["features"][4]["properties"].update(name="组" * 101),
            "groups.geojson",
            _demo_groups,
        ),
        [(5, "name", ERR_TOO_LONG, {"length": 101, "max": 100})],
        where=FEATURE,
    ),
    Case(
        "group-3857-over-degrees",
        "groups",
        _geojson(_declare_3857, "groups.geojson", _demo_groups),
        [(None, CRS, ERR_DEGREES_IN_METRES, {"crs": "EPSG:3857"})],
    ),
    Case(
        "group-zip-dbf-without-shp",
        "groups",
        _shapefile_zip(["g"], gdf=_demo_groups, drop={".shp", ".shx"}, name="g.zip"),
        [(None, "", ERR_ZIP_NO_SHP, {"dbf": "g.dbf", "shp": "g.shp"})],
    ),
    Case(
        "resident-name-101",
        "persons",
        _persons(lambda rows: rows[1].update(name="明" * 101)),
        [(3, "name", ERR_TOO_LONG, {"length": 101, "max": 100})],
    ),
    Case(
        "resident-phone-21",
        "persons",
        _persons(lambda rows: rows[1].update(phone="+" + "1" * 20)),
        [(3, "phone", ERR_TOO_LONG, {"length": 21, "max": 20})],
    ),
    Case(
        "resident-name-of-spaces",
        "persons",
        _persons(lambda rows: rows[2].update(name="  ")),
        [(4, "name", ERR_BLANK, {"col": "name"})],
    ),
]

TOLERATED = [
    Case("blank-line-between-rows", "households", _raw_csv(_lines_edit(_blank_line))),
    Case("trailing-comma-rows", "households", _raw_csv(_lines_edit(_trailing_commas))),
    Case(
        "mixed-utf8-and-gbk",
        "households",
        _raw_csv(_lines_edit(_gbk_row)),
        warnings=[
            (None, "", WARN_MIXED_ENCODING, {"rows": "4", "encoding": "GBK", "other": "UTF-8"})
        ],
    ),
    Case(
        "two-columns-one-field",
        "households",
        _csv(_second_head),
        warnings=[(None, "户主姓名", WARN_SAME_FIELD, {"first": "head", "second": "户主姓名"})],
    ),
    Case(
        "xlsx-data-on-sheet-2",
        "households",
        _workbook(sheet_first="空表"),
        warnings=[(None, "", WARN_SHEET, {"sheet": "'户信息'"})],
    ),
    Case(
        "xlsx-title-row",
        "households",
        _workbook(_title_row),
        warnings=[(None, "", WARN_ABOVE_HEADER, {"rows": "1"})],
    ),
    Case(
        "xlsx-merged-group-codes",
        "households",
        _workbook(_merge("I2:I3")),
        warnings=[(None, "村民小组编码", WARN_MERGED, {"cells": "I2:I3"})],
    ),
    Case(
        "gbk-dbf-without-cpg",
        "households",
        _shapefile_zip(["h"], encoding="gbk", drop={".cpg"}),
        warnings=[(None, "", WARN_DBF_ENCODING, {"encoding": "GBK"})],
    ),
]


def _rename(path: Path, name: str) -> Path:
    return path.rename(path.with_name(name))


def demo_heads() -> dict:
    """Head of household of each demo household id in the files above."""
    return {r["id"]: r["head"] for r in demo_household_rows(ROWS)}
