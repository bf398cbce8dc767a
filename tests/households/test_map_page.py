"""The township map in Debian's Chromium: boundaries, groups and every household load."""

import json

import pytest

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
