"""The township map in Debian's Chromium: boundaries, groups and every household load."""

import json

import pytest
from django.contrib.gis.db.models import Extent

from households.models import Household
from tests.conftest import PASSWORD, login

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.mark.browser
def test_township_map_shows_households(demo_county, township_user, live_server, page):
    login(page, live_server, township_user.username, PASSWORD)
    page.goto(f"{live_server.url}/townships/{demo_county.code}/map/")
    status = page.locator("#map-status[data-households]")
    status.wait_for(timeout=20000)
    expected = Household.objects.filter(group__village__township=demo_county).count()
    assert int(status.get_attribute("data-households")) == expected
    # clusters or markers are drawn, the legend and the layer switcher are there
    assert page.locator(".marker-cluster, path.leaflet-interactive").count() > 0
    assert page.locator(".legend").is_visible()
    assert page.locator(".leaflet-control-layers").count() == 1
    # Chinese by default
    assert "图例" in page.locator(".legend").inner_text()


def test_layers_are_geojson_feature_collections(demo_county, township_user, client):
    client.force_login(township_user)
    for layer in ("villages", "groups", "households"):
        response = client.get(f"/api/townships/{demo_county.code}/{layer}.geojson")
        assert response.status_code == 200
        data = json.loads(response.content)
        assert data["type"] == "FeatureCollection"
        assert data["features"], layer
        assert {"type", "id", "geometry", "properties"} <= set(data["features"][0])
    names = {
        f["properties"]["name"]
        for f in json.loads(
            client.get(f"/api/townships/{demo_county.code}/villages.geojson").content
        )["features"]
    }
    assert names == {"坑口村", "万星村", "坪地山村"}


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "5,5,1,1"])
def test_malformed_bbox_is_400(demo_county, township_user, client, bbox):
    client.force_login(township_user)
    response = client.get(f"/api/townships/{demo_county.code}/households.geojson?bbox={bbox}")
    assert response.status_code == 400


def test_anonymous_is_sent_to_login(client):
    response = client.get("/townships/360721100/map/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("layer", ["villages", "groups", "households"])
@pytest.mark.parametrize("role", ["township", "village"])
def test_layers_in_constant_queries(
    demo_county, make_user, client, django_assert_num_queries, layer, role
):
    """One query a layer whatever the number of features (2,203 households here)."""
    village = demo_county.villages.order_by("code").first() if role == "village" else None
    client.force_login(make_user(role, township=demo_county, village=village))
    url = f"/api/townships/{demo_county.code}/{layer}.geojson"
    with django_assert_num_queries(5):  # session, user, the user's area, township, the layer
        data = json.loads(client.get(url).content)
    assert data["features"]


def test_households_outside_every_group_show_to_the_whole_township_only(
    demo_county, make_user, client
):
    """A household that joined no group is on the township's map when it lies within the
    township's villages' extent (staff fix the groups), never on a village's map, and a
    household far away is on neither."""
    from django.contrib.gis.geos import Point

    x0, y0, x1, y1 = demo_county.villages.aggregate(e=Extent("boundary"))["e"]
    near = Household.objects.create(external_id="H9900001", location=Point(x0, y0, srid=4326))
    Household.objects.create(external_id="H9900002", location=Point(x1 + 0.1, y1, srid=4326))
    url = f"/api/townships/{demo_county.code}/households.geojson"
    seen = {}
    for role in ("township", "village", "county"):
        village = demo_county.villages.order_by("code").first() if role == "village" else None
        client.force_login(make_user(role, township=demo_county, village=village))
        ids = {f["id"] for f in json.loads(client.get(url).content)["features"]}
        seen[role] = {i for i in ids if i.startswith("H99")}
    assert seen == {"township": {near.external_id}, "village": set(), "county": {near.external_id}}
