"""Township staff record a grid's party group on the grid page; the dashboard counts it."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from layers.coverage.models import PartyGroup
from layers.coverage.services import ERR_LEADER

from .world import B1, A, B, T, small_township

pytestmark = pytest.mark.django_db


def test_record_and_count(make_user):
    small = small_township()
    staff = Client()
    staff.force_login(make_user("township", township=small.township))
    page = staff.get(f"/grids/{B1}/")
    assert page.status_code == 200 and 'id="party-group"' in page.content.decode()
    leader = small.grids[B1].leader  # a party member of 乙村
    today = timezone.localdate()
    r = staff.post(f"/grids/{B1}/party-group/", {"leader": leader.pk, "on": today.isoformat()})
    assert r.status_code == 302
    assert PartyGroup.objects.get(grid_code=B1, ended_on=None).leader == leader
    county = Client()
    county.force_login(make_user("county"))
    rows = county.get("/api/coverage/table.json", {"level": "township", "code": T}).json()
    assert {r["code"]: r["qualifying_no_group"] for r in rows["rows"]}[B] == 0
    # a new leader from a later date closes the first record
    later = today  # same day is allowed (not before the start)
    r = staff.post(f"/grids/{B1}/party-group/", {"on": later.isoformat()})
    assert r.status_code == 302
    assert PartyGroup.objects.filter(grid_code=B1).count() == 2
    assert PartyGroup.objects.filter(grid_code=B1, ended_on=None).count() == 1


def test_bad_input_changes_nothing(make_user):
    small = small_township()
    staff = Client()
    staff.force_login(make_user("township", township=small.township))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = staff.post(f"/grids/{B1}/party-group/", {"on": tomorrow.isoformat()})
    assert r.status_code == 400 and "started_on" in r.content.decode()
    r = staff.post(f"/grids/{B1}/party-group/", {"on": "not a date"})
    assert r.status_code == 400 and "on" in r.content.decode()
    outsider = small.grids[A + "001"].leader  # lives in 甲村, not 乙村
    r = staff.post(
        f"/grids/{B1}/party-group/",
        {"leader": outsider.pk, "on": timezone.localdate().isoformat()},
    )
    assert r.status_code == 400 and "leader" in r.content.decode()
    assert str(ERR_LEADER)
    assert not PartyGroup.objects.filter(grid_code=B1).exists()
    cadre = Client()
    cadre.force_login(make_user("village", village=small.villages[B]))
    r = cadre.post(f"/grids/{B1}/party-group/", {"on": timezone.localdate().isoformat()})
    assert r.status_code == 403
