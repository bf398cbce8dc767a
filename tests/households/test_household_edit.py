"""Households edited by township staff (their township) and village cadres (their village)."""

import pytest

from households.models import Household, Village

pytestmark = pytest.mark.django_db
KENGKOU, WANXING = "360721100200", "360721100201"


def household_of(code: str) -> Household:
    return Household.objects.filter(group__village__code=code).order_by("external_id").first()


@pytest.fixture
def cadre(make_user, demo_county):
    return make_user("village", village=Village.objects.get(code=KENGKOU))


def test_village_cadre_edits_own_village_but_not_sensitive_tags(cadre, client):
    h = household_of(KENGKOU)
    client.force_login(cadre)
    page = client.get(f"/households/{h.external_id}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="dibao"' not in html and 'name="veteran"' in html
    assert h.phone not in html and h.id_number not in html  # never shown in clear
    data = {
        "head": "新户主",
        "members": 3,
        "address": h.address,
        "civility_points": 5,
        "dibao": "on",
        "new_phone": "",
        "new_id_number": "",
    }
    response = client.post(f"/households/{h.external_id}/edit/", data)
    assert response.status_code == 302
    after = Household.objects.get(pk=h.pk)
    assert (after.head, after.members, after.civility_points) == ("新户主", 3, 5)
    assert after.dibao == h.dibao  # not the cadre's to set
    assert after.phone == h.phone and after.id_number == h.id_number  # empty keeps


def test_bad_phone_names_the_field_and_changes_nothing(cadre, client):
    h = household_of(KENGKOU)
    client.force_login(cadre)
    data = {
        "head": "改了",
        "members": 2,
        "address": "",
        "civility_points": 0,
        "new_phone": "not-a-phone",
    }
    response = client.post(f"/households/{h.external_id}/edit/", data)
    assert response.status_code == 200
    assert "new_phone" in response.context["form"].errors
    assert Household.objects.get(pk=h.pk).head == h.head


def test_township_staff_set_sensitive_tags_and_replace_the_phone(township_user, client):
    h = household_of(WANXING)
    client.force_login(township_user)
    data = {
        "head": h.head,
        "members": h.members,
        "address": h.address,
        "civility_points": h.civility_points,
        "dibao": "on",
        "new_phone": "13900001111",
    }
    assert client.post(f"/households/{h.external_id}/edit/", data).status_code == 302
    after = Household.objects.get(pk=h.pk)
    assert after.dibao and after.phone == "13900001111"


@pytest.mark.parametrize(
    "role, code, status",
    [
        ("village", WANXING, 404),  # another village of the same township: outside the area
        ("county", KENGKOU, 403),  # reads everything, edits nothing
        ("grid_leader", KENGKOU, 403),
    ],
)
def test_outside_the_area_404_without_the_right_403(
    make_user, demo_county, client, role, code, status
):
    kengkou = Village.objects.get(code=KENGKOU)
    extra = {"village": kengkou} if role in ("village", "grid_leader") else {}
    if role == "grid_leader":
        extra["grid_code"] = KENGKOU + "001"
    client.force_login(make_user(role, **extra))
    h = household_of(code)
    assert client.get(f"/households/{h.external_id}/edit/").status_code == status
