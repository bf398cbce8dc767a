"""The appointments page stays light: each post's menu holds its holder only, and a picker
asks the server for residents (the grid's own first, then the village, never another
village's); a posted resident of another village is a 400 naming the field."""

import pytest

from grids.candidates import ERR_TOO_LONG, ERR_UNKNOWN, LIMIT
from grids.models import Grid, GridAssignment, MemberArea
from households.models import Person


def _url(grid):
    return f"/grids/{grid.code}/candidates.json"


def test_the_page_lists_no_resident_menus(field, client):
    client.force_login(field.users["township"])
    page = client.get(f"/grids/{field.grid.code}/").content.decode()
    posts = 1 + field.grid.member_areas.count()
    # "—" and the holder, in each post's menu: not the village's residents six times
    form = page.split('id="appointments"')[1].split("</form>")[0]
    assert form.count("<option") <= 2 * posts
    assert len(page) < 40_000
    assert page.count('class="picker"') == posts


def test_the_grids_own_residents_come_first(field, client):
    client.force_login(field.users["township"])
    own = set(
        Person.objects.filter(
            household__in=GridAssignment.objects.filter(grid=field.grid).values("household")
        ).values_list("pk", flat=True)
    )
    village = set(
        Person.objects.filter(household__group__village=field.village).values_list("pk", flat=True)
    )
    results = client.get(_url(field.grid)).json()["results"]
    assert len(results) == min(LIMIT, len(village))
    assert [r["in_grid"] for r in results] == sorted((r["in_grid"] for r in results), reverse=True)
    assert {r["id"] for r in results if r["in_grid"]} <= own
    # a name of another grid of the village is found; another village's resident never
    other = Person.objects.filter(household__group__village=field.village).exclude(pk__in=own)
    name = other.first().name
    found = client.get(_url(field.grid), {"q": name}).json()["results"]
    assert name in {r["name"] for r in found} and {r["id"] for r in found} <= village
    stranger = Person.objects.exclude(household__group__village=field.village).first()
    found = client.get(_url(field.grid), {"q": stranger.household.external_id}).json()
    assert found["results"] == []
    assert "phone" not in str(results[0])


def test_who_may_look_up_residents(field, client):
    client.force_login(field.users["village"])  # in the area, no right to appoint
    assert client.get(_url(field.grid)).status_code == 403
    client.force_login(field.users["township"])
    assert client.get(_url(field.other)).status_code == 404  # another township
    response = client.get(_url(field.grid), {"q": "张" * 51})
    assert response.status_code == 400 and response.content.decode() == ERR_TOO_LONG


@pytest.mark.parametrize("value", ["abc", "-1", "999999999", "stranger"])
def test_a_posted_resident_of_another_village_is_refused_and_nothing_changes(field, client, value):
    client.force_login(field.users["township"])
    grid = field.grid
    if value == "stranger":
        value = str(Person.objects.exclude(household__group__village=field.village).first().pk)
    before = (grid.leader_id, list(grid.member_areas.values_list("member_id", flat=True)))
    response = client.post(f"/grids/{grid.code}/", {"leader": value})
    assert response.status_code == 400
    assert response.content.decode() == ERR_UNKNOWN.format(
        field="leader", value=value, village=field.village.name
    )
    grid = Grid.objects.get(pk=grid.pk)
    assert before == (grid.leader_id, list(grid.member_areas.values_list("member_id", flat=True)))


def test_a_picked_resident_is_appointed(field, client):
    client.force_login(field.users["township"])
    grid = field.grid
    pick = client.get(_url(grid)).json()["results"][0]["id"]
    areas = {f"area-{a.pk}": str(a.member_id or "") for a in grid.member_areas.all()}
    response = client.post(f"/grids/{grid.code}/", {"leader": str(pick), **areas})
    assert response.status_code == 302
    assert Grid.objects.get(pk=grid.pk).leader_id == pick
    assert {
        f"area-{a.pk}": str(a.member_id or "") for a in MemberArea.objects.filter(grid=grid)
    } == areas


def test_a_malformed_password_request_is_a_400(field, client):
    from grids.views_grid import ERR_ISSUE

    client.force_login(field.users["township"])
    response = client.post(f"/grids/{field.grid.code}/", {"issue": "abc"})
    assert response.status_code == 400 and response.content.decode() == ERR_ISSUE.format(
        value="abc"
    )
