"""Tiles are cached under keys that change with the data: a committed write (a new grid
version, an edit of a household) gives the township a new stamp, so the cached tile is
not served again and the browser's copy no longer matches."""

import pytest

from households.models import Household
from households.services import household_update
from tests.layers.factories import partition_township
from tests.layers.test_tiles import decode, tile_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_grids_and_an_edit_change_the_tiles_and_their_etag(demo_county, township_user, client):
    client.force_login(township_user)
    z = 16
    household = Household.objects.filter(group__village__township=demo_county).first()
    x, y = tile_of(*household.location, z)
    grids, points = f"/tiles/grids/{z}/{x}/{y}.pbf", f"/tiles/households/{z}/{x}/{y}.pbf"
    before = client.get(grids)
    assert "grids" not in decode(before)  # not partitioned yet
    assert client.get(grids, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    partition_township(demo_county)
    after = client.get(grids, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert {f["properties"]["version"] for f in decode(after)["grids"]["features"]} == {1}

    seen = client.get(points)
    heads = {
        f["properties"]["id"]: f["properties"].get("head")
        for f in decode(seen)["households"]["features"]
    }
    assert heads[household.external_id] == household.head
    household_update(household, {"head": "新户主"}, fields=["head"])
    edited = client.get(points, HTTP_IF_NONE_MATCH=seen["ETag"])
    assert edited.status_code == 200
    heads = {
        f["properties"]["id"]: f["properties"].get("head")
        for f in decode(edited)["households"]["features"]
    }
    assert heads[household.external_id] == "新户主"
