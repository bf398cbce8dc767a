"""Grid settings page: township staff set each village's grid and member-area sizes.

All or nothing: one bad value anywhere saves nothing and names the village and field.
"""

import pytest

from grids import selectors
from grids.models import GridEditEvent
from households.models import Township, Village
from tests.conftest import DEMO

pytestmark = pytest.mark.django_db
FIELDS = ("grid_target", "grid_min", "grid_max", "member_target", "member_min", "member_max")


@pytest.fixture
def township(db):
    """The demo township's villages and groups (no households: settings need none)."""
    from households.importing import import_village_groups

    import_village_groups(DEMO / "village_groups.geojson")
    return Township.objects.get(code="360721100")


@pytest.fixture
def staff(client, make_user, township):
    client.force_login(make_user("township", township=township))
    return client


def url(township) -> str:
    return f"/townships/{township.code}/settings/"


def form_data(township, **changes) -> dict:
    """The page's POST as the browser sends it, with ``changes[village_code] = {field: v}``."""
    villages = list(township.villages.order_by("code"))
    data = {
        "form-TOTAL_FORMS": str(len(villages)),
        "form-INITIAL_FORMS": str(len(villages)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for i, v in enumerate(villages):
        data[f"form-{i}-id"] = str(v.pk)
        for f in FIELDS:
            data[f"form-{i}-{f}"] = str(changes.get(f"v{v.code}", {}).get(f, getattr(v, f)))
            data[f"initial-form-{i}-{f}"] = str(getattr(v, f))  # what the page showed
    return data


def settings_of() -> dict:
    return {v.code: tuple(getattr(v, f) for f in FIELDS) for v in Village.objects.all()}


def test_page_shows_every_village_with_its_values(staff, township):
    page = staff.get(url(township)).content.decode()
    assert page.count("<tr data-village=") == township.villages.count() == 3
    assert 'name="form-0-grid_max" value="60"' in page
    assert "网格设置" in page


def test_saving_one_village_changes_it_and_records_who_and_what(staff, township):
    before = settings_of()
    code = "360721100200"
    response = staff.post(url(township), form_data(township, **{f"v{code}": {"grid_max": 62}}))
    assert response.status_code == 302 and response["Location"] == url(township)
    after = settings_of()
    assert after[code] == (50, 40, 62, 10, 8, 12)
    assert {c: v for c, v in after.items() if c != code} == {
        c: v for c, v in before.items() if c != code
    }
    (event,) = GridEditEvent.objects.all()
    assert event.action == "settings" and event.village.code == code
    assert event.user.username.startswith("township")
    assert event.detail["before"]["grid_max"] == 60 and event.detail["after"]["grid_max"] == 62
    assert "40–60" in event.summary and "40–62" in event.summary
    # the partitioner and the map read the new band
    assert selectors.village_params(Village.objects.get(code=code)).band == (40, 62)
    page = staff.get(url(township)).content.decode()
    assert "已保存" in page and 'name="form-0-grid_max" value="62"' in page


def test_unchanged_form_saves_nothing(staff, township):
    response = staff.post(url(township), form_data(township), follow=True)
    assert "没有修改" in response.content.decode()
    assert not GridEditEvent.objects.exists()


@pytest.mark.parametrize(
    "bad,field_label,message",
    [
        ({"grid_target": 70}, "网格目标户数", "网格目标户数须介于网格户数上下限之间"),
        ({"grid_max": 1000}, "网格户数上限", "500"),
        ({"member_max": 80, "grid_max": 60}, "联户区域户数上限", "不能多于网格"),
        ({"member_min": ""}, "联户区域户数下限", ""),
    ],
    ids=["target outside band", "over the limit", "member area over a grid", "empty"],
)
def test_one_bad_value_saves_nothing_and_names_village_and_field(
    staff, township, bad, field_label, message
):
    before = settings_of()
    good = {"v360721100200": {"grid_max": 62}}  # a valid change in another village
    response = staff.post(url(township), form_data(township, **good, v360721100202=bad))
    assert response.status_code == 200
    page = response.content.decode()
    assert "未保存" in page
    errors = page.split('id="settings-errors"')[1].split("</ul>")[0]
    assert "坪地山村（360721100202） · " + field_label in errors and message in errors
    assert '<tr data-village="360721100202" class="invalid">' in page
    assert settings_of() == before and not GridEditEvent.objects.exists()


@pytest.mark.parametrize("role", ["county", "village", "grid_leader"])
def test_roles_without_the_partition_right_get_403(client, make_user, township, role):
    village = township.villages.first() if role in ("village", "grid_leader") else None
    client.force_login(
        make_user(role, village=village, grid_code="x" if role == "grid_leader" else "")
    )
    before = settings_of()
    assert client.get(url(township)).status_code == 403
    assert (
        client.post(url(township), form_data(township, v360721100200={"grid_max": 62})).status_code
        == 403
    )
    assert settings_of() == before


def test_staff_of_another_township_gets_404_and_anonymous_the_login(client, make_user, township):
    assert "login" in client.get(url(township))["Location"]
    other = Township.objects.create(code="360721101", name="别镇")
    client.force_login(make_user("township", township=other))
    assert client.get(url(township)).status_code == 404


def test_map_links_to_the_settings(client, make_user, township):
    client.force_login(make_user("township", township=township))
    page = client.get(f"/townships/{township.code}/map/").content.decode()
    assert f'id="settings-link" href="{url(township)}"' in page


def test_a_crafted_post_cannot_create_or_touch_other_villages(staff, township):
    """More forms than villages, or a village of another township by id: no village is
    created, none outside the township changes."""
    other_town = Township.objects.create(code="360721101", name="别镇")
    other = Village.objects.create(code="360721101200", name="别村", township=other_town)
    data = form_data(township)
    data["form-TOTAL_FORMS"] = "4"
    data.update(
        {f"form-3-{f}": "55" if f == "grid_max" else str(getattr(other, f)) for f in FIELDS}
    )
    count = Village.objects.count()
    page = staff.post(url(township), data).content.decode()
    assert "未保存" in page and "请刷新页面" in page
    assert Village.objects.count() == count
    data = form_data(township)
    data["form-0-id"] = str(other.pk)
    data["form-0-grid_max"] = "55"
    response = staff.post(url(township), data)
    assert response.status_code == 200 and "请刷新页面" in response.content.decode()
    other.refresh_from_db()
    assert other.grid_max == 60 and not GridEditEvent.objects.exists()


def test_a_village_changed_by_someone_else_meanwhile_is_not_overwritten(
    staff, township, make_user, client
):
    """Two staff open the page; the second saves 坑口村's band first. The first one's save
    (a change to 坑口村 and one to 万星村) is refused whole and names who changed it."""
    from django.test import Client

    seen = form_data(township, v360721100200={"grid_target": 45}, v360721100201={"grid_max": 58})
    colleague = Client()
    colleague.force_login(make_user("township", username="colleague", township=township))
    colleague.post(url(township), form_data(township, v360721100200={"grid_max": 65}))
    before = settings_of()
    assert before["360721100200"][2] == 65
    page = staff.post(url(township), seen, follow=True).content.decode()
    assert "colleague" in page and "坑口村" in page and "未保存" in page
    assert settings_of() == before
    assert GridEditEvent.objects.count() == 1  # the colleague's only
    assert 'name="form-0-grid_max" value="65"' in page  # the page now shows the new values
