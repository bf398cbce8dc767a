"""The county's own basemap from an MBTiles file: the right tile for z/x/y (rows counted
from the south), 404 for a tile the file lacks or with no file set, 400 naming a bad
parameter, and the map pages offer it as the default basemap."""

import json
import sqlite3

import pytest

from gis.basemap import ERR_PARAM, MAX_ZOOM

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def mbtiles(tmp_path, settings):
    """Two tiles: (z1, x0, y0) the north-west one, (z2, x3, y1)."""
    path = tmp_path / "county.mbtiles"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE metadata (name text, value text);"
        "CREATE TABLE tiles (zoom_level integer, tile_column integer, tile_row integer,"
        " tile_data blob);"
        "INSERT INTO metadata VALUES ('format', 'png'), ('name', 'test');"
    )
    # TMS rows: web y=0 at z=1 is row 2**1-1-0 = 1; web y=1 at z=2 is row 4-1-1 = 2
    db.execute("INSERT INTO tiles VALUES (1, 0, 1, ?)", (PNG + b"north-west",))
    db.execute("INSERT INTO tiles VALUES (1, 0, 0, ?)", (PNG + b"south-west",))
    db.execute("INSERT INTO tiles VALUES (2, 3, 2, ?)", (PNG + b"z2",))
    db.commit()
    db.close()
    settings.GIS_MBTILES_PATH = str(path)
    return path


def test_a_tile_comes_from_its_tms_row(mbtiles, admin_client):
    response = admin_client.get("/basemap/1/0/0")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content == PNG + b"north-west"
    assert admin_client.get("/basemap/1/0/1").content == PNG + b"south-west"
    assert admin_client.get("/basemap/2/3/1").content == PNG + b"z2"
    assert admin_client.get("/basemap/2/3/2").status_code == 404  # not in the file


def test_no_file_no_basemap(admin_client, settings):
    settings.GIS_MBTILES_PATH = ""
    assert admin_client.get("/basemap/1/0/0").status_code == 404


def test_a_login_is_needed(mbtiles, client):
    response = client.get("/basemap/1/0/0")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    "z,x,y,name",
    [
        ("a", "0", "0", "z"),
        ("-1", "0", "0", "z"),
        (str(MAX_ZOOM + 1), "0", "0", "z"),
        ("1", "2", "0", "x"),  # a z=1 grid is 2x2
        ("1", "0", "2", "y"),
        ("1", "0", "1.5", "y"),
        ("1", "٠", "0", "x"),  # an Arabic-Indic zero is a digit to Python, not here
        ("1", "0", "9" * 30, "y"),
    ],
)
def test_bad_tile_numbers_are_a_400_naming_them(mbtiles, admin_client, z, x, y, name):
    response = admin_client.get(f"/basemap/{z}/{x}/{y}")
    assert response.status_code == 400
    assert response.content.decode().startswith(f"{name}: expected a whole number")
    assert ERR_PARAM.split(":")[0] == "{name}"


def test_the_map_pages_offer_the_county_basemap_first(mbtiles, settings):
    from households.views import basemaps

    settings.GIS_BASEMAP = "local"
    config = basemaps()
    assert config["localUrl"] == "/basemap/{z}/{x}/{y}"
    assert json.dumps(config)  # goes into the page as JSON
