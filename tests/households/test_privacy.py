"""Numbers kept out of places that showed them: the access log's pages and the Django
admin's forms."""

import pytest
from django.forms.models import model_to_dict

from households.admin import HouseholdForm, PersonForm
from households.models import AccessLog, Household, Person
from households.privacy import logged_path, mask_numbers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query,logged",
    [
        ("q=13812341234", "q=138****1234"),
        ("q=360102199001011234&page=2", "q=360102********1234&page=2"),
        ("q=36010219900101123X", "q=360102********123X"),
        ("q=138%201234%201234", "q=138****1234"),  # typed with spaces
        ("q=138-1234-1234", "q=138****1234"),
        ("q=0797-8123456", "q=079****3456"),  # a landline with its area code
        ("q=%E5%BC%A0%E4%B8%89", "q=张三"),  # names are not masked
        ("q=H0001234", "q=H0001234"),  # household ids are not numbers of a person
        ("bbox=115.9012345,26.2012345,116,27", "bbox=115.9012345,26.2012345,116,27"),
        ("member=1&q=1234", "member=1&q=1234"),  # the last four digits tell nothing
    ],
)
def test_the_access_log_keeps_a_masked_query(query, logged):
    assert logged_path("/grids/360721100200001/work/", query) == (
        f"/grids/360721100200001/work/?{logged}"
    )


def test_a_path_alone_is_kept_and_a_long_one_cut():
    assert logged_path("/my/", "") == "/my/"
    assert len(logged_path("/my/", "q=" + "张" * 400)) == 300
    assert mask_numbers("电话 13812341234，身份证 360102199001011234") == (
        "电话 138****1234，身份证 360102********1234"
    )


def test_a_leaders_search_by_number_is_logged_masked(field, client):
    household = (
        Household.objects.filter(grid_assignments__grid=field.grid).exclude(phone="").first()
    )
    client.force_login(field.users["grid_leader"])
    client.get("/my/", {"q": household.phone})
    entry = AccessLog.objects.get()
    assert household.phone not in entry.path
    assert entry.path == f"/my/?q={household.phone[:3]}****{household.phone[-4:]}"


def test_admin_forms_replace_numbers_and_never_show_them(field):
    household = Household.objects.exclude(phone="").exclude(id_number="").first()
    before = (household.phone, household.id_number)
    form = HouseholdForm(instance=household)
    assert "phone" not in form.fields and "id_number" not in form.fields
    assert household.phone not in str(form) and household.id_number not in str(form)
    data = model_to_dict(household, fields=list(form.fields))
    data["location"] = household.location.wkt
    data.update(new_phone="", new_id_number="")
    form = HouseholdForm(data, instance=household)
    assert form.is_valid(), form.errors
    form.save()
    household.refresh_from_db()
    assert (household.phone, household.id_number) == before  # empty keeps
    data["new_phone"] = "13700001111"
    form = HouseholdForm(data, instance=household)
    assert form.is_valid(), form.errors
    form.save()
    household.refresh_from_db()
    assert (household.phone, household.id_number) == ("13700001111", before[1])
    data["new_id_number"] = "not a number"
    bad = HouseholdForm(data, instance=household)
    assert not bad.is_valid() and "new_id_number" in bad.errors
    person = Person.objects.exclude(phone="").first()
    assert person.phone not in str(PersonForm(instance=person))
