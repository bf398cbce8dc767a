"""The map pages' search box: what each role finds (its own area only), who may look a
household up by phone, and bad input."""

import pytest
from django.db.models import Q

from grids.models import GridAssignment
from households.models import Household
from layers.search import selectors

URL = "/api/search.json"


def _get(client, user, q):
    client.force_login(user)
    return client.get(URL, {"q": q})


def _households(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json()["results"] if r["kind"] == "household"}


def _matching_without_phone(qs, q) -> set[str]:
    """The households of `qs` a search for `q` finds by name, number or address."""
    match = Q(head__icontains=q) | Q(external_id__icontains=q) | Q(address__icontains=q)
    return set(qs.filter(match).values_list("external_id", flat=True))


def _leader_household(field):
    """A household of the leader's grid, in the member's area, whose phone's last four
    digits appear in no household number, name or address of the village (so only a
    search by phone finds it)."""
    member = field.users["grid_member"].area.member_number
    village = Household.objects.filter(group__village=field.village)
    for a in GridAssignment.objects.filter(
        grid=field.grid, member_area__number=member
    ).select_related("household"):
        h = a.household
        if h.phone and not _matching_without_phone(village, h.phone[-4:]):
            return h
    pytest.skip("no household with distinctive phone digits")


@pytest.mark.parametrize("role", ["grid_leader", "grid_member"])
def test_the_grid_people_find_a_household_by_the_last_four_digits_of_its_phone(field, client, role):
    h = _leader_household(field)
    response = _get(client, field.users[role], h.phone[-4:])
    results = [r for r in response.json()["results"] if r["kind"] == "household"]
    assert [r["id"] for r in results] == [h.external_id]
    (r,) = results
    assert r["label"] == h.head
    assert (r["lon"], r["lat"]) == pytest.approx((h.location.x, h.location.y))
    assert h.phone not in response.content.decode()  # the masked number only
    assert h.phone[:3] + "****" + h.phone[-4:] in r["detail"]
    assert r["url"] == "/my/"


@pytest.mark.parametrize("role", ["county", "township", "village", "admin"])
def test_a_role_that_does_not_see_phones_cannot_search_by_phone(field, client, role):
    h = _leader_household(field)
    assert not selectors.can_search_phones(selectors.Scope(role=role))
    assert h.external_id not in _households(_get(client, field.users[role], h.phone[-4:]))
    # the whole number does not find it either
    assert h.external_id not in _households(_get(client, field.users[role], h.phone))


def test_a_village_cadre_never_finds_another_villages_household(field, client):
    cadre = field.users["village"]
    own = Household.objects.filter(group__village=field.village)
    for other in [
        Household.objects.filter(group__village__code="360721100201").first(),  # same township
        Household.objects.filter(group__village=field.other.village).first(),  # other township
    ]:
        for q in (other.external_id, other.head, other.address):
            found = _households(_get(client, cadre, q))
            assert other.external_id not in found, q
            assert found <= set(own.values_list("external_id", flat=True))
        # county staff do find it
        assert other.external_id in _households(_get(client, field.users["county"], other.head))
    # its villages: its own only
    results = _get(client, cadre, "村").json()["results"]
    assert {r["label"] for r in results if r["kind"] == "village"} == {field.village.name}


def test_a_member_finds_only_their_member_areas_households_and_residents(field, client):
    member = field.users["grid_member"]
    number = member.area.member_number
    mine = set(
        GridAssignment.objects.filter(grid=field.grid, member_area__number=number).values_list(
            "household__external_id", flat=True
        )
    )
    response = _get(client, member, "H0")
    found = _households(response)
    expected = sorted(mine)[: selectors.PER_KIND]
    assert sorted(found) == expected
    residents = {r["id"] for r in response.json()["results"] if r["kind"] == "resident"}
    assert residents <= mine


def test_a_grid_is_found_by_the_last_three_digits_of_its_code(field, client):
    response = _get(client, field.users["township"], field.grid.code[-3:])
    grids = [r for r in response.json()["results"] if r["kind"] == "grid"]
    codes = {r["id"] for r in grids}
    assert field.grid.code in codes and field.other.code not in codes
    (g,) = [r for r in grids if r["id"] == field.grid.code]
    assert g["url"] == f"/grids/{field.grid.code}/work/"
    w, s, e, n = g["bbox"]
    assert w <= g["lon"] <= e and s <= g["lat"] <= n


@pytest.mark.parametrize(
    "query,message",
    [
        ({}, selectors.ERR_EMPTY),
        ({"q": ""}, selectors.ERR_EMPTY),
        ({"q": "   "}, selectors.ERR_EMPTY),
        ({"q": "张" * (selectors.MAX_QUERY + 1)}, selectors.ERR_TOO_LONG),
        ({"q": "a\x00b"}, "q: "),
    ],
    ids=["missing", "empty", "spaces", "too-long", "nul"],
)
def test_bad_search_text_is_a_400_naming_q(field, client, query, message):
    client.force_login(field.users["county"])
    response = client.get(URL, query)
    assert response.status_code == 400
    assert response.content.decode().startswith(message)


def test_search_needs_a_login_and_no_role_finds_nothing(field, client):
    assert client.get(URL, {"q": "H0"}).status_code == 302
    assert client.post(URL, {"q": "H0"}).status_code in (302, 405)
    response = _get(client, field.users["no_role"], "H0")
    assert response.json()["results"] == []
