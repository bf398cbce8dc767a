"""Visits (入户走访): who may log them, what is validated, the "not visited in 90 days" list."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone
from PIL import Image

from grids.models import GridAssignment
from layers import selectors
from layers.models import Visit
from layers.services import POINT_OUTSIDE_COUNTY, VISIT_IN_FUTURE, visit_create, visit_point
from layers.validators import PHOTO_MAX_BYTES, PHOTO_NOT_IMAGE, PHOTO_TOO_LARGE

pytestmark = pytest.mark.django_db  # the module's world needs the test database
TODAY = timezone.localdate


def household_of(grid, number=None, exclude=None):
    qs = GridAssignment.objects.filter(grid=grid).select_related("household", "member_area")
    if number is not None:
        qs = qs.filter(member_area__number=number)
    if exclude is not None:
        qs = qs.exclude(member_area__number=exclude)
    return qs.order_by("household__external_id").first().household


def png(size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, "red").save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def member_number(field):
    return field.users["grid_member"].area.member_number


def test_leader_logs_a_visit_anywhere_in_the_grid(field):
    household = household_of(field.grid, exclude=member_number(field))
    visit = visit_create(
        field.users["grid_leader"],
        household,
        visited_on=TODAY(),
        note="ok",
        photo=SimpleUploadedFile("IMG_张三.png", png()),
        point=visit_point(115.62, 26.03),
    )
    visit.refresh_from_db()
    assert visit.grid_code == field.grid.code and visit.created_by == field.users["grid_leader"]
    assert (
        visit.member_number
        == GridAssignment.objects.get(grid=field.grid, household=household).member_area.number
    )
    assert visit.photo.name.startswith("visits/") and "张三" not in visit.photo.name
    assert visit.point.srid == 4326


def test_member_logs_in_own_area_only(field):
    member = field.users["grid_member"]
    own = household_of(field.grid, number=member_number(field))
    assert visit_create(member, own, visited_on=TODAY()).member_number == member_number(field)
    with pytest.raises(Http404):
        visit_create(
            member, household_of(field.grid, exclude=member_number(field)), visited_on=TODAY()
        )


@pytest.mark.parametrize(
    "role,grid,error",
    [
        ("grid_leader", "sibling", Http404),  # another grid of the same village
        ("grid_leader", "other", Http404),  # another township
        ("grid_member", "far", Http404),
        ("village", "grid", PermissionDenied),  # cadres see the grid but do not log visits
        ("township", "grid", PermissionDenied),
        ("county", "grid", PermissionDenied),
        ("no_role", "grid", PermissionDenied),
    ],
)
def test_others_cannot_log(field, role, grid, error):
    with pytest.raises(error):
        visit_create(field.users[role], household_of(getattr(field, grid)), visited_on=TODAY())
    assert not Visit.objects.exists()


def test_a_household_outside_the_current_grids_cannot_be_visited(field):
    household = household_of(field.grid)
    GridAssignment.objects.filter(household=household).delete()
    with pytest.raises(Http404):
        visit_create(field.users["grid_leader"], household, visited_on=TODAY())


def test_dates_and_points_are_checked(field):
    leader, household = field.users["grid_leader"], household_of(field.grid)
    with pytest.raises(ValidationError) as exc:
        visit_create(leader, household, visited_on=TODAY() + dt.timedelta(days=1))
    assert exc.value.message_dict["visited_on"] == [str(VISIT_IN_FUTURE)]
    with pytest.raises(ValidationError, match=str(POINT_OUTSIDE_COUNTY)):
        visit_point(116.40 + 1, 26.0)


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("note.txt", b"hello", PHOTO_NOT_IMAGE),
        ("fake.jpg", b"<?php echo 1; ?>", PHOTO_NOT_IMAGE),
        ("photo.jpg", png(), PHOTO_NOT_IMAGE),  # a PNG named .jpg
        ("huge.png", b"\x89PNG" + b"0" * PHOTO_MAX_BYTES, PHOTO_TOO_LARGE),
    ],
    ids=["text", "script-as-jpg", "png-as-jpg", "too-large"],
)
def test_photos_must_be_small_images(field, name, content, message):
    with pytest.raises(ValidationError) as exc:
        visit_create(
            field.users["grid_leader"],
            household_of(field.grid),
            visited_on=TODAY(),
            photo=SimpleUploadedFile(name, content),
        )
    assert str(message) in exc.value.messages
    assert not Visit.objects.exists()


def test_not_visited_in_90_days(field):
    leader = field.users["grid_leader"]
    hh = [
        a.household
        for a in GridAssignment.objects.filter(grid=field.grid)
        .select_related("household")
        .order_by("household__external_id")[:3]
    ]
    visit_create(leader, hh[0], visited_on=TODAY() - dt.timedelta(days=10))
    visit_create(leader, hh[1], visited_on=TODAY() - dt.timedelta(days=91))
    overdue = set(
        selectors.households_not_visited(leader, field.grid).values_list("household_id", flat=True)
    )
    assert hh[0].pk not in overdue and {hh[1].pk, hh[2].pk} <= overdue
    assert len(overdue) == field.grid.assignments.count() - 1
    # a member's list holds their own area only
    member = field.users["grid_member"]
    mine = set(
        selectors.households_not_visited(member, field.grid).values_list(
            "household__grid_assignments__member_area__number", flat=True
        )
    )
    assert mine == {member_number(field)}


def test_visit_form_posts_and_lists(field, client):
    client.force_login(field.users["grid_leader"])
    household = household_of(field.grid)
    response = client.post(
        f"/grids/{field.grid.code}/visits/",
        {
            "household": household.pk,
            "visited_on": TODAY().isoformat(),
            "note": "门口聊了聊",
            "lon": "115.6238",
            "lat": "26.0312",
            "photo": SimpleUploadedFile("a.png", png()),
        },
    )
    assert response.status_code == 302 and response["Location"] == "/my/"
    visit = Visit.objects.get()
    assert visit.point.coords == pytest.approx((115.6238, 26.0312))
    page = client.get("/my/").content.decode()
    assert "门口聊了聊" in page and f"/visits/{visit.pk}/photo" in page
    photo = client.get(f"/visits/{visit.pk}/photo")
    # re-encoded as a JPEG without metadata (layers.validators.photo_clean)
    assert photo.status_code == 200 and b"".join(photo.streaming_content).startswith(b"\xff\xd8")
    # the sibling grid's leader would not see it; a bad form is a 400 with the errors
    bad = client.post(
        f"/grids/{field.grid.code}/visits/",
        {"household": household.pk, "visited_on": "2020-13-40", "lon": "115.6"},
    )
    assert bad.status_code == 400 and Visit.objects.count() == 1


def test_member_form_offers_own_households_only(field, client):
    member = field.users["grid_member"]
    client.force_login(member)
    other = household_of(field.grid, exclude=member_number(field))
    response = client.post(
        f"/grids/{field.grid.code}/visits/",
        {"household": other.pk, "visited_on": TODAY().isoformat()},
    )
    assert response.status_code == 400 and not Visit.objects.exists()
    form = response.context["form"]
    offered = set(form.fields["household"].queryset.values_list("pk", flat=True))
    expected = set(
        GridAssignment.objects.filter(
            grid=field.grid, member_area__number=member_number(field)
        ).values_list("household_id", flat=True)
    )
    assert offered == expected


def test_cadres_cannot_post_visits(field, client):
    client.force_login(field.users["village"])
    response = client.post(
        f"/grids/{field.grid.code}/visits/",
        {"household": household_of(field.grid).pk, "visited_on": TODAY().isoformat()},
    )
    assert response.status_code == 403
    client.force_login(field.users["grid_leader"])
    response = client.post(
        f"/grids/{field.sibling.code}/visits/",
        {"household": household_of(field.sibling).pk, "visited_on": TODAY().isoformat()},
    )
    assert response.status_code == 404
