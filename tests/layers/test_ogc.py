"""The OGC API and the REST API through Django's client: bad parameters and revoked tokens are
clear 4xx, paging, CRS, dates, masking and logging, tokens."""

import json
import os
import subprocess

import pytest

from households.models import AccessLog, Household
from layers.api.models import ApiToken
from layers.api.tokens import token_issue, token_revoke
from layers.collections.query import MAX_LIMIT

pytestmark = pytest.mark.django_db


def key_for(field, role) -> str:
    _token, key = token_issue(user=field.users[role], name=f"test {role}", issued_by=None)
    return key


def gdal(*args, key: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Token {key}"}
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


def test_a_revoked_token_is_401_at_once(client, field):
    token, key = token_issue(user=field.users["county"], name="x", issued_by=None)
    assert client.get("/ogc/collections", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    token_revoke(token, revoked_by=field.users["county"])
    for url in ("/ogc/collections", "/api/v1/grids/", "/api/schema/"):
        response = client.get(url, HTTP_AUTHORIZATION=f"Token {key}")
        assert response.status_code == 401, url
    assert client.get("/ogc/", HTTP_AUTHORIZATION="Token ggt_nosuchkey").status_code == 401
    assert ApiToken.objects.get(pk=token.pk).digest != key  # hashed at rest
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("bbox=115.7,26.0,115.5,26.1", "bbox"),
        ("bbox=115.5,26.0,115.7", "bbox"),
        ("bbox=190,0,200,10", "bbox"),
        ("bbox=abc", "bbox"),
        ("limit=1000000000", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("crs=EPSG:3857", "crs"),
        ("bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857&bbox=0,0,1,1", "bbox-crs"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2026-02-30T00:00:00Z", "datetime"),
        ("datetime=2026-03-01/2026-01-01", "datetime"),
        ("township=36072", "township"),
        ("limmit=10", "limmit"),
        ("f=xml", "f"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, field, query, parameter):
    client.force_login(field.users["county"])
    response = client.get(f"/ogc/collections/grids/items?{query}")
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter
    rest = client.get(f"/api/v1/grids/?{query}")
    assert rest.status_code == 400 or parameter in ("crs", "bbox-crs", "f")  # REST: no crs, f
    assert not AccessLog.objects.exists()


def test_limit_paging_and_crs(client, field):
    client.force_login(field.users["county"])
    total = Household.objects.count()
    seen, url = [], f"/ogc/collections/households/items?limit={MAX_LIMIT // 5}"
    while url:
        body = client.get(url).json()
        assert body["numberMatched"] == total
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert len(seen) == len(set(seen)) == total
    crs = "http://www.opengis.net/def/crs/EPSG/0/4490"
    one = client.get(f"/ogc/collections/grids/items/{field.grid.code}?crs={crs}")
    assert one["Content-Crs"] == f"<{crs}>"
    lat, lon = one.json()["geometry"]["coordinates"][0][0][0]
    assert 25 < lat < 27 and 114 < lon < 117  # EPSG axis order: latitude first


def test_datetime_picks_the_version_valid_then(client, field):
    client.force_login(field.users["county"])
    version = field.grid.version
    before = client.get("/ogc/collections/grid-versions/items?datetime=2000-01-01T00:00:00Z").json()
    assert before["numberReturned"] == 0
    at = version.valid_from.isoformat().replace("+00:00", "Z")
    now = client.get(f"/ogc/collections/grid-versions/items?datetime={at}&limit={MAX_LIMIT}").json()
    assert field.grid.code + f"-v{version.number}" in {f["id"] for f in now["features"]}


def test_households_are_masked_but_for_the_grids_leader_whose_view_is_logged(client, field):
    client.force_login(field.users["township"])
    masked = client.get("/ogc/collections/households/items?limit=50").json()["features"]
    assert all("*" in f["properties"]["id_number"] for f in masked if f["properties"]["id_number"])
    assert "dibao" in masked[0]["properties"]  # township staff see the sensitive tags
    client.force_login(field.users["grid_member"])
    member = client.get("/ogc/collections/households/items").json()["features"]
    assert "dibao" not in member[0]["properties"]
    assert not AccessLog.objects.exists()
    client.force_login(field.users["grid_leader"])
    own = client.get("/api/v1/households/?limit=100").json()["features"]
    ids = set(
        Household.objects.filter(grid_assignments__grid=field.grid).values_list(
            "external_id", flat=True
        )
    )
    assert {f["id"] for f in own} == ids
    assert any(
        f["properties"]["id_number"] and "*" not in f["properties"]["id_number"] for f in own
    )
    assert AccessLog.objects.filter(user=field.users["grid_leader"]).exists()


def test_the_leader_reads_the_grids_households_through_the_api(client, field):
    key = key_for(field, "grid_leader")
    response = client.get(
        f"/api/v1/grids/{field.grid.code}/households/", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert response.status_code == 200
    assert len(response.json()["features"]) == field.grid.assignments.count()
    other = client.get(
        f"/api/v1/grids/{field.sibling.code}/households/", HTTP_AUTHORIZATION=f"Token {key}"
    )
    assert other.status_code == 404


def test_token_pages_are_county_staffs(client, field):
    client.force_login(field.users["county"])
    issued = client.post(
        "/api/tokens/", {"username": field.users["township"].username, "name": "QGIS"}
    )
    assert issued.status_code == 200
    key = issued.context["key"]
    token = ApiToken.objects.get(name="QGIS")
    assert key.startswith(token.prefix) and key not in json.dumps(
        list(ApiToken.objects.values()), default=str
    )
    assert client.post("/api/tokens/", {"username": "nobody-here", "name": "x"}).status_code == 400
    for role in ("township", "village", "grid_leader", "grid_member"):
        client.force_login(field.users[role])
        assert client.get("/api/tokens/").status_code == 403
        assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 403
    client.force_login(field.users["county"])
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
