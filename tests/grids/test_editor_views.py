"""Editor pages and API: scoping (404 outside the area, 403 without the right), JSON errors."""

import json

import pytest

from grids.models import GridDraft
from households.models import Township
from tests.conftest import PASSWORD
from tests.grids.test_editor_helpers import PINGDISHAN, border_move, partitioned


@pytest.fixture
def village(demo_county):
    return partitioned()


def post(client, action, body, code=PINGDISHAN):
    return client.post(
        f"/api/editor/villages/{code}/{action}.json",
        json.dumps(body),
        content_type="application/json",
    )


def test_pages_and_draft_for_township_staff(client, township_user, village):
    client.login(username="township", password=PASSWORD)
    assert client.get(f"/villages/{PINGDISHAN}/editor/").status_code == 200
    assert client.get("/townships/360721100/editor/").status_code == 200
    data = client.get(f"/api/editor/villages/{PINGDISHAN}/draft.json").json()
    assert data["draft"]["revision"] == 0 and data["band"] == [40, 60]
    assert len(data["households"]) == len(data["assign"]) == 491
    assert set(data["geoms"]) == set(data["grids"])


def test_move_through_the_api_and_a_refused_edit(client, township_user, village):
    client.login(username="township", password=PASSWORD)
    draft = client.get(f"/api/editor/villages/{PINGDISHAN}/draft.json").json()
    hids, src, dst = border_move(village, GridDraft.objects.get().state)
    r = post(client, "op", {"revision": 0, "op": {"type": "move", "households": hids, "grid": dst}})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["draft"]["revision"] == 1 and set(body["geoms"]) == {src, dst}
    assert all(body["assign"][str(h)][0] == dst for h in hids)
    r = post(client, "op", {"revision": 1, "op": {"type": "merge", "grids": [src]}})
    assert r.status_code == 400 and r.json()["error"]
    r = post(client, "op", {"revision": 0, "op": {"type": "lock", "grid": src}})  # stale page
    assert r.status_code == 409 and "1" in r.json()["error"]
    assert draft["draft"]["ops"] == []


def test_other_township_is_404_and_village_cadre_is_403(client, make_user, village):
    elsewhere = Township.objects.create(code="360721999", name="别镇")
    make_user("township", username="far", township=elsewhere)
    client.login(username="far", password=PASSWORD)
    assert client.get(f"/villages/{PINGDISHAN}/editor/").status_code == 404
    assert client.get(f"/api/editor/villages/{PINGDISHAN}/draft.json").status_code == 404
    make_user("village", username="cadre", village=village)
    client.login(username="cadre", password=PASSWORD)
    assert client.get(f"/villages/{PINGDISHAN}/editor/").status_code == 403
    assert post(client, "op", {"op": {"type": "lock", "grid": "x"}}).status_code == 403
    assert not GridDraft.objects.exists()
