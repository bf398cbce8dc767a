"""The points pages over HTTP: refusals are 4xx with the reason, nothing written; the red
board page shows names only."""

import pytest
from django.contrib.auth.models import User

from households.models import Role, UserArea
from layers.points.models import Category, CivilityEntry, PartyEntry
from layers.points.services import civility_openings_ensure
from tests.layers.assessment.fixtures import small_township

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def rows():
    return CivilityEntry.objects.count(), PartyEntry.objects.count()


@pytest.fixture
def s():
    s = small_township()
    civility_openings_ensure()
    user = User.objects.create_user("p-cadre", password="x")
    UserArea.objects.create(user=user, role=Role.VILLAGE, village=s.village)
    s.users["cadre"] = user
    return s


def test_refusals_over_http(client, s):
    sanitation = Category.objects.get(ledger="civility", code="sanitation").pk
    client.force_login(s.users["乙员"])
    client.cookies["django_language"] = "en"
    before = rows()
    cases = [
        (
            "/points/civility/",
            {"household": "H3000005", "category": sanitation, "on": "2025-06-01"},
            "not in your area",
        ),
        (
            "/points/civility/",
            {"household": "H3000003", "category": sanitation, "on": "someday"},
            "date",
        ),
        (
            "/points/civility/",
            {"household": "H3000003", "category": 999999, "on": "2025-06-01"},
            "category",
        ),
        (
            "/points/civility/",
            {"household": "H3000003", "category": sanitation, "on": "2025-06-01", "points": "1000"},
            "points",
        ),
    ]
    for url, data, says in cases:
        response = client.post(url, data, **EN)
        assert response.status_code == 400, (data, response.status_code)
        assert says in response.content.decode(), data
    assert rows() == before
    ok = client.post(
        "/points/civility/",
        {"household": "H3000003", "category": sanitation, "on": "2025-06-01", "note": "庭院整洁"},
    )
    assert ok.status_code == 302
    entry = CivilityEntry.objects.get(household=s.households["A3"], kind="entry")
    # the member cannot approve (403), the cadre can; the cadre cannot overspend
    assert (
        client.post(f"/points/civility/{entry.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )
    client.force_login(s.users["cadre"])
    assert (
        client.post(f"/points/civility/{entry.pk}/decide/", {"decision": "maybe"}, **EN).status_code
        == 400
    )
    assert (
        client.post(f"/points/civility/{entry.pk}/decide/", {"decision": "approve"}).status_code
        == 302
    )
    before = rows()
    response = client.post(
        "/points/households/H3000003/redeem/",
        {"points": "26", "on": "2025-06-02", "note": "大米"},
        **EN,
    )
    assert response.status_code == 400 and "below zero" in response.content.decode()
    assert rows() == before
    assert (
        client.post(
            "/points/households/H3000003/redeem/",
            {"points": "25", "on": "2025-06-02", "note": "大米"},
        ).status_code
        == 302
    )
    assert client.get("/points/households/H3000003/").content.decode().count('id="balance">0<') == 1


def test_boards_show_names_only(client, s):
    s.households["A2"].phone = "13912345678"
    s.households["A2"].id_number = "360721199001011234"
    s.households["A2"].save()
    cat = Category.objects.get(ledger="civility", code="violation")
    CivilityEntry.objects.create(
        household=s.households["A2"], category=cat, points=-5, on="2025-06-03", status="approved"
    )
    client.force_login(s.users["cadre"])
    for suffix in ("", "&print=1"):
        body = client.get(f"/villages/{s.village.code}/boards/?month=2025-06{suffix}").content
        body = body.decode()
        assert "户**" in body and "户主A2" not in body
        assert "13912345678" not in body and "3607211990" not in body
    assert client.get(f"/villages/{s.village.code}/boards/?month=june").status_code == 400
    assert client.get(f"/villages/{s.village.code}/party/?year=99").status_code == 400


def test_a_photo_is_re_encoded_and_served_in_the_area_only(client, s, settings, tmp_path):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from households.models import AccessLog

    settings.MEDIA_ROOT = tmp_path
    raw = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(raw, "PNG")
    sanitation = Category.objects.get(ledger="civility", code="sanitation").pk
    client.force_login(s.users["乙员"])
    photo = SimpleUploadedFile("院子 张三.png", raw.getvalue(), content_type="image/png")
    response = client.post(
        "/points/civility/",
        {"household": "H3000003", "category": sanitation, "on": "2025-06-01", "photo": photo},
    )
    assert response.status_code == 302
    entry = CivilityEntry.objects.get(kind="entry")
    assert entry.photo.name.endswith(".jpg") and "张三" not in entry.photo.name
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    before = rows()
    assert (
        client.post(
            "/points/civility/",
            {"household": "H3000003", "category": sanitation, "on": "2025-06-01", "photo": bad},
        ).status_code
        == 400
    )
    assert rows() == before
    client.force_login(s.users["cadre"])
    body = b"".join(client.get(f"/points/civility/{entry.pk}/photo").streaming_content)
    assert body.startswith(b"\xff\xd8")
    assert AccessLog.objects.filter(action="photo", household_ids=[entry.household_id]).exists()
    client.force_login(s.users["丙长"])  # grid B's leader: not this household
    assert client.get(f"/points/civility/{entry.pk}/photo").status_code == 404
