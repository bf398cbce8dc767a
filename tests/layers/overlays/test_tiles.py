"""The overlays' vector tiles hold only what the user's area holds, with their declared
fields; an edit shows at once (the township's data stamp changes)."""

import json

from django.test import Client

from households.access import Scope
from households.models import Role
from households.scoping import COUNTY
from layers.overlays.layers import LayerStyle, overlay_layer_upload
from layers.overlays.services import CameraInput, camera_save
from tests.layers.test_tiles import features

ADMIN = Scope(COUNTY, role=Role.ADMIN)
BOTH = (115.899, 26.199, 115.931, 26.211)  # both small townships' villages


def client_of(user):
    c = Client()
    c.force_login(user)
    return c


def refs(client, layer, key="ref", z=15):
    return sorted({f["properties"][key] for f in features(client, layer, BOTH, z)})


def test_cameras_and_sectors_in_tiles_follow_the_area(small, django_capture_on_commit_callbacks):
    camera_save(scope=ADMIN, data=CameraInput("C1", 115.902, 26.205, 90, 90, 100))
    camera_save(scope=ADMIN, data=CameraInput("N1", 115.925, 26.205, 0, 360, 50))
    mine, theirs = client_of(small["township_user"]), client_of(small["next_user"])
    assert refs(mine, "cameras") == ["C1"]
    assert refs(mine, "camera_sectors") == ["C1"]
    assert refs(theirs, "camera_sectors") == ["N1"]
    props = features(mine, "cameras", BOTH, 15)[0]["properties"]
    assert set(props) == {"id", "ref", "name", "direction", "fov", "range"}
    assert (props["direction"], props["fov"], props["range"]) == (90, 90, 100)
    # an edit (through the page's service) is drawn at once: the township's stamp changes
    with django_capture_on_commit_callbacks(execute=True):
        camera = camera_save(scope=ADMIN, data=CameraInput("C2", 115.904, 26.205, 90, 90, 100))
    assert refs(mine, "camera_sectors") == ["C1", "C2"]
    assert camera.township == small["township"]
    assert refs(mine, "cameras", z=11) == []  # below the points' zoom: nothing


def test_uploaded_layer_features_carry_their_style_in_their_area_only(small, tmp_path):
    path = tmp_path / "water.geojson"
    ring = [[115.901, 26.201], [115.905, 26.201], [115.905, 26.204], [115.901, 26.201]]
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"名称": "水塘"},
                        "geometry": {"type": "Polygon", "coordinates": [ring]},
                    }
                ],
            }
        )
    )
    overlay_layer_upload(
        scope=ADMIN,
        user=None,
        name="水系",
        path=path,
        style=LayerStyle("#0000ff", 2, True),
        level="village",
        area_code=small["village"].code,
    )
    found = features(client_of(small["leader"]), "overlay_features", BOTH, 14)
    # (a polygon across a tile edge is in both tiles)
    assert {(f["properties"]["label"], f["properties"]["color"]) for f in found} == {
        ("水塘", "#0000ff")
    }
    assert features(client_of(small["next_user"]), "overlay_features", BOTH, 14) == []
