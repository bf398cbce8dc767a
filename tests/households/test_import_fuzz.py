"""Fuzzing the readers: whatever a file holds, an import answers with a report or refuses
with ImportRejected (a message naming the file, row or field), never another exception.

Random bytes under every suffix, and random structures: CSV (headers from the accepted ones
and others, odd cells, four encodings, three delimiters), GeoJSON (every geometry type, bad
rings, huge and tiny coordinates, odd properties, declared CRSs) and XLSX (several sheets,
merged ranges, formulas, dates). Dry runs: nothing is written. GIS_FUZZ_EXAMPLES sets the
examples per test (default 60); the tally is printed at the end of the module (pytest -s).
"""

import datetime
import json
import os
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from households.importing import (
    ImportRejected,
    import_households,
    import_persons,
    import_village_groups,
)
from households.importing.readers import GROUP_ALIASES, HOUSEHOLD_ALIASES, PERSON_ALIASES

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("GIS_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
IMPORTERS = {
    "households": import_households,
    "groups": import_village_groups,
    "persons": import_persons,
}
TALLY = Counter()


@pytest.fixture(scope="module", autouse=True)
def tally():
    yield TALLY
    print(
        f"\nimport fuzz: {TALLY['tried']} inputs tried, {TALLY['rejected']} rejected cleanly, "
        f"{TALLY['accepted']} with rows to load, {TALLY['traceback']} tracebacks"
    )


def _import(kind: str, name: str, content: bytes) -> None:
    """Import `content` as file `name`, refusing any bad row, then keeping the good rows;
    each answer must be a report or ImportRejected. Tallied once per input: rejected when
    both refuse the file, accepted when the good rows would load."""
    TALLY["tried"] += 1
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        for skip_rejected in (False, True):
            try:
                report = IMPORTERS[kind](path, dry_run=True, skip_rejected=skip_rejected)
            except ImportRejected as exc:
                assert exc.report.errors and all(str(p) for p in exc.report.errors)
                assert folder not in str(exc.report.as_dict())  # no server path in messages
                continue
            except Exception:
                TALLY["traceback"] += 1
                raise
            assert not report.applied
            if skip_rejected:
                TALLY["accepted"] += 1
                return
    TALLY["rejected"] += 1


# ---- random bytes --------------------------------------------------------------------------

SUFFIXES = [".csv", ".txt", ".xlsx", ".geojson", ".json", ".zip", ".gpkg", ".kml", ".shp"]


@FUZZ
@given(
    content=st.binary(max_size=2048),
    suffix=st.sampled_from(SUFFIXES),
    kind=st.sampled_from(sorted(IMPORTERS)),
)
def test_random_bytes(content, suffix, kind):
    _import(kind, f"file{suffix}", content)


# ---- random CSV ----------------------------------------------------------------------------

ALIASES = {"households": HOUSEHOLD_ALIASES, "persons": PERSON_ALIASES}
NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["115.6", "26.05", "1e400", "-0", "0x1F", "１２３", "1,5", "  7  "]),
)
CELLS = st.one_of(
    st.text(max_size=30),
    NUMBERS,
    st.floats(25.4, 116.4).map(lambda v: f"{v:.6f}"),  # inside the county half the time
    st.sampled_from(["H0000001", "H0000002", "H1"]),
    st.sampled_from(["", " ", "\u3000", '"', '""', "\n", "\r\n", ",", "\t", "是", "否", "\\N"]),
)


REQUIRED = {"households": ["户编号", "经度", "纬度"], "persons": ["姓名", "户编号"]}


@st.composite
def _headers(draw, kind):
    """Random headers; half the time with the required ones, so that rows get checked."""
    accepted = [a for names in ALIASES[kind].values() for a in names]
    headers = draw(
        st.lists(st.one_of(st.sampled_from(accepted), st.text(max_size=12)), max_size=20)
    )
    if draw(st.booleans()):
        headers = REQUIRED[kind] + headers
    return headers


@st.composite
def csv_files(draw):
    kind = draw(st.sampled_from(sorted(ALIASES)))
    header = draw(_headers(kind))
    width = len(header)
    rows = draw(
        st.lists(
            st.lists(CELLS, min_size=max(0, width - 2), max_size=width + 2),
            max_size=12,
        )
    )
    sep = draw(st.sampled_from([",", "\t", ";"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]))
    lines = [sep.join(_quoted(c, sep) for c in row) for row in [header, *rows]]
    text = draw(st.sampled_from(["\n", "\r\n"])).join(lines)
    return kind, text.encode(encoding, errors="replace"), draw(st.sampled_from([".csv", ".txt"]))


def _quoted(cell: str, sep: str) -> str:
    return f'"{cell}"' if any(c in cell for c in (sep, "\n", "\r")) and '"' not in cell else cell


@FUZZ
@given(csv_files())
def test_random_csv(case):
    kind, content, suffix = case
    _import(kind, f"file{suffix}", content)


# ---- random GeoJSON ------------------------------------------------------------------------

COORD = st.one_of(
    st.floats(114.8, 116.4),
    st.floats(25.4, 26.7),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from([0.0, 1e300, -1e300, 180.0, 90.0, 115.6, 26.05]),
)
POSITION = st.lists(COORD, min_size=2, max_size=3)
IN_COUNTY = st.tuples(st.floats(115.5, 115.7), st.floats(26.0, 26.1)).map(list)
RING = st.lists(POSITION, min_size=0, max_size=6)


@st.composite
def geometries(draw):
    kind = draw(
        st.sampled_from(
            ["Point", "MultiPoint", "Polygon", "MultiPolygon", "LineString", "null", "collection"]
        )
    )
    if kind == "null":
        return None
    if kind == "Point":
        return {"type": "Point", "coordinates": draw(st.one_of(POSITION, IN_COUNTY))}
    if kind in ("MultiPoint", "LineString"):
        return {"type": kind, "coordinates": draw(st.lists(POSITION, max_size=5))}
    if kind == "collection":
        return {"type": "GeometryCollection", "geometries": [draw(geometries()) or {}]}
    closed = draw(st.booleans())
    rings = draw(st.lists(RING, min_size=0, max_size=3))
    if closed:
        rings = [r + r[:1] for r in rings]
    if draw(st.booleans()):  # a small square in the county, sometimes
        x, y = draw(IN_COUNTY)
        d = draw(st.floats(1e-6, 1e-2))
        rings = [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]], *rings[1:]]
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": rings}
    return {"type": "MultiPolygon", "coordinates": [rings]}


VALUES = st.one_of(
    CELLS,
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.just([1, "a"]),
)


@st.composite
def geojson_files(draw):
    kind = draw(st.sampled_from(["households", "groups"]))
    aliases = HOUSEHOLD_ALIASES if kind == "households" else GROUP_ALIASES
    keys = st.one_of(st.sampled_from([a for n in aliases.values() for a in n]), st.text(max_size=8))
    features = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "type": st.just("Feature"),
                    "properties": st.one_of(
                        st.dictionaries(keys, VALUES, max_size=8),
                        st.fixed_dictionaries(
                            {"id": VALUES, "name": VALUES, "village_code": VALUES}
                        ),
                    ),
                    "geometry": geometries(),
                }
            ),
            max_size=8,
        )
    )
    data = {"type": "FeatureCollection", "features": features}
    crs = draw(st.sampled_from([None, 4326, 3857, 4490, 32650, 4547, 999999]))
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{crs}"}}
    return kind, json.dumps(data, allow_nan=False).encode()


@FUZZ
@given(geojson_files())
def test_random_geojson(case):
    kind, content = case
    _import(kind, "file.geojson", content)


# ---- random XLSX ---------------------------------------------------------------------------

XLSX_VALUES = st.one_of(
    CELLS.filter(lambda c: not c.startswith("=")),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
    st.just(datetime.datetime(2024, 5, 1, 8, 30)),
    st.sampled_from(["=1+1", "=A1", '=B2&"x"']),
)


@st.composite
def xlsx_files(draw):
    kind = draw(st.sampled_from(sorted(ALIASES)))
    wb = Workbook()
    for s in range(draw(st.integers(1, 3))):
        ws = wb.active if s == 0 else wb.create_sheet(f"s{s}")
        if draw(st.booleans()):
            ws.append([_clean(h) for h in draw(_headers(kind))])
        for row in draw(st.lists(st.lists(XLSX_VALUES, max_size=8), max_size=8)):
            ws.append([_clean(v) for v in row])
        for _ in range(draw(st.integers(0, 2))):
            r, c = draw(st.integers(1, 9)), draw(st.integers(1, 9))
            ws.merge_cells(
                start_row=r,
                start_column=c,
                end_row=r + draw(st.integers(0, 2)),
                end_column=c + draw(st.integers(0, 2)),
            )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        wb.save(path)
        return kind, path.read_bytes()


def _clean(value):
    """openpyxl refuses control characters in cells; a real workbook cannot hold them."""
    if isinstance(value, str):
        return "".join(c for c in value if c >= " " or c in "\t\n\r")
    return value


@FUZZ
@given(xlsx_files())
def test_random_xlsx(case):
    kind, content = case
    _import(kind, "file.xlsx", content)
