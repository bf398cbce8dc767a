"""Editor pages and API: scoping (404 outside the area, 403 without the right), reads that
write nothing, the first edit that creates the draft, JSON errors."""

import json

import pytest

from grids.models import GridDraft, GridEditEvent
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


def test_pages_and_draft_for_township_staff_write_nothing(client, township_user, village):
    client.login(username="township", password=PASSWORD)
    assert client.get(f"/villages/{PINGDISHAN}/editor/").status_code == 200
    assert client.get("/townships/360721100/editor/").status_code == 200
    data = client.get(f"/api/editor/villages/{PINGDISHAN}/draft.json").json()
    assert data["draft"]["revision"] == 0 and data["draft"]["id"] is None
    assert data["draft"]["base"] == data["draft"]["current"] == 1 and data["band"] == [40, 60]
    assert len(data["households"]) == len(data["assign"]) == 491
    assert set(data["geoms"]) == set(data["grids"])
    assert (
        client.get(f"/api/editor/villages/{PINGDISHAN}/compare.json?version=1").status_code == 200
    )
    assert not GridDraft.objects.exists() and not GridEditEvent.objects.exists()  # GET: no writes


def test_the_first_edit_creates_the_draft_and_a_refused_edit(client, township_user, village):
    client.login(username="township", password=PASSWORD)
    page = client.get(f"/api/editor/villages/{PINGDISHAN}/draft.json").json()
    hids, src, dst = border_move(village, page)
    move = {"type": "move", "households": hids, "grid": dst}
    r = post(client, "op", {"revision": 0, "base": 1, "op": move})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["draft"]["revision"] == 1 and body["draft"]["id"] == GridDraft.objects.get().pk
    assert "households" in body  # a new draft: the whole village is sent again
    assert all(body["assign"][str(h)][0] == dst for h in hids)
    r = post(client, "op", {"revision": 1, "base": 1, "op": {"type": "merge", "grids": [src]}})
    assert r.status_code == 400 and r.json()["kind"] == "refused" and r.json()["error"]
    r = post(client, "op", {"revision": 0, "base": 1, "op": {"type": "lock", "grid": src}})
    assert r.status_code == 409 and r.json()["kind"] == "stale" and "1" in r.json()["error"]
    r = post(client, "op", {"revision": 1, "base": 1, "op": {"type": "lock", "grid": src}})
    assert r.status_code == 200 and set(r.json()["geoms"]) == set()  # only changed polygons
    assert page["draft"]["ops"] == [] and GridDraft.objects.get().revision == 2


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
