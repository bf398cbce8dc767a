"""The overlay pages as each user sees them: bad input is a 4xx naming the field or
parameter and changes nothing; other areas' objects are 404; uploaded layers are seen in
the area chosen."""

import json

import pytest
from django.test import Client

from households.access import Scope
from households.models import Role
from households.scoping import COUNTY
from layers.overlays.models import Camera, OverlayFeature, OverlayLayer
from layers.overlays.services import CameraInput, camera_save
from tests.layers.overlays.conftest import NEXT_TOWNSHIP

ADMIN = Scope(COUNTY, role=Role.ADMIN)
GOOD = {
    "external_ref": "C9",
    "name": "",
    "lon": 115.902,
    "lat": 26.205,
    "direction": 90,
    "fov": 90,
    "range_m": 100,
}


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def counts():
    return Camera.objects.count(), OverlayLayer.objects.count(), OverlayFeature.objects.count()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"direction": 360}, "direction"),
        ({"direction": -5}, "direction"),
        ({"fov": 0}, "fov"),
        ({"fov": 400}, "fov"),
        ({"range_m": 0}, "range_m"),
        ({"range_m": 5000}, "range_m"),
        ({"lon": 115.95}, "location"),  # in no village
        ({"lon": 115.925}, "location"),  # the next township's village: not theirs
        ({"lon": "east"}, "lon"),
    ],
)
def test_impossible_camera_is_400_naming_the_field(small, change, field):
    code = small["township"].code
    before = counts()
    response = client_of(small["township_user"]).post(
        f"/townships/{code}/overlays/cameras/new/", {**GOOD, **change}
    )
    assert response.status_code == 400
    form = response.context["camera_form"]
    assert (
        field in form.errors
        or any(field in str(e) for e in form.non_field_errors())
        or (field == "location" and form.non_field_errors())
    )
    assert counts() == before


def test_township_staff_add_move_and_delete_in_their_area_only(small):
    c = client_of(small["township_user"])
    code = small["township"].code
    response = c.post(f"/townships/{code}/overlays/cameras/new/", GOOD)
    assert response.status_code == 302
    camera = Camera.objects.get(external_ref="C9")
    assert camera.sector.intersects(camera.location)
    moved = {**GOOD, "lon": 115.904, "direction": 180}
    assert c.post(f"/overlays/cameras/{camera.pk}/", moved).status_code == 302
    camera.refresh_from_db()
    assert (round(camera.location.x, 3), camera.direction) == (115.904, 180)
    # the next township's staff: 404 for the camera, its page, its delete; nothing changes
    other = client_of(small["next_user"])
    assert other.get(f"/overlays/cameras/{camera.pk}/").status_code == 404
    assert other.post(f"/overlays/cameras/{camera.pk}/", GOOD).status_code == 404
    assert other.post(f"/overlays/cameras/{camera.pk}/delete/").status_code == 404
    assert other.get(f"/townships/{code}/overlays/").status_code == 404
    assert Camera.objects.filter(pk=camera.pk).exists()
    # a grid leader sees it (their village) but may not change it
    leader = client_of(small["leader"])
    assert leader.get(f"/overlays/cameras/{camera.pk}/").status_code == 200
    assert leader.post(f"/overlays/cameras/{camera.pk}/delete/").status_code == 403
    assert c.post(f"/overlays/cameras/{camera.pk}/delete/").status_code == 302
    assert not Camera.objects.exists()


def test_village_staff_cannot_move_a_camera_out_of_their_village(small):
    camera = camera_save(scope=ADMIN, data=CameraInput("C1", 115.902, 26.205, 90, 90, 100))
    c = client_of(small["village_user"])
    response = c.post(
        f"/overlays/cameras/{camera.pk}/", {**GOOD, "external_ref": "C1", "lon": 115.925}
    )
    assert response.status_code == 400
    camera.refresh_from_db()
    assert camera.location.x == pytest.approx(115.902)


@pytest.mark.parametrize(
    "url",
    [
        "/townships/{code}/overlays/cameras.geojson?limit=1000000000",
        "/townships/{code}/overlays/service-points.geojson?limit=0",
        "/townships/{code}/overlays/cameras.geojson?limt=5",
        "/overlay-layers.json?limit=1000000000",
        "/api/v1/cameras/?limit=1000000000",
        "/api/v1/service-points/?limit=1000000000",
        "/ogc/collections/cameras/items?limit=1000000000",
    ],
)
def test_a_limit_of_a_billion_is_400_naming_the_parameter(small, url):
    response = client_of(small["township_user"]).get(url.format(code=small["township"].code))
    assert response.status_code == 400
    assert "limit" in response.content.decode() or "limt" in response.content.decode()


def geojson_file(tmp_path, features, name="roads.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


ROAD = {
    "type": "Feature",
    "properties": {"name": "村道"},
    "geometry": {"type": "LineString", "coordinates": [[115.901, 26.201], [115.909, 26.209]]},
}


def upload(client, path, **fields):
    data = {
        "name": "道路",
        "color": "#ff0000",
        "weight": 3,
        "fill": "",
        "level": "township",
        "area": "360721199",
        **fields,
    }
    with open(path, "rb") as f:
        return client.post("/overlay-layers/", {**data, "file": f})


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("roads.geojson", b'{"type": "FeatureCollection", "features": [', id="corrupt"),
        pytest.param("roads.zip", b"PK\x03\x04 not really a zip", id="corrupt-zip"),
        pytest.param("roads.docx", b"hello", id="wrong-type"),
        pytest.param("roads.kml", b"", id="empty"),
        pytest.param(
            "roads.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [{"type": "Feature", "properties": {"a": 1}, "geometry": None}],
                }
            ).encode(),
            id="no-geometry",
        ),
        pytest.param(
            "far.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {**ROAD, "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}}
                    ],
                }
            ).encode(),
            id="outside-county",
        ),
    ],
)
def test_a_bad_layer_upload_is_400_naming_the_file_and_leaves_nothing(
    small, tmp_path, name, content
):
    path = tmp_path / name
    path.write_bytes(content)
    before = counts()
    response = upload(client_of(small["township_user"]), path)
    assert response.status_code == 400
    assert "file" in response.context["form"].errors, response.context["form"].errors
    assert counts() == before


def test_uploaded_layer_is_seen_in_its_area_only(small, tmp_path):
    path = geojson_file(tmp_path, [ROAD])
    c = client_of(small["township_user"])
    response = upload(c, path, area=NEXT_TOWNSHIP)  # another township: refused, named
    assert response.status_code == 400 and "area" in response.context["form"].errors
    assert upload(c, path).status_code == 302
    layer = OverlayLayer.objects.get()
    assert (layer.feature_count, layer.geometry_type) == (1, "LineString")
    assert OverlayFeature.objects.get().label == "村道"

    def names(user):
        return [x["name"] for x in client_of(user).get("/overlay-layers.json").json()["layers"]]

    assert names(small["leader"]) == ["道路"]
    assert names(small["next_user"]) == []
    assert (
        client_of(small["next_user"]).post(f"/overlay-layers/{layer.pk}/delete/").status_code == 404
    )
    assert OverlayLayer.objects.exists()


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [("gpkg", "GPKG"), ("zip", "ESRI Shapefile"), ("kml", "KML"), ("geojson", "GeoJSON")],
)
def test_every_upload_format_is_stored(small, tmp_path, suffix, driver):
    """One road (a line, 名称 村道) written by GDAL in each format; the zip holds a
    Shapefile with its .cpg, so its Chinese name survives."""
    import zipfile

    import geopandas as gpd
    from shapely.geometry import LineString

    frame = gpd.GeoDataFrame(
        {"name": ["村道"]},
        geometry=[LineString([(115.901, 26.201), (115.909, 26.209)])],
        crs=4326,
    )
    if suffix == "zip":
        folder = tmp_path / "shp"
        folder.mkdir()
        frame.to_file(folder / "roads.shp", driver=driver, encoding="UTF-8")
        path = tmp_path / "roads.zip"
        with zipfile.ZipFile(path, "w") as z:
            for part in folder.iterdir():
                z.write(part, part.name)
    else:
        path = tmp_path / f"roads.{suffix}"
        frame.to_file(path, driver=driver)
    assert upload(client_of(small["township_user"]), path).status_code == 302
    feature = OverlayFeature.objects.get()
    assert feature.label == "村道"
    assert feature.geom.geom_type == "LineString"
    assert feature.geom.extent == pytest.approx((115.901, 26.201, 115.909, 26.209))


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        pytest.param("cams.csv", "编号,经度\nC1,115.9\n", "方向", id="missing-columns"),
        pytest.param("cams.pdf", "%PDF-1.4", ".pdf", id="wrong-type"),
        pytest.param("cams.csv", "\x00\x01PK\x03\x04", "CSV", id="corrupt"),
        pytest.param(
            "cams.csv",
            "编号,经度,纬度,方向,视场角,距离\nC1,115.902,26.205,90,720,50\n",
            "视场角",
            id="impossible-fov",
        ),
    ],
)
def test_a_bad_camera_file_is_a_400_report_and_writes_nothing(
    small, settings, tmp_path, name, content, words
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.IMPORT_UPLOAD_DIR = tmp_path / "imports"
    c = client_of(small["township_user"])
    upload_file = SimpleUploadedFile(name, content.encode("utf-8"))
    response = c.post("/overlay-import/", {"kind": "cameras", "crs": "", "file": upload_file})
    assert response.status_code == 302
    review = c.get(response["Location"])
    assert review.status_code == 400
    assert words in review.content.decode()
    assert c.post(response["Location"], {"confirm": "1"}).status_code == 400
    assert Camera.objects.count() == 0
