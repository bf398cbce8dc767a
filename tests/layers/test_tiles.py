"""Vector tiles: decoded with mapbox-vector-tile, as each role sees them; clear 4xx on bad
addresses; cached under keys that change with the data; ETag, 304 and gzip."""

import gzip
import math

import mapbox_vector_tile
import pytest
from django.contrib.gis.db.models import Extent

from grids.models import GridAssignment
from households.models import Household
from layers.tiles import layers
from layers.tiles.grid_layers import HOUSEHOLD_POINTS_ZOOM
from layers.views_tiles import BAD_XY, BAD_Z

pytestmark = pytest.mark.django_db


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tiles_over(extent, z: int):
    """Every tile z/x/y covering a lon/lat extent."""
    x0, y1 = tile_of(extent[0], extent[1], z)
    x1, y0 = tile_of(extent[2], extent[3], z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def decode(response) -> dict:
    body = response.content
    if response.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return mapbox_vector_tile.decode(body) if body else {}


def features(client, layer, extent, z) -> list[dict]:
    found = []
    for zxy in tiles_over(extent, z):
        response = client.get("/tiles/{}/{}/{}/{}.pbf".format(layer, *zxy))
        assert response.status_code == 200, (layer, zxy, response.content[:200])
        found += decode(response).get(layer, {}).get("features", [])
    return found


def township_extent(field):
    return Household.objects.aggregate(e=Extent("location"))["e"]


def test_a_member_tile_holds_only_their_households_and_no_personal_numbers(field, client):
    client.force_login(field.users["grid_member"])
    member = field.users["grid_member"].area.member_number
    mine = set(
        GridAssignment.objects.filter(grid=field.grid, member_area__number=member).values_list(
            "household__external_id", flat=True
        )
    )
    drawn = features(client, "households", township_extent(field), HOUSEHOLD_POINTS_ZOOM + 2)
    assert {f["properties"]["id"] for f in drawn} == mine
    allowed = set(layers()["households"].tile_fields)
    for f in drawn:
        assert set(f["properties"]) <= allowed
        assert not {"phone", "id_number", "address"} & set(f["properties"])


def test_township_staff_see_their_township_only_and_counts_at_low_zoom(field, client):
    client.force_login(field.users["township"])
    extent = (115.0, 25.5, 116.2, 26.6)  # the demo township and the other one (外镇)
    ids = {f["properties"]["id"] for f in features(client, "households", extent, 14)}
    own = set(
        Household.objects.filter(group__village__township=field.township).values_list(
            "external_id", flat=True
        )
    )
    assert ids == own
    cells = features(client, "households", extent, 10)
    assert cells and all(set(f["properties"]) == {"n"} for f in cells)
    assert sum(f["properties"]["n"] for f in cells) == len(own)
    grids = features(client, "grids", extent, 12)
    assert field.other.code not in {f["properties"]["code"] for f in grids}
    assert {f["properties"]["band"] for f in grids} <= {"in", "under", "over"}


def test_county_staff_see_every_township(field, client):
    client.force_login(field.users["county"])
    villages = features(client, "villages", (115.0, 25.5, 116.2, 26.6), 10)
    assert field.other.village.code in {f["properties"]["code"] for f in villages}
    towns = features(client, "townships", (115.0, 25.5, 116.2, 26.6), 10)
    assert {f["properties"]["code"] for f in towns} == {field.township.code, "360721199"}


def test_roles_without_the_map_get_403_for_map_layers(field, client):
    client.force_login(field.users["grid_leader"])
    assert client.get("/tiles/villages/12/3000/1700.pbf").status_code == 403
    assert client.get("/tiles/grids/12/3000/1700.pbf").status_code == 200


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/tiles/households/23/0/0.pbf", 400, BAD_Z.format(max=22, value="23")),
        ("/tiles/households/-1/0/0.pbf", 400, BAD_Z.format(max=22, value="-1")),
        ("/tiles/households/z/0/0.pbf", 400, BAD_Z.format(max=22, value="z")),
        ("/tiles/households/99999999999999/0/0.pbf", 400, None),
        ("/tiles/households/3/8/0.pbf", 400, BAD_XY.format(name="x", max=7, z=3, value="8")),
        ("/tiles/households/3/0/8.pbf", 400, BAD_XY.format(name="y", max=7, z=3, value="8")),
        ("/tiles/households/3/1.5/0.pbf", 400, None),
        ("/tiles/households/0/0/٣.pbf", 400, None),  # an Arabic-Indic digit
        ("/tiles/nosuchlayer/3/0/0.pbf", 404, None),
    ],
)
def test_bad_addresses_are_a_clear_4xx(field, client, path, status, message):
    client.force_login(field.users["county"])
    response = client.get(path)
    assert response.status_code == status
    if message:
        assert response.content.decode() == message
    if status == 404:
        assert "households" in response.content.decode()  # names the layers there are


def test_tiles_answer_etag_304_and_gzip(field, client):
    client.force_login(field.users["township"])
    z = 14
    x, y = tile_of(*Household.objects.filter(group__village=field.village).first().location, z)
    url = f"/tiles/households/{z}/{x}/{y}.pbf"
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200 and first["Content-Encoding"] == "gzip"
    assert decode(first)["households"]["features"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], HTTP_ACCEPT_ENCODING="gzip")
    assert again.status_code == 304 and not again.content
    layer = client.get(
        f"/api/townships/{field.township.code}/households.geojson", HTTP_ACCEPT_ENCODING="gzip"
    )
    assert layer["Content-Encoding"] == "gzip" and layer["ETag"]
    assert (
        client.get(
            f"/api/townships/{field.township.code}/households.geojson",
            HTTP_IF_NONE_MATCH=layer["ETag"],
        ).status_code
        == 304
    )
